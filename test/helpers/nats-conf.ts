/**
 * Reads the part of nats-server's configuration syntax Hallwatch's generators write (blocks,
 * arrays, inline maps, `key: value` and `key value`, quoted strings, no comments or variables)
 * into plain objects, so a unit test checks what a key holds rather than that a line appears.
 * A key given twice in one block is refused: nats-server would silently keep the last one.
 */
export type ConfValue = string | ConfValue[] | { [key: string]: ConfValue };
export type ConfMap = { [key: string]: ConfValue };

function tokens(text: string): string[] {
  const out: string[] = [];
  const re = /\s+|"((?:[^"\\]|\\.)*)"|([{}[\],])|([^\s{}[\],"]+)/gy;
  for (let m: RegExpExecArray | null; re.lastIndex < text.length;) {
    const at = re.lastIndex;
    if (!(m = re.exec(text))) throw new Error(`nats conf: cannot read at ${JSON.stringify(text.slice(at, at + 20))}`);
    if (m[1] !== undefined) out.push(`"${m[1]}`); // a leading quote marks a string token
    else if (m[2] ?? m[3]) out.push(m[2] ?? m[3]);
  }
  return out;
}

/** Parses a whole configuration file into its top-level map. */
export function parseNatsConf(text: string): ConfMap {
  const ts = tokens(text);
  let i = 0;
  const value = (): ConfValue => {
    const t = ts[i++];
    if (t === '{') return map('}');
    if (t === '[') {
      const arr: ConfValue[] = [];
      while (ts[i] !== ']') {
        if (i >= ts.length) throw new Error('nats conf: unclosed [');
        if (ts[i] === ',') i++;
        else arr.push(value());
      }
      i++;
      return arr;
    }
    if (t === undefined || '}],'.includes(t)) throw new Error(`nats conf: value expected, got ${t}`);
    return t.startsWith('"') ? t.slice(1) : t;
  };
  const map = (close: string | undefined): ConfMap => {
    const m: ConfMap = {};
    for (;;) {
      if (ts[i] === ',') { i++; continue; }
      if (ts[i] === close) { i++; return m; }
      if (i >= ts.length) {
        if (close) throw new Error(`nats conf: unclosed {`);
        return m;
      }
      let key = ts[i++];
      if (key.startsWith('"')) key = key.slice(1);
      if (key.endsWith(':')) key = key.slice(0, -1);
      else if (ts[i] === ':' || ts[i] === '=') i++;
      if (key in m) throw new Error(`nats conf: "${key}" given twice in one block`);
      m[key] = value();
    }
  };
  return map(undefined);
}

/** A value down a path of keys and array indices, or undefined. */
export function confAt(conf: ConfValue, ...path: (string | number)[]): ConfValue | undefined {
  let v: ConfValue | undefined = conf;
  for (const k of path) v = v === undefined || typeof v === 'string' ? undefined : (v as any)[k];
  return v;
}

/** Whether NATS subject `subject` is matched by `filter` (`*` one token, `>` the rest). */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}
