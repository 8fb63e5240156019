/** A saved evaluation past the restore horizon: its open incidents go to the history, ended when it was saved. */
import { describe, expect, it } from 'vitest';
import { ALERT_RESTORE_HORIZON_MS, retireStale } from '../../server/alerts/restore-horizon.ts';
import type { SavedAlertState } from '../../server/alerts/alert-state-store.ts';
import type { IncidentJson } from '../../protocol/alerts.ts';

const SAVED_MS = 1_000_000_000_000;
const MIN_MS = 60_000;

function incident(id: string, startedMs: number): IncidentJson {
  return { id, startedMs, title: `${id}: return above limit` } as unknown as IncidentJson;
}

function saved(over: Partial<SavedAlertState> = {}): SavedAlertState {
  return {
    version: 1, savedAtMs: SAVED_MS,
    alerts: [{ ruleId: 'rack-return-high', entity: 'h1-r01', state: { phase: 'firing' } as never }],
    notified: { 'rack:h1-r01': { startedMs: SAVED_MS - 10 * MIN_MS, firingSent: true }, 'rack:h1-r02': { startedMs: SAVED_MS - 5 * MIN_MS, firingSent: false } },
    open: [{ id: 'rack:h1-r01' } as never],
    incidents: [incident('rack:h1-r01', SAVED_MS - 10 * MIN_MS), incident('rack:h1-r02', SAVED_MS - 5 * MIN_MS)],
    history: [{ ...incident('rack:h1-r09', SAVED_MS - 60 * MIN_MS), resolvedMs: SAVED_MS - 50 * MIN_MS, acknowledged: null, notified: true }],
    stories: { 'rack:h1-r01': { events: [] } as never },
    ...over,
  };
}

describe('retireStale', () => {
  const ack = { by: 'ops', atMs: SAVED_MS - MIN_MS, comment: 'valve' };
  it.each([
    ['just saved', saved(), SAVED_MS + MIN_MS, 0],
    ['at the horizon', saved(), SAVED_MS + ALERT_RESTORE_HORIZON_MS, 0],
    ['past the horizon', saved(), SAVED_MS + ALERT_RESTORE_HORIZON_MS + 1, 2],
    ['5 h later', saved(), SAVED_MS + 300 * MIN_MS, 2],
    ['a file that does not say when it was saved', saved({ savedAtMs: undefined }), SAVED_MS + 300 * MIN_MS, 0],
    ['a clock that stepped back', saved(), SAVED_MS - 300 * MIN_MS, 0],
  ])('%s: %i incidents retired', (_what, state, nowMs, retired) => {
    const r = retireStale(state, { version: 1, acks: { 'rack:h1-r02': ack } }, nowMs);
    expect(r.retired).toBe(retired);
    if (retired === 0) {
      expect(r.state).toBe(state);
      return;
    }
    expect(r.state).toMatchObject({ alerts: [], notified: {}, open: [], incidents: [], stories: {} });
    expect(r.state.history.map((i) => [i.id, i.resolvedMs, i.acknowledged, i.notified, i.story !== undefined])).toEqual([
      ['rack:h1-r02', SAVED_MS, ack, false, false],
      ['rack:h1-r01', SAVED_MS, null, true, true],
      ['rack:h1-r09', SAVED_MS - 50 * MIN_MS, null, true, false],
    ]);
  });
});
