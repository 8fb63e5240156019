/**
 * The names a campus uses: a shard's MQTT subscriptions, its NATS subjects, its pair's buckets
 * and streams, and why a hall another shard holds is refused.
 */
import { describe, expect, it } from 'vitest';
import { subscriptionFilters } from '../../protocol/topics.ts';
import { ALL_CAMPUS_SUBJECTS, shardId, shardRequestSubject, shardSubject, siteKey } from '../../protocol/campus-subjects.ts';
import { pairNames, type PairNames } from '../../server/cluster/pair-names.ts';
import { claimRefusal, hallClaimKey, type HallClaim } from '../../server/campus/hall-claims.ts';

describe('subscriptionFilters()', () => {
  it.each<[string, string, string[] | undefined, string[]]>([
    ['the whole site', 'hallwatch/v1', undefined, ['hallwatch/v1/+/rack/+/+', 'hallwatch/v1/+/cdu/+/+']],
    ['the whole site under another root', 'dc/eu', undefined, ['dc/eu/+/rack/+/+', 'dc/eu/+/cdu/+/+']],
    ['one hall', 'hallwatch/v1', ['h1'], ['hallwatch/v1/h1/rack/+/+', 'hallwatch/v1/h1/cdu/+/+']],
    ['two halls, in the order given', 'hallwatch/v1', ['h3', 'hall.1'],
      ['hallwatch/v1/h3/rack/+/+', 'hallwatch/v1/h3/cdu/+/+', 'hallwatch/v1/hall.1/rack/+/+', 'hallwatch/v1/hall.1/cdu/+/+']],
    ['no hall', 'hallwatch/v1', [], []],
  ])('%s', (_name, root, halls, filters) => {
    expect(subscriptionFilters(root, halls)).toEqual(filters);
  });
});

describe('siteKey()', () => {
  it.each([
    ['Hall A', 'hall-a'],
    ['campus test', 'campus-test'],
    ['  North   Campus  ', 'north-campus'],
    ['FRA-1', 'fra-1'],
    ['Site #1 (Frankfurt)!', 'site-1-frankfurt'],
    ['a.b*c>d', 'a-b-c-d'],
    ['Zürich', 'z-rich'],
    ['', 'site'],
    ['!!!', 'site'],
  ])('%j → %j', (name, key) => {
    expect(siteKey(name)).toBe(key);
    expect(key).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('shardId()', () => {
  it.each<[string[], string]>([
    [['h1'], 'h1'],
    [['h1', 'h2'], 'h1_h2'],
    [['h3', 'h1', 'h2'], 'h1_h2_h3'],
    [['hall-10', 'hall-2'], 'hall-10_hall-2'],
  ])('%j → %s, sorted and joined by _', (halls, id) => {
    const given = [...halls];
    expect(shardId(halls)).toBe(id);
    expect(halls).toEqual(given);
  });

  it.each<[string[]]>([[['h1.a']], [['h1.a', 'h2']], [['a.b.c']]])('is one NATS subject token for halls %j with a dot', (halls) => {
    const subject = shardSubject('site', shardId(halls), 'beat');
    expect(subject.split('.')).toHaveLength(6);
    expect(subject.split('.')[4]).toBe(shardId(halls));
  });

  it.each<[string[], string]>([
    [['h1.a'], 'h1_-a'],
    [['a_b'], 'a__b'],
    [['a_b', 'c'], 'a__b_c'],
    [['x_', 'y'], 'x___y'],
  ])('escapes %j to %s: letters, digits, _ and - only', (halls, id) => {
    expect(shardId(halls)).toBe(id);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('gives different hall sets different IDs, and so different pairs and hall keys', () => {
    const sets = [['h1.a'], ['h1-a'], ['h1_a'], ['h1', 'a'], ['a_b'], ['a', 'b'], ['a.b'], ['a-b'], ['a_', 'b'],
      ['x_', 'y'], ['x', 'y'], ['x__y'], ['x._y'], ['x_.y'], ['x', 'y', 'z'], ['x_y', 'z'], ['x', 'y_z']];
    const distinct = new Map(sets.map((h) => [[...h].sort().join('\u0000'), h]));
    const ids = new Set([...distinct.values()].map(shardId));
    expect(ids.size).toBe(distinct.size);
    expect(new Set([...ids].map((id) => pairNames(id).leaseBucket)).size).toBe(distinct.size);
    const halls = ['h.1', 'h-1', 'h_1', 'h__1', 'h._1', 'h_.1'];
    expect(new Set(halls.map(hallClaimKey)).size).toBe(halls.length);
  });
});

describe('campus subjects', () => {
  it.each([
    ['a beat', shardSubject('campus-test', 'h1_h2', 'beat'), 'hallwatch.campus.campus-test.shard.h1_h2.beat'],
    ['live rows', shardSubject('campus-test', 'h1_h2', 'live'), 'hallwatch.campus.campus-test.shard.h1_h2.live'],
    ['alerts', shardSubject('campus-test', 'h3', 'alerts'), 'hallwatch.campus.campus-test.shard.h3.alerts'],
    ['every shard\'s beats', shardSubject('fra', '*', 'beat'), 'hallwatch.campus.fra.shard.*.beat'],
    ['an ack request', shardRequestSubject('fra', 'h1', 'ack'), 'hallwatch.campus.fra.req.h1.ack'],
    ['a silence request', shardRequestSubject('fra', 'h1_h2', 'silence'), 'hallwatch.campus.fra.req.h1_h2.silence'],
    ['a history request', shardRequestSubject('fra', 'h2', 'history'), 'hallwatch.campus.fra.req.h2.history'],
    ['what a hub imports', ALL_CAMPUS_SUBJECTS, 'hallwatch.campus.>'],
  ])('%s: %s', (_name, subject, want) => {
    expect(subject).toBe(want);
  });
});

describe('pairNames()', () => {
  it('gives a whole-site pair today\'s names exactly', () => {
    expect(pairNames(null)).toStrictEqual({
      leaseBucket: 'hallwatch-lease', membersBucket: 'hallwatch-members', notifyStream: 'HALLWATCH_NOTIFY',
      notifySubjectPrefix: 'hallwatch.notify.', notifyConsumer: 'hallwatch-notify', stateKeyPrefix: '',
    });
  });

  const NAMES = ['leaseBucket', 'membersBucket', 'notifyStream', 'notifyConsumer'] as const;
  const shards = ['h1', 'h2', 'h1_h2', 'hall.1', 'hall.1_hall.2', shardId(['a.b', 'c'])];

  it.each(shards)('gives shard %s valid bucket, stream and consumer names', (shard) => {
    const n = pairNames(shard);
    for (const k of NAMES) expect(n[k], k).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(n.notifySubjectPrefix).toMatch(/^hallwatch\.notify\.[A-Za-z0-9_-]+\.$/);
    expect(n.stateKeyPrefix).toMatch(/^shard\.[A-Za-z0-9_-]+\.$/);
  });

  it.each<[string, keyof PairNames, string]>([
    ['h1_h2', 'leaseBucket', 'hallwatch-lease-h1_h2'],
    ['h1_h2', 'membersBucket', 'hallwatch-members-h1_h2'],
    ['h1_h2', 'notifyStream', 'HALLWATCH_NOTIFY_h1_h2'],
    ['h1_h2', 'notifySubjectPrefix', 'hallwatch.notify.h1_h2.'],
    ['h1_h2', 'notifyConsumer', 'hallwatch-notify-h1_h2'],
    ['h1_h2', 'stateKeyPrefix', 'shard.h1_h2.'],
    ['hall.1', 'leaseBucket', 'hallwatch-lease-hall-1'],
  ])('names shard %s\'s %s %s', (shard, key, name) => {
    expect(pairNames(shard)[key]).toBe(name);
  });

  it('keeps every name distinct per shard and from the whole site\'s', () => {
    const all = [null, ...shards].map(pairNames);
    for (const k of [...NAMES, 'notifySubjectPrefix', 'stateKeyPrefix'] as const) {
      expect(new Set(all.map((n) => n[k])).size, k).toBe(all.length);
    }
  });
});

describe('claimRefusal()', () => {
  const mine: HallClaim = { shard: 'h1_h2', serverName: 'shard-1', renewedMs: 100_000 };

  it.each<[string, HallClaim | null]>([
    ['none held', null],
    ['held by the same shard (its pair\'s other server)', { shard: 'h1_h2', serverName: 'shard-1b', renewedMs: 99_000 }],
  ])('lets a shard take a hall %s', (_name, held) => {
    expect(claimRefusal('h1', mine, held, 100_000)).toBeNull();
  });

  it.each<[string, HallClaim, number, string]>([
    ['renewed 2 s ago', { shard: 'h1', serverName: 'shard-9', renewedMs: 98_000 }, 100_000,
      'hall h1 is held by live shard h1 (server shard-9, renewed 2 s ago): stop that shard, or start this one with other halls'],
    ['renewed 1.6 s ago, rounded', { shard: 'h1_h3', serverName: 'noc-b:8080', renewedMs: 98_400 }, 100_000,
      'hall h1 is held by live shard h1_h3 (server noc-b:8080, renewed 2 s ago): stop that shard, or start this one with other halls'],
    ['renewed after this server\'s clock', { shard: 'h1', serverName: 'shard-9', renewedMs: 103_000 }, 100_000,
      'hall h1 is held by live shard h1 (server shard-9, renewed 0 s ago): stop that shard, or start this one with other halls'],
  ])('refuses a hall another shard holds, %s, naming hall, shard, server and age', (_name, held, nowMs, message) => {
    expect(claimRefusal('h1', mine, held, nowMs)).toBe(message);
  });
});
