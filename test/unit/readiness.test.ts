import { describe, expect, it } from 'vitest';
import { readiness, readyFacts, RECENT_SAMPLE_MS, type ReadyFacts } from '../../server/http/readiness.ts';
import { pairState, parseClusterView, singleServerView, type ClusterView } from '../../protocol/cluster.ts';

const base: ReadyFacts = { sourceConnected: true, sinceSampleMs: 200, clusterConnected: null };

describe('readiness()', () => {
  it.each<[string, Partial<ReadyFacts>, boolean, RegExp | null]>([
    ['single server, source connected and samples arriving', {}, true, null],
    ['source connected on a silent site (no sample yet): the walls show that, so it serves', { sinceSampleMs: Number.NaN }, true, null],
    ['broker failing over: disconnected, last sample 3 s ago', { sourceConnected: false, sinceSampleMs: 3000 }, true, null],
    ['no source and no sample for longer than the grace', { sourceConnected: false, sinceSampleMs: RECENT_SAMPLE_MS + 1 }, false, /^telemetry: no source connected and no sample for 10 s \(last 10 s ago\)$/],
    ['no source and never a sample (started with the broker down)', { sourceConnected: false, sinceSampleMs: Number.NaN }, false, /\(last never\)/],
    ['clustered and connected', { clusterConnected: true }, true, null],
    ['clustered, cluster connection lost', { clusterConnected: false }, false, /^cluster: not connected/],
  ])('%s', (_what, facts, ready, reason) => {
    const r = readiness({ ...base, ...facts });
    expect(r.ready).toBe(ready);
    if (reason) expect(r.reasons.join('\n')).toMatch(reason);
    else expect(r.reasons).toEqual([]);
  });

  it('gives both reasons when both fail, and reports each check', () => {
    const r = readiness({ sourceConnected: false, sinceSampleMs: 60_000, clusterConnected: false });
    expect(r.reasons).toHaveLength(2);
    expect(r.checks).toEqual({ ingest: 'disconnected; last sample 60 s ago', cluster: 'disconnected' });
  });

  it('readyFacts() counts any connected source, and no cluster function as not clustered', () => {
    const f = readyFacts({ sources: [{ connected: false }, { connected: true }], lastSampleMs: () => 1000, clusterConnected: null, clock: () => 4000 });
    expect(f).toEqual({ sourceConnected: true, sinceSampleMs: 3000, clusterConnected: null });
    expect(readyFacts({ sources: [], lastSampleMs: () => Number.NaN, clusterConnected: () => false, clock: () => 0 }).clusterConnected).toBe(false);
  });
});

describe('pairState()', () => {
  const view = (v: Partial<ClusterView>): ClusterView => ({ serverName: 'a', clustered: true, members: ['a', 'b'], leader: 'a', ...v });
  it.each<[string, ClusterView, string, RegExp | null]>([
    ['a single server', singleServerView('a'), 'single', null],
    ['both servers seen, one leading', view({}), 'whole', null],
    ['one server seen', view({ members: ['a'] }), 'broken', /^1 of 2 servers seen$/],
    ['both seen, no leader (lease changing hands)', view({ leader: null }), 'broken', /^no leader$/],
    ['one seen and no leader', view({ members: ['b'], leader: null }), 'broken', /^no leader; 1 of 2/],
    ['a lone hall shard or campus view (never had a partner)', view({ members: ['a'], expectedMembers: 1 }), 'single', null],
    ['a lone one still taking its lease', view({ members: ['a'], leader: null, expectedMembers: 1 }), 'broken', /^no leader$/],
    ['a shard pair, both seen', view({ expectedMembers: 2 }), 'whole', null],
    ['a shard pair that lost its partner', view({ members: ['a'], expectedMembers: 2 }), 'broken', /^1 of 2 servers seen$/],
  ])('%s', (_what, v, kind, reason) => {
    const p = pairState(v);
    expect(p.kind).toBe(kind);
    if (reason) expect(p.kind === 'broken' && p.reason).toMatch(reason);
  });
});

describe('parseClusterView()', () => {
  it.each<[string, unknown, RegExp | null]>([
    ['a whole answer', { serverName: 'a', clustered: true, members: ['a', 'b'], leader: null }, null],
    ['not an object', 'nope', /object expected/],
    ['no server name', { clustered: false, members: [], leader: null }, /serverName/],
    ['members not strings', { serverName: 'a', clustered: true, members: [1], leader: 'a' }, /members/],
    ['leader a number', { serverName: 'a', clustered: true, members: ['a'], leader: 3 }, /leader/],
  ])('%s', (_what, body, error) => {
    const r = parseClusterView(body);
    if (error) expect(!r.ok && r.message).toMatch(error);
    else expect(r.ok).toBe(true);
  });
});
