/**
 * How old a saved evaluation may be and still be restored as open. A restart (an upgrade, a crash,
 * a reboot) takes minutes; an evaluation saved hours ago describes a floor nobody watched since.
 * Past the horizon its open incidents go to the resolved history, ended when it was saved (the
 * last moment they were known open), and its alert states are not restored: the rules evaluate
 * the floor afresh, and what still holds opens again as a new incident. Acknowledgements and
 * silences are the operators' and are kept (a silence ends by its own time).
 */
import type { Acknowledgement, ResolvedIncident } from '../../protocol/alerts.ts';
import type { SavedAcks, SavedAlertState } from './alert-state-store.ts';

/** Oldest saved evaluation whose open incidents are restored open. */
export const ALERT_RESTORE_HORIZON_MS = 30 * 60_000;

/** A running leader saves its evaluation at least this often, changed or not, so a crash leaves a recent save time. */
export const ALERT_RESAVE_MS = 5 * 60_000;

export interface Retired {
  state: SavedAlertState;
  /** Open incidents moved to the history. */
  retired: number;
  /** How old the saved evaluation was (NaN: it does not say when it was saved). */
  ageMs: number;
}

/** `state` as it is restored at `nowMs`: unchanged within the horizon (or when it carries no save time). */
export function retireStale(state: SavedAlertState, acks: SavedAcks | null, nowMs: number, horizonMs = ALERT_RESTORE_HORIZON_MS): Retired {
  const savedAtMs = typeof state.savedAtMs === 'number' ? state.savedAtMs : Number.NaN;
  const ageMs = nowMs - savedAtMs;
  if (!(ageMs > horizonMs)) return { state, retired: 0, ageMs };
  const incidents = Array.isArray(state.incidents) ? state.incidents : [];
  const notified = state.notified ?? {};
  const ack = (id: string): Acknowledgement | null => acks?.acks[id] ?? notified[id]?.ack ?? null;
  const retired = incidents.map((i): ResolvedIncident => {
    const story = state.stories?.[i.id];
    return { ...i, resolvedMs: savedAtMs, acknowledged: ack(i.id), notified: notified[i.id]?.firingSent ?? false, ...(story ? { story } : {}) };
  });
  const history = [...retired.sort((a, b) => b.startedMs - a.startedMs), ...(Array.isArray(state.history) ? state.history : [])];
  return { state: { ...state, alerts: [], notified: {}, open: [], incidents: [], stories: {}, history }, retired: retired.length, ageMs };
}
