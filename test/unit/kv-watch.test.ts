import { describe, expect, test } from 'vitest';
import type { KvEntry } from 'nats';
import { keepWatching } from '../../server/storage/kv-watch.ts';
import { notYet, waitFor } from '../helpers/wait.ts';

type Attempt = { fail: Error } | { entries: number[]; end?: Error | 'ends' | 'stays' };

/** A KV whose successive watches do what `attempts` says: fail to start, or deliver revisions then end, fail or stay open. */
function fakeKv(attempts: Attempt[]) {
  let n = 0;
  const stops: number[] = [];
  return {
    calls: () => n,
    stops,
    async watch(): Promise<AsyncIterable<KvEntry> & { stop(): void }> {
      const a = attempts[Math.min(n++, attempts.length - 1)];
      const call = n;
      if ('fail' in a) throw a.fail;
      let release!: () => void;
      const stopped = new Promise<void>((r) => (release = r));
      return {
        stop: () => {
          stops.push(call);
          release();
        },
        async *[Symbol.asyncIterator]() {
          for (const revision of a.entries) yield { key: 'k', revision, operation: 'PUT' } as KvEntry;
          if (a.end instanceof Error) throw a.end;
          if (a.end === 'stays' || a.end === undefined) await stopped;
        },
      };
    },
  };
}

const cases: { name: string; attempts: Attempt[]; revisions: number[]; troubles: RegExp[] }[] = [
  { name: 'a watch that stays open is started once', attempts: [{ entries: [1, 2] }], revisions: [1, 2], troubles: [] },
  {
    name: 'a watch that cannot start is started again, and says so',
    attempts: [{ fail: new Error('TIMEOUT') }, { fail: new Error('TIMEOUT') }, { entries: [5] }],
    revisions: [5],
    troubles: [/stopped \(TIMEOUT\); starting it again/, /runs again/],
  },
  {
    name: 'a watch that fails after delivering starts again and delivers the last values again',
    attempts: [{ entries: [1, 2], end: new Error('consumer deleted') }, { entries: [2, 3] }],
    revisions: [1, 2, 2, 3],
    troubles: [/stopped \(consumer deleted\)/, /runs again/],
  },
  {
    name: 'a watch that just ends starts again',
    attempts: [{ entries: [1], end: 'ends' }, { entries: [1, 4] }],
    revisions: [1, 1, 4],
    troubles: [/stopped \(it ended\)/, /runs again/],
  },
];

describe('keepWatching', () => {
  test.each(cases)('$name', async ({ attempts, revisions, troubles }) => {
    const kv = fakeKv(attempts);
    const seen: number[] = [];
    const said: string[] = [];
    const w = keepWatching(kv, 'k', (e) => seen.push(e.revision), { onTrouble: (m) => said.push(m), retryMs: 5 });
    await w.started;
    await waitFor('every revision', () => seen.length >= revisions.length || notYet(seen));
    expect(seen).toEqual(revisions);
    expect(said).toHaveLength(troubles.length);
    troubles.forEach((re, i) => expect(said[i]).toMatch(re));
    w.stop();
    expect(kv.stops).toEqual([kv.calls()]);
  });

  test('a closed connection ends it without retrying or complaining', async () => {
    const closed = Object.assign(new Error('connection closed'), { code: 'CONNECTION_CLOSED' });
    const kv = fakeKv([{ entries: [1], end: 'ends' }, { fail: closed }, { entries: [9] }]);
    const said: string[] = [];
    const seen: number[] = [];
    const w = keepWatching(kv, 'k', (e) => seen.push(e.revision), { onTrouble: (m) => said.push(m), retryMs: 1 });
    await waitFor('the second start', () => kv.calls() >= 2 || notYet(kv.calls()));
    // Long enough for a third start at the 1 ms retry, were there one.
    await new Promise((r) => setTimeout(r, 50));
    expect(kv.calls()).toBe(2);
    expect(seen).toEqual([1]);
    expect(said).toEqual([expect.stringMatching(/stopped \(it ended\)/)]);
    w.stop();
  });

  test('stopped while waiting to start again, it does not start again', async () => {
    const kv = fakeKv([{ fail: new Error('TIMEOUT') }, { entries: [1] }]);
    const w = keepWatching(kv, 'k', () => undefined, { retryMs: 60_000 });
    await waitFor('the first attempt', () => kv.calls() >= 1 || notYet(kv.calls()));
    w.stop();
    await w.started;
    await new Promise((r) => setTimeout(r, 20));
    expect(kv.calls()).toBe(1);
  });
});
