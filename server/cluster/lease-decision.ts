/**
 * Who leads, decided from what this server has seen of the lease bucket and from its own
 * monotonic clock only (a step of the wall clock changes nothing). Pure: `leader-lease.ts` does
 * the I/O.
 *
 * The lease is one key per epoch, `epoch.<N>`. Every write to the bucket expects the bucket's
 * last stream sequence to be the one the writer knows (`Nats-Expected-Last-Sequence`, checked
 * when the write is applied, so also on a three-node cluster): a standby's take-over of epoch
 * N+1 and the holder's renewal of epoch N cannot both succeed, whichever order they reach the
 * cluster in. (The per-key expected revision of a KV update is checked before the write is
 * proposed on nats-server 2.9.10 — two updates expecting the same revision can both succeed —
 * so it is never relied on.)
 *
 * No overlap: the holder leads only while its last confirmed write was *sent* less than
 * `leaseMs − marginMs` ago; a standby takes over only once it has seen no new revision of the
 * current epoch's key for a whole `leaseMs`, counted from when it *saw* the last one (which was
 * sent before). A holder frozen past its lease (SIGSTOP, a stalled VM) finds on waking that its
 * last write is too old and steps down before doing anything.
 */

export interface LeaseTiming {
  /** How long a write of the lease key holds it, ms: longer than a stream-leader election's write stall (4–9 s). */
  leaseMs: number;
  /** How often the holder rewrites its key, ms. */
  renewEveryMs: number;
  /** The holder stops leading this long before a standby may take over, ms (clock rates, a send already started). */
  marginMs: number;
}

/** 15 s lease renewed every 2 s: survives a 9 s write stall, fails over within ~17 s of a kill. */
export const LEASE_TIMING: LeaseTiming = { leaseMs: 15_000, renewEveryMs: 2_000, marginMs: 3_000 };

/** The newest epoch key as this server has seen it. */
export interface LeaseSeen {
  /** Highest epoch with a key; 0 when the bucket holds none. */
  epoch: number;
  /** Instance that wrote it (`serverName/startedMs/random`). */
  holder: string;
  /** Its holder let it go (a clean stop): the next epoch may be taken at once. */
  released: boolean;
  /** Revision (stream sequence) of the key's last value. */
  revision: number;
  /** Monotonic ms at which this server first saw that revision. */
  seenAtMs: number;
  /** The bucket's last stream sequence as this server knows it (expected by a take-over). */
  lastSeq: number;
}

/** What this server holds. */
export interface OwnHold {
  /** The epoch it holds; 0 when it holds none. */
  epoch: number;
  /** Monotonic send time of its last write that the cluster confirmed. */
  confirmedSentMs: number;
  /** Stream sequence of that write: its next write expects it. */
  lastSeq: number;
}

export const NO_LEASE_SEEN: LeaseSeen = { epoch: 0, holder: '', released: false, revision: 0, seenAtMs: 0, lastSeq: 0 };
export const NOT_HOLDING: OwnHold = { epoch: 0, confirmedSentMs: Number.NEGATIVE_INFINITY, lastSeq: 0 };

export type LeaseAction =
  | { do: 'wait' }
  | { do: 'renew' }
  | { do: 'acquire'; epoch: number; afterSeq: number }
  | { do: 'step-down'; reason: string }
  | { do: 'hand-over'; reason: string };

/** Whether this server may act as leader now (notify, write rollups). */
export function isLeading(own: OwnHold, seen: LeaseSeen, nowMs: number, t: LeaseTiming): boolean {
  return own.epoch > 0 && seen.epoch <= own.epoch && nowMs - own.confirmedSentMs < t.leaseMs - t.marginMs;
}

/**
 * The next thing to do. `writing`: a write of the lease is under way (one at a time: each
 * expects the sequence the one before left). `me`: this instance's ID.
 */
/**
 * `defer`: this server cannot see the site (its telemetry stopped) while the other server can —
 * a leader hands the lease over (lets it go, so the other takes it at once), a standby does not
 * take it. A leader that cannot see the site would page its own blindness as a site-wide outage
 * and miss what really happens.
 */
export function nextLeaseAction(own: OwnHold, seen: LeaseSeen, me: string, nowMs: number, writing: boolean, t: LeaseTiming, defer = false): LeaseAction {
  if (own.epoch > 0) {
    if (seen.epoch > own.epoch) return { do: 'step-down', reason: `epoch ${seen.epoch} was taken by ${seen.holder}` };
    const sinceMs = nowMs - own.confirmedSentMs;
    if (sinceMs >= t.leaseMs - t.marginMs) {
      return { do: 'step-down', reason: `its last confirmed renewal was sent ${Math.round(sinceMs)} ms ago (frozen or cut off)` };
    }
    if (writing) return { do: 'wait' };
    if (defer) return { do: 'hand-over', reason: 'its telemetry stopped while the other server\'s flows' };
    if (sinceMs < t.renewEveryMs) return { do: 'wait' };
    return { do: 'renew' };
  }
  if (writing || defer) return { do: 'wait' };
  const next = { do: 'acquire' as const, epoch: seen.epoch + 1, afterSeq: seen.lastSeq };
  if (seen.epoch === 0 || seen.released) return next;
  // Its own key from before a step-down counts like anyone's: its lease runs out first.
  return nowMs - seen.seenAtMs >= t.leaseMs ? next : { do: 'wait' };
}

/** The value stored in an epoch key. */
export interface LeaseValue {
  holder: string;
  serverName: string;
  epoch: number;
  /** Counts this holder's writes of the key: tells which one landed when an answer was lost. */
  write: number;
  released?: true;
}

/** Reads a stored lease value; throws naming what is wrong. */
export function parseLeaseValue(json: unknown): LeaseValue {
  const v = json as Partial<LeaseValue> | null;
  if (typeof v !== 'object' || v === null) throw new Error('not an object');
  if (typeof v.holder !== 'string' || v.holder === '') throw new Error('holder must be a non-empty string');
  if (typeof v.serverName !== 'string') throw new Error('serverName must be a string');
  if (!Number.isInteger(v.epoch) || (v.epoch as number) < 1) throw new Error('epoch must be a positive integer');
  if (!Number.isInteger(v.write) || (v.write as number) < 0) throw new Error('write must be a non-negative integer');
  return { holder: v.holder, serverName: v.serverName, epoch: v.epoch!, write: v.write!, ...(v.released === true ? { released: true as const } : {}) };
}

/** `epoch.<N>` → N; null for any other key. */
export function epochOfKey(key: string): number | null {
  const m = /^epoch\.(\d{1,15})$/.exec(key);
  return m ? Number(m[1]) : null;
}

export const epochKey = (epoch: number) => `epoch.${epoch}`;

/**
 * What a watched entry of the bucket changes in `seen`: a newer epoch replaces it, a new
 * revision of the current one restarts the standby's count (`nowMs`), an older epoch only moves
 * the known last sequence. `value` null: the entry was a deletion (of an old epoch).
 */
export function seeEntry(seen: LeaseSeen, epoch: number, revision: number, value: LeaseValue | null, nowMs: number): LeaseSeen {
  const lastSeq = Math.max(seen.lastSeq, revision);
  // A deleted epoch above all others was let go: the next one may be taken.
  if (value === null) return epoch > seen.epoch ? { epoch, holder: '', released: true, revision, seenAtMs: nowMs, lastSeq } : { ...seen, lastSeq };
  if (epoch < seen.epoch) return { ...seen, lastSeq };
  if (epoch === seen.epoch && revision <= seen.revision) return { ...seen, lastSeq };
  return { epoch, holder: value.holder, released: value.released === true, revision, seenAtMs: nowMs, lastSeq };
}
