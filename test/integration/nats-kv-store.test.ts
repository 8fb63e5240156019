/**
 * The replicated stores against a real three-node NATS cluster: compare-and-set, and a change
 * written through one server's connection seen through the other's watch.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster.ts';
import { ClusterLink } from '../../server/cluster/cluster-link.ts';
import { KvDocumentStore, KvKeyedStore } from '../../server/storage/nats-kv-store.ts';
import { createLogger } from '../../server/logger.ts';
import type { Revisioned } from '../../server/storage/store.ts';
import { notYet, waitFor } from '../helpers/wait.ts';

let cluster: NatsCluster;
let a: ClusterLink;
let b: ClusterLink;
const log = createLogger('error');

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  const cfg = (serverName: string) => ({ urls: cluster.natsUrls, serverName, replicas: 3, requestTimeoutMs: 10_000 });
  a = new ClusterLink(cfg('a'), { log });
  b = new ClusterLink(cfg('b'), { log });
  await a.start();
  await b.start();
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await cluster?.stop();
});

interface Doc { n: number }
const parse = (j: unknown): Doc => {
  if (typeof (j as Doc)?.n !== 'number') throw new Error('n must be a number');
  return j as Doc;
};

describe('KvDocumentStore', () => {
  test('compare-and-set: a write with a stale revision is a conflict naming the stored revision', async () => {
    const sa = new KvDocumentStore<Doc>(await a.bucket('hw-test-doc'), 'hw-test-doc', 'cas', { parse });
    const sb = new KvDocumentStore<Doc>(await b.bucket('hw-test-doc'), 'hw-test-doc', 'cas', { parse });
    expect(await sa.load()).toBeNull();
    const first = await sa.write({ n: 1 }, 0);
    expect(first.ok).toBe(true);
    // b has not read it: creating it again conflicts.
    expect(await sb.write({ n: 2 }, 0)).toEqual({ ok: false, conflict: true, revision: first.revision });
    const loaded = await sb.load();
    expect(loaded).toEqual({ value: { n: 1 }, revision: first.revision });
    const second = await sb.write({ n: 2 }, first.revision);
    expect(second.ok).toBe(true);
    // a still holds the first revision: its write loses.
    expect(await sa.write({ n: 3 }, first.revision)).toEqual({ ok: false, conflict: true, revision: second.revision });
  });

  test('a change written through one connection reaches the other\'s watch; its own writes do not', async () => {
    const sa = new KvDocumentStore<Doc>(await a.bucket('hw-test-doc'), 'hw-test-doc', 'watched', { parse });
    const sb = new KvDocumentStore<Doc>(await b.bucket('hw-test-doc'), 'hw-test-doc', 'watched', { parse });
    const seenA: (Revisioned<Doc> | null)[] = [];
    const seenB: (Revisioned<Doc> | null)[] = [];
    const bad: string[] = [];
    const stopA = sa.watch((d) => seenA.push(d));
    const stopB = sb.watch((d) => seenB.push(d));
    const w = await sa.write({ n: 7 }, 0);
    await waitFor('b to see a\'s write', () => seenB.length > 0 || notYet(seenB));
    expect(seenB).toEqual([{ value: { n: 7 }, revision: w.ok ? w.revision : -1 }]);
    const w2 = await sb.write({ n: 8 }, w.ok ? w.revision : -1);
    await waitFor('a to see b\'s write', () => seenA.length > 0 || notYet(seenA));
    expect(seenA).toEqual([{ value: { n: 8 }, revision: w2.ok ? w2.revision : -1 }]);
    expect(seenB).toHaveLength(1);
    // A value that does not parse is skipped and reported, not delivered.
    const sbad = new KvDocumentStore<Doc>(await b.bucket('hw-test-doc'), 'hw-test-doc', 'watched', { parse, onBadValue: (_k, r) => bad.push(r) });
    // Loaded first: the value stored now is not news to it, whenever its watch starts.
    await sbad.load();
    const stopBad = sbad.watch(() => bad.push('delivered'));
    await (await a.bucket('hw-test-doc')).put('watched', new TextEncoder().encode('{"n":"x"}'));
    await waitFor('the bad value to be reported', () => bad.length > 0 || notYet(bad));
    expect(bad[0]).toMatch(/n must be a number/);
    stopA();
    stopB();
    stopBad();
  });

  test('the same value stored by another process while this one writes it reaches the watch once the write returns', async () => {
    // As the other of two updates that both went through puts this one's value back (nats-server before 2.9.21).
    const kv = await a.bucket('hw-test-doc');
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    let updated!: (revision: number) => void;
    const ownRevision = new Promise<number>((r) => (updated = r));
    /** Revisions the store's watch has handled. */
    const handled: number[] = [];
    // The store's update is stored at once but returns only when the gate opens; its watch reports what it handled.
    const gated = new Proxy(kv, {
      get(target, prop) {
        if (prop === 'update') {
          return async (key: string, data: Uint8Array, version: number) => {
            const revision = await target.update(key, data, version);
            updated(revision);
            await gate;
            return revision;
          };
        }
        if (prop === 'watch') {
          return async (opts: { key: string }) => {
            const it = await target.watch(opts);
            return {
              stop: () => it.stop(),
              async *[Symbol.asyncIterator]() {
                for await (const e of it) {
                  yield e;
                  handled.push(e.revision);
                }
              },
            };
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const encode = (d: Doc) => new TextEncoder().encode(JSON.stringify(d));
    const first = await kv.put('held-back', encode({ n: 1 }));
    const store = new KvDocumentStore<Doc>(gated, 'hw-test-doc', 'held-back', { parse });
    await store.load();
    const seen: (Revisioned<Doc> | null)[] = [];
    const stop = store.watch((d) => seen.push(d));
    const writing = store.write({ n: 2 }, first);
    const own = await ownRevision;
    const other = await (await b.bucket('hw-test-doc')).update('held-back', encode({ n: 2 }), own);
    // A watch whose start timed out (10 s on a busy cluster) is started again (kv-watch.ts): allow for one.
    await waitFor('the watch to have had both entries', () => handled.includes(other) || notYet(handled), 30_000);
    expect(seen).toEqual([]);
    openGate();
    expect(await writing).toEqual({ ok: true, revision: own });
    expect(seen).toEqual([{ value: { n: 2 }, revision: other }]);
    stop();
  });
});

describe('KvDocumentStore with verifyUpdates', () => {
  test('of two updates expecting one revision, sent at once through two nodes, at most one stores and the value stored is its', async () => {
    // nats-server 2.9.10 lets both succeed now and then on three nodes; the later one puts the earlier one's value back.
    const links = [0, 1].map((i) => new ClusterLink({ urls: cluster.nodes[i].natsUrl, serverName: `race-${i}`, replicas: 3, requestTimeoutMs: 10_000 }, { log }));
    try {
      const stores: KvDocumentStore<Doc>[] = [];
      for (const l of links) {
        await l.start();
        // Reads from the stream leader: a replica may not have the last write yet.
        const kv = await l.js.views.kv('hw-test-race', { replicas: 3, history: 5, allow_direct: false });
        stores.push(new KvDocumentStore<Doc>(kv, 'hw-test-race', 'doc', { parse, verifyUpdates: true }));
      }
      const first = await stores[0].write({ n: 0 }, 0);
      let revision = first.ok ? first.revision : -1;
      const tally = { one: 0, none: 0 };
      for (let round = 1; round <= 60; round++) {
        const results = await Promise.all(stores.map((s, k) => s.write({ n: round * 10 + k }, revision)));
        const stored = results.flatMap((r, k) => (r.ok ? [round * 10 + k] : []));
        expect(stored.length).toBeLessThanOrEqual(1);
        tally[stored.length === 1 ? 'one' : 'none']++;
        const now = await stores[0].load();
        // The last revision either write saw: its own, or the value it put back.
        expect(now!.revision).toBe(Math.max(...results.map((r) => r.revision)));
        if (stored.length === 1) expect(now!.value.n).toBe(stored[0]);
        revision = now!.revision;
      }
      console.log(`60 rounds of two updates at once through two nodes: ${tally.one} with one stored, ${tally.none} with none`);
      expect(tally.one).toBeGreaterThan(0);
      // The same without the check, for the record: how often the server let both through.
      const unchecked = await Promise.all(links.map(async (l) => new KvDocumentStore<Doc>(await l.bucket('hw-test-race', 5), 'hw-test-race', 'doc', { parse })));
      let both = 0;
      for (let round = 1; round <= 30; round++) {
        const results = await Promise.all(unchecked.map((s, k) => s.write({ n: round * 10 + k }, revision)));
        if (results.every((r) => r.ok)) both++;
        revision = Math.max(...results.map((r) => r.revision));
      }
      console.log(`without the check, both of two updates expecting one revision stored in ${both} of 30 rounds`);
    } finally {
      for (const l of links) await l.stop();
    }
  });
});

describe('KvKeyedStore', () => {
  test('put, loadAll, delete and watch by key; keys of any text', async () => {
    const ka = new KvKeyedStore<Doc>(await a.bucket('hw-test-keyed'), 'hw-test-keyed', 'outbox', { parse });
    const kb = new KvKeyedStore<Doc>(await b.bucket('hw-test-keyed'), 'hw-test-keyed', 'outbox', { parse });
    const events: [string, number | null][] = [];
    const stop = kb.watch((k, d) => events.push([k, d ? d.value.n : null]));
    const key = 'webhook:rack/h1-r01.A #1';
    const put = await ka.put(key, { n: 1 }, 0);
    expect(put.ok).toBe(true);
    expect((await ka.put(key, { n: 9 }, 0)).ok).toBe(false);
    const all = await kb.loadAll(() => undefined);
    expect([...all.entries()]).toEqual([[key, { value: { n: 1 }, revision: put.ok ? put.revision : -1 }]]);
    await ka.delete(key);
    await waitFor('b to see the put and the delete', () => events.length >= 2 || notYet(events));
    expect(events).toEqual([[key, 1], [key, null]]);
    expect((await kb.loadAll(() => undefined)).size).toBe(0);
    stop();
  });
});
