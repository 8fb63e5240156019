/**
 * Binary delta frames (`/ws?encoding=binary`; the dashboard's choice). A 1 GW site changes
 * ~8,800 rows a second, 19 columns each: as JSON that was the server's largest single cost
 * (number → text for every value) and the browser's (text → number). A binary frame carries the
 * same DeltaMessage with the columns as float64, little-endian:
 *
 *   float64[7] header: version, serverTimeMs, rackRows, rackCols, cduRows, cduCols, totalsBytes
 *   float64[rackRows] rack indexes, then rackCols × rackRows values (column by column)
 *   float64[cduRows] CDU indexes, then cduCols × cduRows values
 *   UTF-8 JSON of { halls, site } (totalsBytes long)
 *
 * A value that is not a finite number travels as NaN (JSON: null). hello, snapshot and rack
 * frames stay JSON text.
 */
import type { ColumnView, DeltaMessage, Totals } from './stream.ts';

/** A decoded binary delta: a DeltaMessage whose columns are float64 views. */
export type BinaryDelta = Omit<DeltaMessage, 'racks' | 'cdus'> & { racks: ColumnView; cdus: ColumnView };

export const BINARY_FRAME_VERSION = 1;
const HEADER = 7;

export type StreamEncoding = 'json' | 'binary';

/** One delta as a binary frame. `rackIdx`/`cduIdx` are the changed rows of the columns. */
export function encodeDeltaFrame(
  serverTimeMs: number,
  rackCols: ArrayLike<number>[],
  rackIdx: ArrayLike<number>,
  cduCols: ArrayLike<number>[],
  cduIdx: ArrayLike<number>,
  totals: { halls: Record<string, Totals>; site: Totals },
): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(totals));
  const floats = HEADER + rackIdx.length * (1 + rackCols.length) + cduIdx.length * (1 + cduCols.length);
  const bytes = new Uint8Array(floats * 8 + json.length);
  const f = new Float64Array(bytes.buffer, 0, floats);
  f.set([BINARY_FRAME_VERSION, serverTimeMs, rackIdx.length, rackCols.length, cduIdx.length, cduCols.length, json.length]);
  let o = HEADER;
  for (const [cols, idx] of [[rackCols, rackIdx], [cduCols, cduIdx]] as const) {
    const n = idx.length;
    for (let k = 0; k < n; k++) f[o + k] = idx[k];
    o += n;
    for (const col of cols) {
      for (let k = 0; k < n; k++) f[o + k] = col[idx[k]];
      o += n;
    }
  }
  bytes.set(json, floats * 8);
  return bytes;
}

/** The delta in a binary frame; an error names what is wrong with a frame that is not one. */
export function decodeDeltaFrame(buf: ArrayBuffer | Uint8Array): BinaryDelta {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (bytes.byteLength < HEADER * 8) throw new Error(`binary frame: ${bytes.byteLength} bytes, shorter than its header`);
  // Float64Array needs an 8-byte-aligned offset: copy when the bytes are not aligned.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes); // copies (a Buffer's slice() would not)
  const head = new Float64Array(aligned.buffer, aligned.byteOffset, HEADER);
  const [version, serverTimeMs, rackRows, rackCols, cduRows, cduCols, totalsBytes] = head;
  if (version !== BINARY_FRAME_VERSION) throw new Error(`binary frame: version ${version}, expected ${BINARY_FRAME_VERSION}`);
  const floats = HEADER + rackRows * (1 + rackCols) + cduRows * (1 + cduCols);
  const expectedBytes = floats * 8 + totalsBytes;
  if (aligned.byteLength !== expectedBytes) throw new Error(`binary frame: ${aligned.byteLength} bytes, its header says ${expectedBytes}`);
  const f = new Float64Array(aligned.buffer, aligned.byteOffset, floats);
  let o = HEADER;
  const block = (rows: number, cols: number) => {
    const idx = f.subarray(o, o + rows);
    o += rows;
    const out: Float64Array[] = [];
    for (let c = 0; c < cols; c++, o += rows) out.push(f.subarray(o, o + rows));
    return { idx, cols: out };
  };
  const racks = block(rackRows, rackCols);
  const cdus = block(cduRows, cduCols);
  const totals = JSON.parse(new TextDecoder().decode(aligned.subarray(floats * 8))) as { halls: Record<string, Totals>; site: Totals };
  return { type: 'delta', serverTimeMs, racks, cdus, halls: totals.halls, site: totals.site };
}
