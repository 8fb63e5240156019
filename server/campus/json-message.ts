/**
 * JSON between hall shards and the campus view on NATS, whose messages are at most 1 MB (the
 * server's max_payload): a body over GZIP_OVER_BYTES goes gzipped, said by a `Content-Encoding`
 * header (an alert storm's incidents and a long resolved history are several MB as text, ~10×
 * less gzipped). Smaller bodies stay plain text, readable with `nats sub`.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { headers, type Msg, type MsgHdrs } from 'nats';

export const GZIP_OVER_BYTES = 256 * 1024;

/** The bytes and headers of `body` as JSON. */
export function jsonMessage(body: unknown): { data: Uint8Array; headers?: MsgHdrs } {
  const data = new TextEncoder().encode(JSON.stringify(body));
  if (data.byteLength <= GZIP_OVER_BYTES) return { data };
  const h = headers();
  h.set('Content-Encoding', 'gzip');
  return { data: gzipSync(data), headers: h };
}

/** The JSON a message carries, gzipped or not; throws on a body that is not JSON. */
export function readJsonMessage(m: Pick<Msg, 'data' | 'headers'>): unknown {
  const gz = m.headers?.get('Content-Encoding') === 'gzip';
  return JSON.parse(new TextDecoder().decode(gz ? gunzipSync(m.data) : m.data));
}
