/**
 * The hub's view of its sites from the shard beats crossing the leaf connections: live or stale
 * on the hub's own receive clock, since when and why, halls known, last beat.
 */
import { describe, expect, it } from 'vitest';
import { FleetWatch, type ShardBeatSeen, type SiteStatus } from '../../server/cluster/fleet-watch.ts';

const T0 = Date.UTC(2026, 11, 7, 14, 2, 0);
const STALE_AFTER_MS = 1500;
const beat = (siteKey: string, shardId: string, atMs: number, o: Partial<ShardBeatSeen> = {}): ShardBeatSeen =>
  ({ siteKey, shardId, hallIds: shardId.split('_'), sentMs: atMs - 20, receivedMs: atMs, ...o });
const watch = (beats: ShardBeatSeen[], expected?: string[]) => {
  const w = new FleetWatch({ staleAfterMs: STALE_AFTER_MS, expectedSiteKeys: expected, startedMs: T0 });
  for (const b of beats) w.beatArrived(b);
  return w;
};

describe('FleetWatch', () => {
  it.each<[string, ShardBeatSeen[], number, Partial<SiteStatus>]>([
    ['a site that just beat is live since that beat', [beat('a', 'h1', T0)], T0 + 100,
      { state: 'live', sinceMs: T0, lastBeatMs: T0, lastBeatLagMs: 20, hallIds: ['h1'] }],
    ['beats within the threshold keep it live since the first', [beat('a', 'h1', T0), beat('a', 'h1', T0 + 1000), beat('a', 'h1', T0 + 2000)], T0 + 3000,
      { state: 'live', sinceMs: T0, lastBeatMs: T0 + 2000 }],
    ['exactly the threshold after its last beat it is still live', [beat('a', 'h1', T0)], T0 + STALE_AFTER_MS, { state: 'live' }],
    ['past the threshold it is stale since its last beat, naming the leaf connection', [beat('a', 'h1', T0), beat('a', 'h1', T0 + 5000)], T0 + 5000 + STALE_AFTER_MS + 1,
      { state: 'stale', sinceMs: T0 + 5000, reason: 'no beat from site a since 14:02:05 UTC — its leaf connection or its shards are down' }],
    ['a beat after a silence makes it live again since that beat', [beat('a', 'h1', T0), beat('a', 'h1', T0 + 9000)], T0 + 9100,
      { state: 'live', sinceMs: T0 + 9000 }],
    ['its halls are those of every shard\'s last beat, sorted', [beat('a', 'h3', T0), beat('a', 'h1_h2', T0)], T0,
      { hallIds: ['h1', 'h2', 'h3'] }],
    ['a shard\'s halls follow its newest beat', [beat('a', 's1', T0, { hallIds: ['h1', 'h2'] }), beat('a', 's1', T0 + 500, { hallIds: ['h1'] })], T0 + 600,
      { hallIds: ['h1'] }],
    ['one silent shard leaves the site live, saying which', [beat('a', 'h1', T0), beat('a', 'h2', T0 + 3000)], T0 + 3100,
      { state: 'live', sinceMs: T0 + 3000, reason: 'shard h1 (h1) silent since 14:02:00 UTC while site a beats' }],
    ['a beat older than the newest (out of order after a reconnect) changes nothing', [beat('a', 'h1', T0 + 2000), beat('a', 'h1', T0, { hallIds: ['old'] })], T0 + 2100,
      { state: 'live', lastBeatMs: T0 + 2000, hallIds: ['h1'] }],
    ['the lag is the hub\'s receive time minus the shard\'s send time, a skewed clock included', [beat('a', 'h1', T0, { sentMs: T0 + 700 })], T0,
      { state: 'live', lastBeatLagMs: -700 }],
    ['an expected site that never beat is stale since watching began', [], T0 + 10,
      { state: 'stale', sinceMs: T0, reason: 'no beat from site a yet (watching since 14:02:00 UTC)', hallIds: [], shards: [] }],
  ])('%s', (_name, beats, nowMs, want) => {
    const status = watch(beats, ['a']).site('a', nowMs);
    expect(status).toMatchObject(want);
    if (!('reason' in want)) expect(status?.reason).toBeUndefined();
  });

  it('judges each site on its own: a dead one goes stale while the other stays live', () => {
    const w = watch([beat('a', 'h1', T0), beat('b', 'h1', T0), beat('b', 'h1', T0 + 1400), beat('b', 'h1', T0 + 2800)]);
    expect(w.sites(T0 + 3000).map((s) => [s.siteKey, s.state])).toEqual([['a', 'stale'], ['b', 'live']]);
  });

  it('reports each shard with its own state', () => {
    const shards = watch([beat('a', 'h1', T0), beat('a', 'h2', T0 + 2000)]).site('a', T0 + 2100)!.shards;
    expect(shards).toEqual([
      { shardId: 'h1', state: 'stale', sinceMs: T0, hallIds: ['h1'], lastBeatMs: T0 },
      { shardId: 'h2', state: 'live', sinceMs: T0 + 2000, hallIds: ['h2'], lastBeatMs: T0 + 2000 },
    ]);
  });

  it('knows neither a site it was not told of nor one that never beat', () => {
    const w = watch([beat('a', 'h1', T0)]);
    expect(w.site('z', T0)).toBeUndefined();
    expect(w.sites(T0).map((s) => s.siteKey)).toEqual(['a']);
  });

  it('refuses a threshold that is not positive', () => {
    expect(() => new FleetWatch({ staleAfterMs: 0, startedMs: T0 })).toThrow('staleAfterMs must be positive');
  });
});

describe('FleetWatch.changes()', () => {
  it('reports each site once per change of state, in the order a tick would see them', () => {
    const w = new FleetWatch({ staleAfterMs: STALE_AFTER_MS, expectedSiteKeys: ['a'], startedMs: T0 });
    const tick = (nowMs: number) => w.changes(nowMs).map((c) => `${c.status.siteKey}: ${c.from ?? 'new'} → ${c.status.state}`);
    expect(tick(T0)).toEqual(['a: new → stale']);
    w.beatArrived(beat('a', 'h1', T0 + 100));
    w.beatArrived(beat('b', 'h1', T0 + 100));
    expect(tick(T0 + 200)).toEqual(['a: stale → live', 'b: new → live']);
    w.beatArrived(beat('b', 'h1', T0 + 1500));
    expect(tick(T0 + 1000)).toEqual([]);
    expect(tick(T0 + 1700)).toEqual(['a: live → stale']);
    expect(tick(T0 + 1800)).toEqual([]);
  });
});
