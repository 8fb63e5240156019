/**
 * Leadership decisions from what a server has seen of the lease bucket and its own monotonic
 * clock: acquire, renew, expire, a released lease, a holder waking from a freeze, and a table of
 * watched entries.
 */
import { describe, expect, it } from 'vitest';
import {
  isLeading, nextLeaseAction, NO_LEASE_SEEN, NOT_HOLDING, parseLeaseValue, seeEntry, epochOfKey,
  type LeaseAction, type LeaseSeen, type OwnHold, type LeaseTiming,
} from '../../server/cluster/lease-decision.ts';

const T: LeaseTiming = { leaseMs: 15_000, renewEveryMs: 2_000, marginMs: 3_000 };
const ME = 'a/1/x';
const OTHER = 'b/1/y';
const seenOf = (s: Partial<LeaseSeen>): LeaseSeen => ({ ...NO_LEASE_SEEN, ...s });
const holding = (s: Partial<OwnHold>): OwnHold => ({ epoch: 4, confirmedSentMs: 0, lastSeq: 40, ...s });

describe('nextLeaseAction()', () => {
  const cases: { name: string; own: OwnHold; seen: LeaseSeen; nowMs: number; writing?: boolean; defer?: boolean; want: LeaseAction; leading: boolean }[] = [
    { name: 'an empty bucket: take epoch 1 at once', own: NOT_HOLDING, seen: NO_LEASE_SEEN, nowMs: 5, want: { do: 'acquire', epoch: 1, afterSeq: 0 }, leading: false },
    {
      name: 'a live key seen 5 s ago: wait', own: NOT_HOLDING, seen: seenOf({ epoch: 4, holder: OTHER, revision: 40, seenAtMs: 1_000, lastSeq: 40 }), nowMs: 6_000,
      want: { do: 'wait' }, leading: false,
    },
    {
      name: 'no new revision for 14.9 s: still wait', own: NOT_HOLDING, seen: seenOf({ epoch: 4, holder: OTHER, revision: 40, seenAtMs: 1_000, lastSeq: 40 }), nowMs: 15_900,
      want: { do: 'wait' }, leading: false,
    },
    {
      name: 'no new revision for the whole lease: take the next epoch, expecting the last sequence seen', own: NOT_HOLDING,
      seen: seenOf({ epoch: 4, holder: OTHER, revision: 40, seenAtMs: 1_000, lastSeq: 41 }), nowMs: 16_000,
      want: { do: 'acquire', epoch: 5, afterSeq: 41 }, leading: false,
    },
    {
      name: 'released by a clean stop: take the next epoch at once', own: NOT_HOLDING,
      seen: seenOf({ epoch: 4, holder: OTHER, released: true, revision: 42, seenAtMs: 1_000, lastSeq: 42 }), nowMs: 1_001,
      want: { do: 'acquire', epoch: 5, afterSeq: 42 }, leading: false,
    },
    {
      name: 'a take-over already under way: wait for its answer', own: NOT_HOLDING, seen: NO_LEASE_SEEN, nowMs: 5, writing: true,
      want: { do: 'wait' }, leading: false,
    },
    {
      name: 'its own key from before it stepped down runs out like anyone\'s', own: NOT_HOLDING,
      seen: seenOf({ epoch: 4, holder: ME, revision: 40, seenAtMs: 1_000, lastSeq: 40 }), nowMs: 10_000, want: { do: 'wait' }, leading: false,
    },
    {
      name: 'the holder 1 s after its last renewal: nothing to do', own: holding({ confirmedSentMs: 10_000 }),
      seen: seenOf({ epoch: 4, holder: ME, revision: 40, seenAtMs: 10_010, lastSeq: 40 }), nowMs: 11_000, want: { do: 'wait' }, leading: true,
    },
    {
      name: 'the holder 2 s after its last renewal: renew', own: holding({ confirmedSentMs: 10_000 }),
      seen: seenOf({ epoch: 4, holder: ME, revision: 40, seenAtMs: 10_010, lastSeq: 40 }), nowMs: 12_000, want: { do: 'renew' }, leading: true,
    },
    {
      name: 'the holder with a renewal stuck for 8 s (a stream-leader election): still leads, waits', own: holding({ confirmedSentMs: 10_000 }),
      seen: seenOf({ epoch: 4, holder: ME, revision: 40, seenAtMs: 10_010, lastSeq: 40 }), nowMs: 20_000, writing: true, want: { do: 'wait' }, leading: true,
    },
    {
      name: 'the holder whose last confirmed renewal was sent 12 s ago: steps down before the standby may take over', own: holding({ confirmedSentMs: 10_000 }),
      seen: seenOf({ epoch: 4, holder: ME, revision: 40, seenAtMs: 10_010, lastSeq: 40 }), nowMs: 22_000, writing: true,
      want: { do: 'step-down', reason: 'its last confirmed renewal was sent 12000 ms ago (frozen or cut off)' }, leading: false,
    },
    {
      name: 'a holder waking from SIGSTOP 60 s later: steps down, does not renew', own: holding({ confirmedSentMs: 10_000 }),
      seen: seenOf({ epoch: 4, holder: ME, revision: 40, seenAtMs: 10_010, lastSeq: 40 }), nowMs: 70_000,
      want: { do: 'step-down', reason: 'its last confirmed renewal was sent 60000 ms ago (frozen or cut off)' }, leading: false,
    },
    {
      name: 'the holder sees a newer epoch: steps down at once', own: holding({ confirmedSentMs: 10_000 }),
      seen: seenOf({ epoch: 5, holder: OTHER, revision: 44, seenAtMs: 10_500, lastSeq: 44 }), nowMs: 10_600,
      want: { do: 'step-down', reason: `epoch 5 was taken by ${OTHER}` }, leading: false,
    },
    {
      name: 'the holder whose telemetry stopped while the other\'s flows: hands the lease over', own: holding({ confirmedSentMs: 10_000 }),
      seen: seenOf({ epoch: 4, holder: ME, revision: 40, seenAtMs: 10_010, lastSeq: 40 }), nowMs: 11_000, defer: true,
      want: { do: 'hand-over', reason: 'its telemetry stopped while the other server\'s flows' }, leading: true,
    },
    {
      name: 'the holder deferring with a renewal under way: waits for its answer first', own: holding({ confirmedSentMs: 10_000 }),
      seen: seenOf({ epoch: 4, holder: ME, revision: 40, seenAtMs: 10_010, lastSeq: 40 }), nowMs: 13_000, writing: true, defer: true,
      want: { do: 'wait' }, leading: true,
    },
    {
      name: 'a standby that cannot see the site does not take a released lease', own: NOT_HOLDING,
      seen: seenOf({ epoch: 4, holder: OTHER, released: true, revision: 42, seenAtMs: 1_000, lastSeq: 42 }), nowMs: 1_001, defer: true,
      want: { do: 'wait' }, leading: false,
    },
    {
      name: 'a standby that cannot see the site does not take a lease that ran out either', own: NOT_HOLDING,
      seen: seenOf({ epoch: 4, holder: OTHER, revision: 40, seenAtMs: 1_000, lastSeq: 41 }), nowMs: 30_000, defer: true,
      want: { do: 'wait' }, leading: false,
    },
    {
      // Monotonic clocks of two servers have unrelated origins: only differences on each server's own clock count.
      name: 'a standby whose clock started an hour earlier counts the same 15 s', own: NOT_HOLDING,
      seen: seenOf({ epoch: 4, holder: OTHER, revision: 40, seenAtMs: 3_600_000, lastSeq: 40 }), nowMs: 3_614_000, want: { do: 'wait' }, leading: false,
    },
  ];
  it.each(cases)('$name', ({ own, seen, nowMs, writing, defer, want, leading }) => {
    expect(nextLeaseAction(own, seen, ME, nowMs, writing ?? false, T, defer ?? false)).toEqual(want);
    expect(isLeading(own, seen, nowMs, T)).toBe(leading);
  });

  it('the holder stops leading (lease − margin after its send) before a standby that saw that write may take over (lease after it saw it)', () => {
    const sentMs = 10_000;
    const standbySawMs = sentMs + 5;
    const lastLeadingMs = sentMs + T.leaseMs - T.marginMs - 1;
    expect(isLeading(holding({ confirmedSentMs: sentMs }), seenOf({ epoch: 4 }), lastLeadingMs, T)).toBe(true);
    const standby = seenOf({ epoch: 4, holder: OTHER, revision: 40, seenAtMs: standbySawMs, lastSeq: 40 });
    expect(nextLeaseAction(NOT_HOLDING, standby, ME, lastLeadingMs, false, T)).toEqual({ do: 'wait' });
    expect(nextLeaseAction(NOT_HOLDING, standby, ME, standbySawMs + T.leaseMs, false, T).do).toBe('acquire');
    expect(standbySawMs + T.leaseMs - lastLeadingMs).toBeGreaterThanOrEqual(T.marginMs);
  });
});

describe('seeEntry()', () => {
  const v = (epoch: number, holder = OTHER, released?: true) => ({ holder, serverName: 'b', epoch, write: 1, ...(released ? { released } : {}) });
  const base = seenOf({ epoch: 4, holder: OTHER, revision: 40, seenAtMs: 1_000, lastSeq: 41 });
  const cases: { name: string; epoch: number; revision: number; value: ReturnType<typeof v> | null; want: LeaseSeen }[] = [
    { name: 'a renewal of the current epoch restarts the count', epoch: 4, revision: 45, value: v(4), want: { ...base, revision: 45, seenAtMs: 9_000, lastSeq: 45 } },
    { name: 'a newer epoch replaces it', epoch: 5, revision: 46, value: v(5, ME), want: { epoch: 5, holder: ME, released: false, revision: 46, seenAtMs: 9_000, lastSeq: 46 } },
    { name: 'the release marker', epoch: 4, revision: 46, value: v(4, OTHER, true), want: { ...base, released: true, revision: 46, seenAtMs: 9_000, lastSeq: 46 } },
    { name: 'an older epoch only moves the last sequence', epoch: 3, revision: 43, value: v(3), want: { ...base, lastSeq: 43 } },
    { name: 'a replayed older revision changes nothing', epoch: 4, revision: 39, value: v(4), want: base },
    { name: 'the deletion of an old epoch only moves the last sequence', epoch: 2, revision: 47, value: null, want: { ...base, lastSeq: 47 } },
    { name: 'a deleted epoch above all others counts as let go', epoch: 6, revision: 48, value: null, want: { epoch: 6, holder: '', released: true, revision: 48, seenAtMs: 9_000, lastSeq: 48 } },
  ];
  it.each(cases)('$name', ({ epoch, revision, value, want }) => {
    expect(seeEntry(base, epoch, revision, value, 9_000)).toEqual(want);
  });
});

describe('lease values and keys', () => {
  it.each([
    [{ holder: 'a/1/x', serverName: 'a', epoch: 3, write: 7 }, null],
    [{ holder: 'a/1/x', serverName: 'a', epoch: 3, write: 7, released: true }, null],
    [{ holder: '', serverName: 'a', epoch: 3, write: 7 }, 'holder must be a non-empty string'],
    [{ holder: 'a', serverName: 'a', epoch: 0, write: 7 }, 'epoch must be a positive integer'],
    [{ holder: 'a', serverName: 'a', epoch: 2, write: -1 }, 'write must be a non-negative integer'],
    ['epoch', 'not an object'],
  ])('parseLeaseValue(%j) → %s', (json, error) => {
    if (error) expect(() => parseLeaseValue(json)).toThrow(error);
    else expect(parseLeaseValue(json)).toEqual(json);
  });

  it.each([['epoch.12', 12], ['epoch.x', null], ['members.a', null], ['epoch.1.2', null]])('epochOfKey(%s) → %s', (key, n) => {
    expect(epochOfKey(key)).toBe(n);
  });
});
