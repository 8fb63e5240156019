/**
 * A hall shard's live publishing, with a stand-in connection that records what is published:
 * every row again within resyncMs, rows split at maxRowsPerMessage, nothing from a standby, and
 * the beat first when leadership starts.
 */
import { describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { ShardPublisher, type ShardPublisherConfig } from '../../server/campus/shard-publisher.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { createLogger } from '../../server/logger.ts';
import { decodeDeltaFrame } from '../../protocol/stream-binary.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { AlertDesk } from '../../server/alerts/alert-desk.ts';

const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'campus test' }));
const RACKS = site.racks.length;
const CDUS = site.cdus.length;
const T0 = Date.parse('2026-12-07T10:00:00Z');

interface Sent { subject: string; data: Uint8Array }

/** A publisher over a recording connection, its clock and leadership set by the test. */
function publisher(o: Partial<ShardPublisherConfig> = {}) {
  const sent: Sent[] = [];
  const at = { nowMs: T0, leads: true };
  const connection = { publish: (subject: string, data: Uint8Array) => sent.push({ subject, data: data.slice() }) } as unknown as NatsConnection;
  const p = new ShardPublisher(
    { siteKey: 'campus-test', shard: 'hall-1', maxRowsPerMessage: 2000, resyncMs: 5000, beatMs: 1000, alertsEveryMs: 2000, ...o },
    {
      connection: () => connection, state: new LiveState(site, 3000), alerts: {} as AlertDesk, history: async () => null,
      beat: () => ({ shard: 'hall-1', halls: ['hall-1'], serverName: 'shard-1', siteSha256: 'a'.repeat(64), racks: RACKS, cdus: CDUS, telemetryFlows: true }),
      leads: () => at.leads, log: createLogger('error'), clock: () => at.nowMs,
    },
  );
  const frames = () => sent.filter((s) => s.subject === 'hallwatch.campus.campus-test.shard.hall-1.live').map((s) => decodeDeltaFrame(s.data));
  const tick = (nowMs: number) => {
    at.nowMs = nowMs;
    p.onTick();
  };
  return { p, sent, at, frames, tick };
}

const all = (n: number) => Array.from({ length: n }, (_, k) => k);
const sorted = (xs: Iterable<number>) => [...new Set(xs)].sort((a, b) => a - b);

describe('ShardPublisher resync', () => {
  it.each<[string, number, number]>([
    ['ticks of 1 s, resync 5 s', 1000, 5000],
    ['ticks of 250 ms, resync 5 s', 250, 5000],
    ['ticks of 3 s, resync 5 s', 3000, 5000],
    ['ticks of 1 s, resync 2 s', 1000, 2000],
    ['ticks longer than the resync', 7000, 5000],
  ])('sends every rack and CDU row within resyncMs with no changes: %s', (_name, tickMs, resyncMs) => {
    const { frames, tick } = publisher({ resyncMs });
    const endMs = T0 + 4 * resyncMs + tickMs;
    for (let t = T0; t <= endMs; t += tickMs) tick(t);
    const got = frames();
    // At each tick from one resync after the first (which has no share yet): the rows of the last resyncMs (or tick).
    const spanMs = Math.max(resyncMs, tickMs);
    for (let t = T0 + Math.ceil(spanMs / tickMs) * tickMs; t <= endMs; t += tickMs) {
      const window = got.filter((f) => f.serverTimeMs > t - spanMs && f.serverTimeMs <= t);
      expect(sorted(window.flatMap((f) => Array.from(f.racks.idx))), `racks up to ${t - T0} ms`).toEqual(all(RACKS));
      expect(sorted(window.flatMap((f) => Array.from(f.cdus.idx))), `CDUs up to ${t - T0} ms`).toEqual(all(CDUS));
    }
  });

  it('sends a share of the rows on each tick, not every row each time', () => {
    const { frames, tick } = publisher({ resyncMs: 5000 });
    for (let t = T0; t <= T0 + 3000; t += 1000) tick(t);
    expect(frames().map((f) => [f.racks.idx.length, f.cdus.idx.length])).toEqual([[0, 0], [2, 2], [2, 2], [2, 2]]);
  });

  it('carries the columns and totals of the live state', () => {
    const { frames, tick } = publisher();
    tick(T0);
    tick(T0 + 5000);
    const f = frames()[1];
    expect(f.serverTimeMs).toBe(T0 + 5000);
    expect(f.racks.cols.length).toBeGreaterThan(0);
    expect(Object.keys(f.halls)).toEqual(['hall-1']);
    expect(f.site).toBeDefined();
  });
});

describe('ShardPublisher message size', () => {
  it.each<[number, number]>([[1, RACKS + CDUS], [3, 5], [8, 2], [13, 2], [14, 1], [2000, 1]])(
    'splits %i rows a message at most into %i messages, each row once', (maxRowsPerMessage, messages) => {
      const { frames, tick } = publisher({ maxRowsPerMessage, resyncMs: 5000 });
      tick(T0);
      const before = frames().length;
      tick(T0 + 5000);
      const got = frames().slice(before);
      expect(got).toHaveLength(messages);
      for (const f of got) expect(f.racks.idx.length + f.cdus.idx.length).toBeLessThanOrEqual(maxRowsPerMessage);
      const racks = got.flatMap((f) => Array.from(f.racks.idx));
      const cdus = got.flatMap((f) => Array.from(f.cdus.idx));
      expect(racks.sort((a, b) => a - b)).toEqual(all(RACKS));
      expect(cdus.sort((a, b) => a - b)).toEqual(all(CDUS));
    });
});

describe('ShardPublisher leadership', () => {
  it('publishes nothing while it does not lead', () => {
    const { sent, at, tick } = publisher();
    at.leads = false;
    for (let t = T0; t <= T0 + 20_000; t += 1000) tick(t);
    expect(sent).toEqual([]);
  });

  it.each<[string, boolean[], string[][]]>([
    ['leading from the start', [true, true], [['beat', 'live'], ['live']]],
    ['taking over', [false, false, true, true], [[], [], ['beat', 'live'], ['live']]],
    ['losing and taking over again', [true, false, true], [['beat', 'live'], [], ['beat', 'live']]],
  ])('publishes the beat first when leadership starts: %s', (_name, leads, topics) => {
    const { sent, at, tick } = publisher();
    const perTick: string[][] = [];
    leads.forEach((l, k) => {
      at.leads = l;
      const before = sent.length;
      tick(T0 + k * 1000);
      perTick.push(sent.slice(before).map((s) => s.subject.split('.').pop()!));
    });
    expect(perTick).toEqual(topics);
    const beat = JSON.parse(new TextDecoder().decode(sent[0].data));
    expect(beat).toMatchObject({ shard: 'hall-1', halls: ['hall-1'], serverName: 'shard-1' });
    expect(sent[0].subject).toBe('hallwatch.campus.campus-test.shard.hall-1.beat');
  });

  it('sends every row on taking over after a long standby', () => {
    const { frames, at, tick } = publisher({ resyncMs: 5000 });
    tick(T0);
    at.leads = false;
    for (let t = T0 + 1000; t <= T0 + 30_000; t += 1000) tick(t);
    at.leads = true;
    tick(T0 + 31_000);
    const last = frames().at(-1)!;
    expect([last.racks.idx.length, last.cdus.idx.length]).toEqual([RACKS, CDUS]);
  });
});
