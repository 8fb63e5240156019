/** Builds the WebSocket frames from the live state's columns (protocol/stream.ts). */
import {
  CDU_COLUMNS, RACK_COLUMNS, STREAM_PROTOCOL_VERSION,
  type ColumnBlock, type DeltaMessage, type HelloMessage, type RackDetailMessage, type SnapshotMessage,
} from '../../protocol/stream.ts';
import { encodeDeltaFrame } from '../../protocol/stream-binary.ts';
import type { LiveState } from '../state/live-state.ts';

/** Rounds to 3 decimals (mK, W-level kW) to keep frames small; non-finite → null. */
function wire(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  return Math.round(v * 1000) / 1000;
}

/** Columns of the rows in `idx` (every row when `idx` is null). */
export function encodeBlock(cols: Float64Array[], idx: number[] | null): ColumnBlock {
  const rows = idx ?? Array.from({ length: cols[0]?.length ?? 0 }, (_, i) => i);
  return { idx: rows, cols: cols.map((col) => rows.map((i) => wire(col[i]))) };
}

export function helloMessage(state: LiveState, tickMs: number, nowMs: number, encoding: HelloMessage['encoding'] = 'json', serverName?: string): HelloMessage {
  const hello: HelloMessage = {
    type: 'hello',
    protocol: STREAM_PROTOCOL_VERSION,
    serverTimeMs: nowMs,
    tickMs,
    staleAfterMs: state.staleAfterMs,
    rackColumns: RACK_COLUMNS,
    cduColumns: CDU_COLUMNS,
    rackCount: state.site.racks.length,
    cduCount: state.site.cdus.length,
    encoding,
  };
  if (serverName !== undefined) hello.serverName = serverName;
  return hello;
}

function totalsByHall(state: LiveState): SnapshotMessage['halls'] {
  return Object.fromEntries(state.site.view.halls.map((h) => [h.id, state.hallTotals[h.index]]));
}

export function snapshotMessage(state: LiveState, nowMs: number): SnapshotMessage {
  return {
    type: 'snapshot',
    serverTimeMs: nowMs,
    racks: encodeBlock(state.rackCols, null),
    cdus: encodeBlock(state.cduCols, null),
    halls: totalsByHall(state),
    site: state.siteTotals,
  };
}

/** The delta as a binary frame (protocol/stream-binary.ts). */
export function deltaFrame(state: LiveState, dirty: { racks: number[]; cdus: number[] }, nowMs: number): Uint8Array {
  return encodeDeltaFrame(nowMs, state.rackCols, dirty.racks, state.cduCols, dirty.cdus, { halls: totalsByHall(state), site: state.siteTotals });
}

export function deltaMessage(state: LiveState, dirty: { racks: number[]; cdus: number[] }, nowMs: number): DeltaMessage {
  return {
    type: 'delta',
    serverTimeMs: nowMs,
    racks: encodeBlock(state.rackCols, dirty.racks),
    cdus: encodeBlock(state.cduCols, dirty.cdus),
    halls: totalsByHall(state),
    site: state.siteTotals,
  };
}

export function rackDetailMessage(state: LiveState, rackIndex: number, nowMs: number): RackDetailMessage | null {
  const d = state.rackDetail[rackIndex];
  if (!d) return null;
  return {
    type: 'rack',
    serverTimeMs: nowMs,
    rackId: state.site.racks[rackIndex].id,
    tsMs: d.tsMs,
    gpuW: d.gpuW,
    cpuW: d.cpuW,
    gpuC: d.gpuC,
    dpKpa: d.dpKpa,
    valvePct: d.valvePct,
  };
}
