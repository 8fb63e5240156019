/**
 * What the campus view knows of its hall shards: which beats it takes, where a shard's rows go
 * in the campus's site, and each hall's status with the reason the dashboard shows.
 */
import { describe, expect, it } from 'vitest';
import { ShardLinks } from '../../server/campus/shard-links.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { siteClaim } from '../../server/cluster/site-fingerprint.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { ShardBeat } from '../../protocol/campus.ts';

const spec = generateSite({ halls: 3, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'campus test' });
const site = buildSiteIndex(spec);
const sha = siteClaim(spec, 'campus-1', 0).sha256;
const T0 = Date.parse('2026-12-07T10:00:00Z');
const STALE_MS = 3000;

function beat(shard: string, halls: string[], serverName = `server-${shard}`, o: Partial<ShardBeat> = {}): ShardBeat {
  return { shard, halls, serverName, siteSha256: sha, racks: 0, cdus: 0, telemetryFlows: true, sentMs: T0, ...o };
}

const links = () => new ShardLinks(site, sha, STALE_MS, T0);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('ShardLinks.beat()', () => {
  it.each<[string, ShardBeat, string]>([
    ['another site file', beat('hall-1', ['hall-1'], 'shard-1', { siteSha256: 'f'.repeat(64) }),
      `shard hall-1 (server shard-1) runs another site file (sha256 ffffffffffff…, this campus view's is ${sha.slice(0, 12)}…): ignored until both load the same file`],
    ['a hall the site lacks', beat('h9', ['h9'], 'shard-9'),
      'shard h9 (server shard-9): --halls: "h9" not in site "campus test" (its halls: hall-1, hall-2, hall-3)'],
    ['a known and an unknown hall', beat('hall-1_x', ['hall-1', 'x'], 'shard-x'),
      'shard hall-1_x (server shard-x): --halls: "x" not in site "campus test" (its halls: hall-1, hall-2, hall-3)'],
  ])('refuses a shard with %s, saying why, and keeps no link', (_name, b, why) => {
    const l = links();
    expect(l.beat(b, T0)).toBe(why);
    expect(l.refused.get(b.shard)).toBe(why);
    expect(l.link(b.shard)).toBeUndefined();
  });

  it.each<[string, number, string | null]>([
    ['while that shard beats', T0 + 1000, 'shard hall-2 (server shard-2) claims hall hall-2, held by live shard hall-1_hall-2 (server shard-12): ignored'],
    ['at the stale threshold', T0 + STALE_MS, 'shard hall-2 (server shard-2) claims hall hall-2, held by live shard hall-1_hall-2 (server shard-12): ignored'],
    ['once that shard is unreachable', T0 + STALE_MS + 1, null],
  ])('a hall held by another shard: %s', (_name, nowMs, why) => {
    const l = links();
    expect(l.beat(beat('hall-1_hall-2', ['hall-1', 'hall-2'], 'shard-12'), T0)).toBeNull();
    expect(l.beat(beat('hall-2', ['hall-2'], 'shard-2'), nowMs)).toBe(why);
    expect(l.link('hall-2') === undefined).toBe(why !== null);
    expect(l.refused.has('hall-2')).toBe(why !== null);
  });

  it('forgets a refusal once the shard\'s beat is taken', () => {
    const l = links();
    l.beat(beat('hall-1', ['hall-1'], 'shard-1', { siteSha256: '0'.repeat(64) }), T0);
    expect(l.beat(beat('hall-1', ['hall-1'], 'shard-1'), T0 + 1000)).toBeNull();
    expect(l.refused.size).toBe(0);
  });

  it.each<[string, string[], number[], number[]]>([
    ['one hall', ['hall-2'], range(8, 16), range(6, 12)],
    ['the last two halls', ['hall-2', 'hall-3'], range(8, 24), range(6, 18)],
    ['two halls apart, given out of order', ['hall-3', 'hall-1'], [...range(0, 8), ...range(16, 24)], [...range(0, 6), ...range(12, 18)]],
  ])('maps the rows of a shard of %s to the campus\'s by ID', (_name, halls, racks, cdus) => {
    const l = links();
    expect(l.beat(beat('s', halls), T0)).toBeNull();
    const link = l.link('s')!;
    expect([...link.rackMap]).toEqual(racks);
    expect([...link.cduMap]).toEqual(cdus);
    const sub = buildSiteIndex({ ...spec, halls: spec.halls.filter((h) => halls.includes(h.id)) });
    expect(sub.racks.map((r, k) => site.racks[link.rackMap[k]].id)).toEqual(sub.racks.map((r) => r.id));
    expect(sub.cdus.map((c, k) => site.cdus[link.cduMap[k]].id)).toEqual(sub.cdus.map((c) => c.id));
  });

  it('keeps a shard\'s link and alerts over beats of the same halls, and remaps when its halls change', () => {
    const l = links();
    l.beat(beat('s', ['hall-1']), T0);
    const first = l.link('s')!;
    first.alerts = { nowMs: T0, incidents: [], alerts: [], silences: [] };
    l.beat(beat('s', ['hall-1'], 'server-s', { sentMs: T0 + 1000 }), T0 + 1000);
    expect(l.link('s')).toBe(first);
    expect(first.lastBeatMs).toBe(T0 + 1000);
    l.beat(beat('s', ['hall-1', 'hall-2']), T0 + 2000);
    expect([...l.link('s')!.rackMap]).toEqual(range(0, 16));
    expect(l.link('s')!.alerts).toBe(first.alerts);
  });
});

describe('ShardLinks after a reshard', () => {
  it.each<[string, string[], [string, string[]][], string[], string[]]>([
    ['a shard takes over every hall of an unreachable one: it is forgotten', ['hall-3'], [['hall-2_hall-3', ['hall-2', 'hall-3']]],
      ['hall-1', 'hall-2_hall-3'], ['live', 'live', 'live']],
    ['two shards take over its halls between them', ['hall-2', 'hall-3'], [['hall-2', ['hall-2']], ['hall-3', ['hall-3']]],
      ['hall-1', 'hall-2', 'hall-3'], ['live', 'live', 'live']],
    ['a shard takes over one of its halls: it is kept for the other', ['hall-2', 'hall-3'], [['hall-3', ['hall-3']]],
      ['hall-1', 'hall-2_hall-3', 'hall-3'], ['live', 'unreachable', 'live']],
  ])('%s', (_name, oldHalls, takers, shards, statuses) => {
    const l = links();
    l.beat(beat('hall-1', ['hall-1']), T0);
    l.beat(beat(oldHalls.join('_'), oldHalls, 'old-server'), T0);
    l.beat(beat('hall-1', ['hall-1']), T0 + 5000);
    expect(l.refresh(T0 + 5000).map((s) => s.beat.shard)).toEqual([oldHalls.join('_')]);
    for (const [shard, halls] of takers) expect(l.beat(beat(shard, halls, 'new-server'), T0 + 5000)).toBeNull();
    expect([...l.shards.keys()].sort()).toEqual(shards);
    expect(l.halls(T0 + 5000).map((h) => h.status)).toEqual(statuses);
  });
});

describe('ShardLinks.refresh()', () => {
  it('returns a shard once when it turns unreachable, and again after it came back and went silent', () => {
    const l = links();
    l.beat(beat('hall-1', ['hall-1']), T0);
    l.beat(beat('hall-2', ['hall-2']), T0 + 2000);
    const turned = (nowMs: number) => l.refresh(nowMs).map((s) => s.beat.shard);
    expect(turned(T0 + STALE_MS)).toEqual([]);
    expect(turned(T0 + STALE_MS + 1)).toEqual(['hall-1']);
    expect(l.link('hall-1')!.unreachableSinceMs).toBe(T0 + STALE_MS);
    expect(turned(T0 + 4000)).toEqual([]);
    expect(turned(T0 + 5001)).toEqual(['hall-2']);
    expect(turned(T0 + 9000)).toEqual([]);
    l.beat(beat('hall-1', ['hall-1']), T0 + 10_000);
    expect(l.link('hall-1')!.unreachableSinceMs).toBeNaN();
    expect(turned(T0 + 11_000)).toEqual([]);
    expect(turned(T0 + 13_001)).toEqual(['hall-1']);
  });
});

describe('ShardLinks.halls()', () => {
  it('names every hall missing before any shard beats, since the view started', () => {
    expect(links().halls(T0 + 10_000)).toEqual(['Hall 1', 'Hall 2', 'Hall 3'].map((name, k) => ({
      hallId: `hall-${k + 1}`, shard: null, serverName: null, status: 'missing', sinceMs: T0,
      reason: `${name}: no hall shard holds it (none has been heard since 10:00:00 UTC)`,
    })));
  });

  it.each<[string, number, [string, string, string]]>([
    ['both shards beating', T0 + 3000, ['live', 'live', 'live']],
    ['shard-3 silent past the threshold', T0 + 3001, ['live', 'live', 'unreachable']],
    ['both silent', T0 + 60_000, ['unreachable', 'unreachable', 'unreachable']],
  ])('gives each hall its shard\'s status: %s', (_name, nowMs, statuses) => {
    const l = links();
    l.beat(beat('hall-1_hall-2', ['hall-1', 'hall-2'], 'shard-12'), T0 + 1000);
    l.beat(beat('hall-3', ['hall-3'], 'shard-3'), T0);
    const halls = l.halls(nowMs);
    expect(halls.map((h) => h.status)).toEqual(statuses);
    expect(halls.map((h) => h.shard)).toEqual(['hall-1_hall-2', 'hall-1_hall-2', 'hall-3']);
  });

  it.each<[string, number, object]>([
    ['live', T0 + 3000, { hallId: 'hall-3', shard: 'hall-3', serverName: 'shard-3', status: 'live', sinceMs: null, reason: '' }],
    ['unreachable', T0 + 3001, {
      hallId: 'hall-3', shard: 'hall-3', serverName: 'shard-3', status: 'unreachable', sinceMs: T0 + 3000,
      reason: 'Hall 3: its server shard-3 is unreachable since 10:00:03 UTC',
    }],
  ])('says why a hall is %s', (_name, nowMs, want) => {
    const l = links();
    l.beat(beat('hall-3', ['hall-3'], 'shard-3'), T0);
    expect(l.halls(nowMs)[2]).toStrictEqual(want);
  });

  it('gives a hall to the shard that took it over from an unreachable one', () => {
    const l = links();
    l.beat(beat('hall-1_hall-2', ['hall-1', 'hall-2'], 'shard-12'), T0);
    expect(l.beat(beat('hall-2', ['hall-2'], 'shard-2'), T0 + 5000)).toBeNull();
    const halls = l.halls(T0 + 5000);
    expect(halls.map((h) => [h.shard, h.status])).toEqual([['hall-1_hall-2', 'unreachable'], ['hall-2', 'live'], [null, 'missing']]);
  });
});
