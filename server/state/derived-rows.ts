/**
 * The campus view's live state takes each rack and CDU row as its hall shard derived it, instead
 * of deriving it from samples (server/campus/campus-feed.ts).
 */
import { CDU_COL as CC, EntityState, RACK_COL as RC } from '../../protocol/stream.ts';
import type { LiveState } from './live-state.ts';

/**
 * Row `k` of a shard's columns into rack or CDU `i`, received now; a new sample (its tsMs
 * changed) counts as one for staleness and delays.
 */
export function applyDerivedRow(state: LiveState, kind: 'rack' | 'cdu', i: number, cols: ArrayLike<number>[], k: number, nowMs: number): void {
  const own = kind === 'rack' ? state.rackCols : state.cduCols;
  const [st, ts] = kind === 'rack' ? [RC.state, RC.tsMs] : [CC.state, CC.tsMs];
  const before = own[st][i];
  const tsBefore = own[ts][i];
  const wasAvailable = kind === 'cdu' ? state.availableBefore(i) : null;
  for (let c = 0; c < own.length; c++) own[c][i] = cols[c][k];
  const received = kind === 'rack' ? state.rackReceivedMs : state.cduReceivedMs;
  if (own[st][i] === EntityState.Live) {
    if (own[ts][i] !== tsBefore) state.staleness.arrived(kind, i, before, own[ts][i], nowMs);
    received[i] = nowMs;
  } else if (own[st][i] !== before) {
    state.staleness.changed(kind, i, before, own[st][i], nowMs, received[i]);
  }
  if (kind === 'rack') state.markRack(i);
  else state.cduChanged(i, wasAvailable);
}
