/**
 * Notifications of a pair of servers: IDs that are a function of the incident and its state
 * (never of when a server decided them), a standby that evaluates but queues nothing, and a
 * standby that takes the lead from the stored evaluation without paging again what the leader
 * paged.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { AlertService } from '../../server/alerts/alert-service.ts';
import { rulesFileStore } from '../../server/alerts/rule-store.ts';
import { alertStateFiles } from '../../server/alerts/alert-state-store.ts';
import type { Leadership } from '../../server/alerts/alert-leadership.ts';
import { notificationId, repeatSlotMs } from '../../server/alerts/incident-notifier.ts';
import type { NotificationQueue } from '../../server/alerts/outbox.ts';
import type { Channel, Notification } from '../../server/alerts/notification.ts';
import { createLogger } from '../../server/logger.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MIN = 60_000;

describe('notificationId()', () => {
  const inc = { id: 'rack:h1-r01-k01', startedMs: T0, severity: 'critical' as const };
  it.each([
    ['firing', {}, `rack:h1-r01-k01@${T0}:firing`],
    ['firing', { escalation: true }, `rack:h1-r01-k01@${T0}:firing:critical`],
    ['resolved', {}, `rack:h1-r01-k01@${T0}:resolved`],
    ['acknowledged', { ackAtMs: T0 + 5 * MIN }, `rack:h1-r01-k01@${T0}:acknowledged@${T0 + 5 * MIN}`],
    // Decided 0.4 s or 20 s into the slot, by either server: the same repeat.
    ['repeat', { repeatMs: 60 * MIN, nowMs: T0 + 60 * MIN + 400 }, `rack:h1-r01-k01@${T0}:repeat@${T0 + 60 * MIN}`],
    ['repeat', { repeatMs: 60 * MIN, nowMs: T0 + 60 * MIN + 20_000 }, `rack:h1-r01-k01@${T0}:repeat@${T0 + 60 * MIN}`],
    ['repeat', { repeatMs: 60 * MIN, nowMs: T0 + 121 * MIN }, `rack:h1-r01-k01@${T0}:repeat@${T0 + 120 * MIN}`],
  ] as const)('%s %j → %s', (kind, facts, want) => {
    expect(notificationId(kind, inc, facts)).toBe(want);
  });

  it.each([
    // A repeat decided a little late (the round after the interval ended) is still the first.
    [T0, 30 * MIN, T0 + 30 * MIN + 900, T0 + 30 * MIN],
    // Successive repeats, each at least an interval after the one before, never share a slot.
    [T0, 30 * MIN, T0 + 60 * MIN + 1_800, T0 + 60 * MIN],
    // Asked early (clock noise): never the slot of the start itself.
    [T0, 30 * MIN, T0 + 29 * MIN, T0 + 30 * MIN],
    [T0, 0, T0 + 5, T0 + 5],
  ])('repeatSlotMs(%i, %i, %i) → %i', (startedMs, repeatMs, nowMs, want) => {
    expect(repeatSlotMs(startedMs, repeatMs, nowMs)).toBe(want);
  });
});

/** One server of a pair: its own live state fed the same samples, the stores shared with the other. */
async function server(storageDir: string, isLeader: () => boolean, more: (nowMs: () => number) => Partial<Leadership> = () => ({})) {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
  const state = new LiveState(site, 3000);
  const queued: { id: string; n: Notification }[] = [];
  const queue: NotificationQueue = { enqueue: async (id, payloadFor) => void queued.push({ id, n: payloadFor('test') as Notification }) };
  const channel: Channel = { name: 'test', format: (n) => n, send: async () => ({ ok: true }) };
  let now = T0;
  const service = new AlertService({
    cfg: { publicUrl: null, historyLimit: 50 }, rules: rulesFileStore('config/alert-rules.json'), state: alertStateFiles(storageDir),
    live: state, memory: new MemoryWindow(600), outbox: queue, channels: [channel], log: createLogger('error'), clock: () => now,
    leadership: { isLeader, ...more(() => now) },
  });
  await service.start();
  const hot = new Set<string>();
  const tick = (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      now += 1000;
      for (const r of site.racks) {
        state.applyRack(r.index, { ts: now, rackKw: 120, supplyC: 40, returnC: hot.has(r.id) ? 53 : 48, flowLpm: 182, leak: 0 }, now);
      }
      for (const c of site.cdus) state.applyCdu(c.index, { ts: now, supplyC: 40, returnC: 48, flowLpm: 700, facilitySupplyC: 36, running: true }, now);
      state.refresh(now);
      service.tick();
    }
  };
  return { site, service, queued, hot, tick, setNow: (ms: number) => (now = ms), nowMs: () => now };
}

describe('AlertService in a pair', () => {
  it('the standby evaluates the same incident but queues nothing; on taking the lead it pages nothing the leader paged, and resolves under the leader\'s IDs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-pair-'));
    let aLeads = true;
    const a = await server(dir, () => aLeads);
    await a.service.lead();
    let bLeads = false;
    const b = await server(dir, () => bLeads);
    const rack = a.site.racks[0].id;
    a.tick(5);
    a.hot.add(rack);
    a.tick(72);
    // The standby sees the rack hot two seconds later: its own start time differs.
    b.tick(7);
    b.hot.add(rack);
    b.tick(70);
    const incA = a.service.snapshot().incidents[0];
    const incB = b.service.snapshot().incidents[0];
    expect(incB.id).toBe(incA.id);
    expect(incB.startedMs).not.toBe(incA.startedMs);
    expect(a.queued.map((q) => q.id)).toEqual([`rack:${rack}@${incA.startedMs}:firing`]);
    expect(b.queued).toEqual([]);
    // The leader goes (its stored evaluation says what it paged); the standby takes the lead.
    aLeads = false;
    await a.service.stop();
    bLeads = true;
    await b.service.lead();
    b.tick(5);
    expect(b.queued).toEqual([]);
    expect(b.service.snapshot().incidents[0]).toMatchObject({ id: incA.id, startedMs: incA.startedMs });
    b.hot.delete(rack);
    b.tick(40);
    expect(b.queued.map((q) => q.id)).toEqual([`rack:${rack}@${incA.startedMs}:resolved`]);
  });

  it('an acknowledgement taken by the standby is notified by the leader, once, under the acknowledgement\'s own time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-pair-'));
    const a = await server(dir, () => true);
    await a.service.lead();
    const b = await server(dir, () => false);
    const rack = a.site.racks[1].id;
    for (const s of [a, b]) s.hot.add(rack);
    a.tick(70);
    b.tick(70);
    expect(await b.service.acknowledge(`rack:${rack}`, 'ops', 'valve')).toBeNull();
    expect(b.queued).toEqual([]);
    // The leader learns of it (here: the same acknowledgement taken on it, at the same time).
    const atMs = b.service.snapshot().incidents[0].acknowledged!.atMs;
    a.setNow(atMs);
    expect(await a.service.acknowledge(`rack:${rack}`, 'ops', 'valve')).toBeNull();
    a.tick(3);
    const acks = a.queued.filter((q) => q.n.kind === 'acknowledged');
    expect(acks.map((q) => q.id)).toEqual([`rack:${rack}@${a.service.snapshot().incidents[0].startedMs}:acknowledged@${atMs}`]);
  });

  it.each([
    ['opened 10 s after the cluster went silent: paged', 10, true],
    ['opened 5 s before it (a page the stream may not have taken): paged', -5, true],
    ['opened 60 s before it (the leader of the time paged it): not paged again', -60, false],
  ])('entering fail-open, a standby pages an incident %s; leading afterwards, it does not page it again', async (_what, openedAfterSilenceS, paged) => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-pair-'));
    let silentSinceMs = Number.POSITIVE_INFINITY;
    const silentForMs = (now: number) => Math.max(0, now - silentSinceMs);
    let bLeads = false;
    const b = await server(dir, () => bLeads, (nowMs) => ({ silentForMs: () => silentForMs(nowMs()), failOpen: () => silentForMs(nowMs()) > 30_000 }));
    const rack = b.site.racks[0].id;
    b.tick(5);
    // The rule's pending time is 60 s: the incident opens 60 s after the rack turns hot.
    b.hot.add(rack);
    b.tick(60 - openedAfterSilenceS);
    silentSinceMs = b.nowMs();
    b.tick(Math.max(0, openedAfterSilenceS) + 2);
    const inc = b.service.snapshot().incidents[0];
    expect(inc.id).toBe(`rack:${rack}`);
    expect(inc.startedMs - silentSinceMs).toBeGreaterThanOrEqual((openedAfterSilenceS - 1) * 1000);
    expect(b.queued).toEqual([]);
    // Past 30 s of silence: fail-open.
    b.tick(45);
    b.tick(30);
    // Paged once as it opened (a worse alert joining it later pages again, as on a leader).
    const firing = b.queued.map((q) => q.id).filter((id) => id.endsWith(':firing'));
    expect(firing).toEqual(paged ? [`rack:${rack}@${inc.startedMs}:firing`] : []);
    if (!paged) expect(b.queued).toEqual([]);
    if (!paged) return;
    // The cluster answers again and this server takes the lead: what it paged on its own is not paged again.
    silentSinceMs = Number.POSITIVE_INFINITY;
    b.tick(2);
    bLeads = true;
    await b.service.lead();
    const before = b.queued.length;
    b.tick(5);
    expect(b.queued.slice(before).map((q) => q.id)).toEqual([]);
  });
});
