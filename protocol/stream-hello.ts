/**
 * What a stream client checks of `hello` before it applies a frame: the protocol version and
 * the column sets it was built with. Columns travel by position, so a server with one column
 * more, less or moved would put every value after it under the wrong name.
 */
import { CDU_COLUMNS, RACK_COLUMNS, STREAM_PROTOCOL_VERSION } from './stream.ts';

export type HelloVerdict =
  | { ok: true }
  | {
    ok: false;
    /** The server speaks a newer protocol (it was upgraded): reloading the page fetches the dashboard that matches it. */
    serverNewer: boolean;
    /** Expected against got, for the screen. */
    message: string;
  };

function columnsDiffer(kind: string, expected: readonly string[], got: unknown): string | null {
  if (!Array.isArray(got)) return `${kind} columns: expected ${expected.length}, got none`;
  if (got.length === expected.length && got.every((c, i) => c === expected[i])) return null;
  const missing = expected.filter((c) => !got.includes(c));
  const extra = got.filter((c) => !expected.includes(c));
  const names = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unknown ${extra.join(', ')}` : ''].filter(Boolean);
  return `${kind} columns: expected ${expected.length}, got ${got.length} (${names.length ? names.join('; ') : 'the same names in another order'})`;
}

/** Whether this build can read the stream that `hello` announces; the reason names expected and got. */
export function checkHello(hello: { protocol?: unknown; rackColumns?: unknown; cduColumns?: unknown }): HelloVerdict {
  const version = hello.protocol;
  if (version !== STREAM_PROTOCOL_VERSION) {
    const serverNewer = typeof version === 'number' && version > STREAM_PROTOCOL_VERSION;
    return { ok: false, serverNewer, message: `stream protocol: expected version ${STREAM_PROTOCOL_VERSION}, got ${JSON.stringify(version ?? null)}` };
  }
  const differ = columnsDiffer('rack', RACK_COLUMNS, hello.rackColumns) ?? columnsDiffer('CDU', CDU_COLUMNS, hello.cduColumns);
  return differ === null ? { ok: true } : { ok: false, serverNewer: false, message: differ };
}
