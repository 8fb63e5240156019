/** What a probe saw when the awaited thing was not there yet; `waitFor` shows the last one when it times out. */
export class NotYet {
  constructor(readonly saw: unknown) {}
}

/** A probe's "not yet", with what it saw: `return ids.includes(id) || notYet({ ids })`. */
export const notYet = (saw: unknown): NotYet => new NotYet(saw);

/** `true` when `ok(value)` holds, else `notYet(value)`: `async () => seen((await rack()).state, (s) => s === 'live')`. */
export function seen<T>(value: T, ok: (v: T) => boolean): true | NotYet {
  return ok(value) || notYet(value);
}

/** Longest description of what a probe saw in a timeout message, characters. */
const SAW_MAX_CHARS = 2000;

/**
 * A probe answers with the value awaited, or `notYet(what it saw)`. Bare `false`, `null` and
 * `undefined` are refused by the type: a timeout that says "last: false" tells nobody anything.
 */
type Probe<T> = () => Promise<T | NotYet> | T | NotYet;
type Described<T> = 0 extends 1 & T ? unknown // `any` (parsed JSON) cannot be told apart: such probes are checked by reading them
  : [Extract<T, false | null | undefined>] extends [never] ? unknown : 'answer notYet(what you saw) instead of false, null or undefined';

function describe(last: unknown): string {
  const text = last instanceof Error ? last.message : last instanceof NotYet ? JSON.stringify(last.saw) : JSON.stringify(last);
  return text === undefined ? String(last) : text.length > SAW_MAX_CHARS ? `${text.slice(0, SAW_MAX_CHARS)}…` : text;
}

/** Polls `probe` until it returns a truthy value other than `notYet(…)`, or `timeoutMs` passes; the error names `what` and what the probe saw last. */
export async function waitFor<T>(what: string, probe: Probe<T> & Described<T>, timeoutMs = 15_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v && !(v instanceof NotYet)) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${describe(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
