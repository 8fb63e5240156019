/**
 * The hub's own incidents: one per hall shard silent while the rest of its site beats, muted by a
 * silence of the shard or of all its halls, carrying the hub's acknowledgement.
 */
import { describe, expect, it } from 'vitest';
import { FleetWatch, type ShardBeatSeen } from '../../server/cluster/fleet-watch.ts';
import { silentShardIncidents } from '../../server/campus/fleet-incidents.ts';
import type { ShardBeat } from '../../protocol/campus.ts';
import type { Acknowledgement, Silence } from '../../protocol/alerts.ts';

const T0 = Date.UTC(2026, 11, 7, 14, 2, 0);
const STALE_AFTER_MS = 3000;
const shard = (id: string, halls: string[]): ShardBeat =>
  ({ shard: id, halls, serverName: `srv-${id}`, siteSha256: 'x', racks: 8, cdus: 2, telemetryFlows: true, sentMs: T0 });
const BEATS = new Map([['h1', shard('h1', ['h1'])], ['h2_h3', shard('h2_h3', ['h2', 'h3'])]]);
const seen = (shardId: string, atMs: number): ShardBeatSeen => ({ siteKey: 'north', shardId, hallIds: BEATS.get(shardId)!.halls, sentMs: atMs, receivedMs: atMs });
const silence = (id: string, matcher: string, startsMs = T0, endsMs = T0 + 3_600_000): Silence =>
  ({ id, matcher, startsMs, endsMs, comment: 'work', by: 'ops', createdMs: T0 });
const ACK: Acknowledgement = { by: 'fleet-ops', atMs: T0 + 9000, comment: 'calling site' };

/** Shard h1 beat until T0; h2_h3 beats on. Asked at T0 + 10 s. */
const NOW = T0 + 10_000;
const ALIVE = [seen('h1', T0), seen('h2_h3', T0), seen('h2_h3', NOW - 500)];

describe('silentShardIncidents', () => {
  it.each<[string, ShardBeatSeen[], Silence[], Map<string, Acknowledgement>, unknown[]]>([
    ['every shard beating: none', [seen('h1', NOW - 100), seen('h2_h3', NOW - 100)], [], new Map(), []],
    ['one shard silent past the threshold while the other beats: one critical incident naming its hall and server', ALIVE, [], new Map(), [{
      id: `shard:h1@${T0}`, severity: 'critical', title: 'h1: hall shard h1 unreachable', hallId: 'h1', startedMs: T0 + STALE_AFTER_MS,
      rootCause: { entity: 'shard:h1', why: 'no word from server srv-h1 since 14:02:00: its halls\' live values are stale' },
      acknowledged: null, silencedBy: null,
    }]],
    ['the whole site silent: none (the site is stale instead)', [seen('h1', T0), seen('h2_h3', T0)], [], new Map(), []],
    ['a silence of the shard mutes it', ALIVE, [silence('s1', 'shard:h1')], new Map(), [{ silencedBy: 's1' }]],
    ['a silence of its only hall mutes it', ALIVE, [silence('s2', 'hall:h1')], new Map(), [{ silencedBy: 's2' }]],
    ['a silence that ended does not', ALIVE, [silence('s3', 'shard:h1', T0 - 7_200_000, T0)], new Map(), [{ silencedBy: null }]],
    ['a silence of another shard does not', ALIVE, [silence('s4', 'shard:h2_h3')], new Map(), [{ silencedBy: null }]],
    ['the hub\'s acknowledgement is carried', ALIVE, [], new Map([[`shard:h1@${T0}`, ACK]]), [{ acknowledged: ACK }]],
  ])('%s', (_name, beats, silences, acks, want) => {
    const w = new FleetWatch({ staleAfterMs: STALE_AFTER_MS, startedMs: T0 });
    for (const b of beats) w.beatArrived(b);
    const got = silentShardIncidents(w.site('north', NOW)!, BEATS, silences, acks, STALE_AFTER_MS, NOW);
    expect(got).toHaveLength(want.length);
    want.forEach((x, k) => expect(got[k]).toMatchObject(x as object));
  });

  it('a silent shard whose halls all beat from another shard now (resharded) raises none', () => {
    const w = new FleetWatch({ staleAfterMs: STALE_AFTER_MS, startedMs: T0 });
    const beats = new Map([...BEATS, ['h1_h2', shard('h1_h2', ['h1', 'h2'])]]);
    const at = (shardId: string, atMs: number, halls: string[]) => w.beatArrived({ siteKey: 'north', shardId, hallIds: halls, sentMs: atMs, receivedMs: atMs });
    at('h1', T0, ['h1']);
    at('h2_h3', NOW - 100, ['h2', 'h3']);
    expect(silentShardIncidents(w.site('north', NOW)!, beats, [], new Map(), STALE_AFTER_MS, NOW).map((i) => i.id)).toEqual([`shard:h1@${T0}`]);
    at('h1_h2', NOW - 100, ['h1', 'h2']);
    expect(silentShardIncidents(w.site('north', NOW)!, beats, [], new Map(), STALE_AFTER_MS, NOW)).toEqual([]);
  });

  it('a silent shard of several halls is a site-scope incident naming them all, muted only when all its halls are', () => {
    const w = new FleetWatch({ staleAfterMs: STALE_AFTER_MS, startedMs: T0 });
    for (const b of [seen('h2_h3', T0), seen('h1', T0), seen('h1', NOW - 200)]) w.beatArrived(b);
    const at = (silences: Silence[]) => silentShardIncidents(w.site('north', NOW)!, BEATS, silences, new Map(), STALE_AFTER_MS, NOW);
    expect(at([])[0]).toMatchObject({ title: 'h2, h3: hall shard h2_h3 unreachable', hallId: null, scope: 'site:site' });
    expect(at([silence('a', 'hall:h2')])[0].silencedBy).toBeNull();
    expect(at([silence('a', 'hall:h2'), silence('b', 'hall:h3')])[0].silencedBy).toBe('a');
  });
});
