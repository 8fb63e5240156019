/**
 * The campus view's own incidents — a hall shard unreachable — muted by silences of the shard or
 * of its halls, and paged once: when they open unmuted, when their silence ends, never again.
 */
import { describe, expect, it } from 'vitest';
import { campusSilence } from '../../server/campus/campus-alerts.ts';
import { CampusNotifier } from '../../server/campus/campus-notifier.ts';
import type { IncidentView, Silence } from '../../protocol/alerts.ts';
import type { Notification } from '../../server/alerts/notification.ts';
import { createLogger } from '../../server/logger.ts';

const T0 = 1_800_000_000_000;
const MIN = 60_000;
const silence = (id: string, matcher: string, startsMs = T0 - MIN, endsMs = T0 + 30 * MIN): Silence =>
  ({ id, matcher, startsMs, endsMs, comment: 'maintenance', by: 'olga', createdMs: startsMs });

describe('campusSilence()', () => {
  it.each<[string, string, string[], Silence[], number, string | null]>([
    ['no silence', 'hall-3', ['hall-3'], [], T0, null],
    ['a silence of the shard', 'hall-3', ['hall-3'], [silence('s1', 'shard:hall-3')], T0, 's1'],
    ['a silence of its hall', 'hall-3', ['hall-3'], [silence('s1', 'hall:hall-3')], T0, 's1'],
    ['a silence of another shard', 'hall-3', ['hall-3'], [silence('s1', 'shard:hall-2')], T0, null],
    ['a silence of another hall', 'hall-3', ['hall-3'], [silence('s1', 'hall:hall-2')], T0, null],
    ['a silence of a rack in the hall', 'hall-3', ['hall-3'], [silence('s1', 'rack:h3-')], T0, null],
    ['a silence that has ended', 'hall-3', ['hall-3'], [silence('s1', 'shard:hall-3', T0 - 2 * MIN, T0)], T0, null],
    ['a silence not yet begun', 'hall-3', ['hall-3'], [silence('s1', 'hall:hall-3', T0 + MIN)], T0, null],
    ['two halls, one silenced: it still pages', 'hall-1_hall-2', ['hall-1', 'hall-2'], [silence('s1', 'hall:hall-1')], T0, null],
    ['two halls, both silenced: the first hall\'s', 'hall-1_hall-2', ['hall-1', 'hall-2'], [silence('s2', 'hall:hall-2'), silence('s1', 'hall:hall-1')], T0, 's1'],
    ['two halls, the shard silenced', 'hall-1_hall-2', ['hall-1', 'hall-2'], [silence('s1', 'hall:hall-1'), silence('s9', 'shard:hall-1_hall-2')], T0, 's9'],
  ])('%s', (_name, shard, halls, silences, nowMs, id) => {
    expect(campusSilence(shard, halls, silences, nowMs)?.id ?? null).toBe(id);
  });
});

const incident = (o: Partial<IncidentView> = {}): IncidentView => ({
  id: `shard:hall-3@${T0}`, severity: 'critical', title: 'Hall 3: hall shard hall-3 unreachable', startedMs: T0,
  scope: 'hall:hall-3', hallId: 'hall-3', racks: [], roots: [], children: [], acknowledged: null, silencedBy: null, ...o,
});

/** A notifier over incidents the test sets; what it queued, by notification ID. */
function notifier(leads = () => true) {
  let open: IncidentView[] = [];
  const queued: { id: string; n: Notification }[] = [];
  const n = new CampusNotifier({
    incidents: () => open, channels: [{ name: 'webhook', format: (x: Notification) => x, send: async () => ({ ok: true }) }] as never,
    outbox: { enqueue: async (id, payloadFor) => { queued.push({ id, n: payloadFor('webhook') as Notification }); } },
    leads, publicUrl: null, log: createLogger('error'), clock: () => T0,
  });
  return { tick: (now: IncidentView[]) => { open = now; n.onTick(); }, queued: () => queued.map((q) => `${q.id}${q.n.silenced ? ' (silenced)' : ''}`) };
}

describe('CampusNotifier', () => {
  const id = `shard:hall-3@${T0}`;
  const muted = incident({ silencedBy: 's1' });
  const acked = (o: Partial<IncidentView> = {}) => incident({ acknowledged: { by: 'olga', atMs: T0, comment: 'on it' }, ...o });
  it.each<[string, IncidentView[][], string[]]>([
    ['pages an outage once and its end once', [[incident()], [incident()], [incident()], []], [`firing:${id}`, `resolved:${id}`]],
    ['keeps a muted outage quiet, its end too', [[muted], [muted], []], []],
    ['pages a muted outage when its silence ends', [[muted], [muted], [incident()], [incident()], []], [`firing:${id}`, `resolved:${id}`]],
    ['does not page an outage acknowledged while muted', [[muted], [acked({ silencedBy: 's1' })], [acked()], []], []],
    ['says a paged outage was silenced when it ends', [[incident()], [muted], []], [`firing:${id}`, `resolved:${id} (silenced)`]],
    ['pages an acknowledged outage that opens unmuted', [[acked()], []], [`firing:${id}`, `resolved:${id}`]],
  ])('%s', (_name, ticks, sent) => {
    const n = notifier();
    for (const t of ticks) n.tick(t);
    expect(n.queued()).toEqual(sent);
  });

  it('sends nothing while it does not lead, and pages what is open when it takes over', () => {
    let leading = false;
    const n = notifier(() => leading);
    n.tick([incident()]);
    n.tick([incident()]);
    expect(n.queued()).toEqual([]);
    leading = true;
    n.tick([incident()]);
    expect(n.queued()).toEqual([`firing:${id}`]);
  });
});
