/**
 * The leadership lease in the `hallwatch-lease` key-value bucket: watches the epoch keys,
 * renews the key it holds every 2 s, takes the next epoch when the holder let it go or its lease
 * ran out, and lets it go on a clean stop so the other server takes over at once. The decisions
 * are `lease-decision.ts`; this file writes them (each write expecting the bucket's last stream
 * sequence) and reports role changes. The fencing epoch is the lease's N.
 */
import { randomBytes } from 'node:crypto';
import { headers, type JetStreamClient, type JetStreamManager, type KV, type KvEntry } from 'nats';
import type { Logger } from '../logger.ts';
import { openBucket } from './open-bucket.ts';
import { keepWatching } from '../storage/kv-watch.ts';
import {
  epochKey, epochOfKey, isLeading, nextLeaseAction, NO_LEASE_SEEN, NOT_HOLDING, parseLeaseValue, seeEntry,
  type LeaseSeen, type LeaseTiming, type LeaseValue, type OwnHold,
} from './lease-decision.ts';

export const LEASE_BUCKET = 'hallwatch-lease';
const WRONG_LAST_SEQUENCE = 10071;
/** Deletion markers of old epochs go with the bucket's max age; the live key is rewritten every 2 s. */
const BUCKET_MAX_AGE_MS = 86_400_000;
const STEP_MS = 250;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the lease needs of the cluster connection (a `ClusterLink`). */
export interface LeaseCluster {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

export interface LeaderLeaseConfig {
  serverName: string;
  replicas: number;
  timing: LeaseTiming;
  /** How long one write of the lease may wait for the cluster, ms (a stalled write is resolved by reading back). */
  writeTimeoutMs: number;
  /** The lease's bucket (server/cluster/pair-names.ts); LEASE_BUCKET when absent. */
  bucket?: string;
}

export interface LeaderLeaseDeps {
  cluster: LeaseCluster;
  log: Logger;
  /** Monotonic ms (performance.now): the wall clock plays no part. */
  now?: () => number;
  /** Told when this server starts or stops leading. */
  onRole?: (leading: boolean, epoch: number, reason: string) => void;
  /** Told how long each write of the lease took and whether the cluster confirmed it. */
  onWrite?: (ms: number, ok: boolean) => void;
  /** True while this server should leave the lead to the other (its telemetry stopped, the other's flows). */
  defer?: () => boolean;
}

type WriteOutcome = { ok: true; seq: number } | { ok: false; conflict: boolean; timedOut: boolean; reason: string };

export class LeaderLease {
  /** This process's ID in the lease: a restarted server is another instance. */
  readonly instance: string;
  private seen: LeaseSeen = NO_LEASE_SEEN;
  private own: OwnHold = NOT_HOLDING;
  private writing: Promise<void> | null = null;
  private writes = 0;
  private stopping = false;
  private wasLeading = false;
  /** After a take-over lost to another write, the next try waits until then (monotonic ms). */
  private acquireAfterMs = Number.NEGATIVE_INFINITY;
  /** Epochs ≤ N−2 still holding a value: deleted by the holder of N. */
  private readonly oldKeys = new Set<number>();
  private kv: KV | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopWatch: (() => void) | null = null;
  private readonly now: () => number;

  /** The lease's bucket, its stream and its subjects: the pair's own (a hall shard's), else LEASE_BUCKET. */
  private readonly names: { bucket: string; stream: string; subjectPrefix: string };

  constructor(private readonly cfg: LeaderLeaseConfig, private readonly deps: LeaderLeaseDeps) {
    const bucket = cfg.bucket ?? LEASE_BUCKET;
    this.names = { bucket, stream: `KV_${bucket}`, subjectPrefix: `$KV.${bucket}.` };
    this.now = deps.now ?? (() => performance.now());
    this.instance = `${cfg.serverName}/${Date.now()}/${randomBytes(4).toString('hex')}`;
  }

  /** Whether this server leads now: checked at the moment of acting, so a holder that was frozen past its lease does not act. */
  isLeader(): boolean {
    return !this.stopping && isLeading(this.own, this.seen, this.now(), this.cfg.timing);
  }

  /** The epoch this server leads in, else the newest one it has seen (0: none yet). */
  get epoch(): number {
    return this.isLeader() ? this.own.epoch : this.seen.epoch;
  }

  /** Who holds the newest epoch, as seen (`serverName/startedMs/random`; empty when none or let go). */
  get holder(): string {
    return this.seen.released ? '' : this.seen.holder;
  }

  async start(): Promise<void> {
    this.kv = await openBucket(this.deps.cluster, this.names.bucket, { replicas: this.cfg.replicas, history: 1, ttl: BUCKET_MAX_AGE_MS }, this.deps.log, () => this.stopping);
    const watch = keepWatching(this.kv, 'epoch.>', (e) => this.onEntry(e), { onTrouble: (m) => this.deps.log.warn(`cluster: lease: ${m}`) });
    this.stopWatch = watch.stop;
    await watch.started;
    if (this.stopping) return;
    this.timer = setInterval(() => this.step(), STEP_MS);
  }

  /** Stops leading at once, then lets the lease go so the other server takes over without waiting it out. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.report('stopping');
    await this.writing;
    await this.letGo();
    this.stopWatch?.();
  }

  /** Writes the released marker on its epoch, so the other server takes over without waiting the lease out. */
  private async letGo(): Promise<void> {
    const epoch = this.own.epoch;
    if (epoch > 0 && this.seen.epoch <= epoch) {
      const value: LeaseValue = { holder: this.instance, serverName: this.cfg.serverName, epoch, write: ++this.writes, released: true };
      const r = await this.write(epochKey(epoch), value, { lastSequence: this.own.lastSeq });
      this.deps.log.info(r.ok ? `cluster: let go of lease epoch ${epoch}` : `cluster: could not let go of lease epoch ${epoch} (${r.reason}); it runs out`);
    }
    this.own = NOT_HOLDING;
  }

  private onEntry(e: KvEntry): void {
    const epoch = epochOfKey(e.key);
    if (epoch === null) return;
    let value: LeaseValue | null = null;
    if (e.operation === 'PUT') {
      try {
        value = parseLeaseValue(JSON.parse(decoder.decode(e.value)));
      } catch (err) {
        this.deps.log.warn(`cluster: lease key ${e.key} unreadable (${(err as Error).message}); ignored`);
        this.seen = { ...this.seen, lastSeq: Math.max(this.seen.lastSeq, e.revision) };
        return;
      }
      this.oldKeys.add(epoch);
    } else {
      this.oldKeys.delete(epoch);
    }
    this.seen = seeEntry(this.seen, epoch, e.revision, value, this.now());
    this.step();
  }

  private step(): void {
    if (this.stopping || !this.kv) return;
    const now = this.now();
    const action = nextLeaseAction(this.own, this.seen, this.instance, now, this.writing !== null, this.cfg.timing, this.deps.defer?.() ?? false);
    if (action.do === 'step-down') {
      this.own = NOT_HOLDING;
      this.report(action.reason);
    } else if (action.do === 'hand-over') {
      // Not leading from now: the marker is on its way.
      const epoch = this.own.epoch;
      this.run(this.letGo());
      this.own = { ...this.own, confirmedSentMs: Number.NEGATIVE_INFINITY };
      this.report(`handing lease epoch ${epoch} over: ${action.reason}`);
    } else if (action.do === 'renew') {
      this.run(this.renew());
    } else if (action.do === 'acquire' && now >= this.acquireAfterMs) {
      this.run(this.acquire(action.epoch, action.afterSeq));
    } else if (this.own.epoch > 0 && !this.writing) {
      const old = [...this.oldKeys].find((n) => n <= this.own.epoch - 2);
      if (old !== undefined) this.run(this.deleteOld(old));
    }
    this.report(action.do === 'step-down' || action.do === 'hand-over' ? action.reason : 'lease renewed');
  }

  private run(work: Promise<void>): void {
    const w = work.catch((e: Error) => this.deps.log.error(`cluster: lease write failed: ${e.message}`)).finally(() => {
      if (this.writing === w) this.writing = null;
    });
    this.writing = w;
  }

  private async acquire(epoch: number, afterSeq: number): Promise<void> {
    const sentMs = this.now();
    const value: LeaseValue = { holder: this.instance, serverName: this.cfg.serverName, epoch, write: ++this.writes };
    const r = await this.confirmed(await this.write(epochKey(epoch), value, { lastSequence: afterSeq, lastSubjectSequence: 0 }), value);
    if (!r.ok) {
      this.deps.log.debug(`cluster: taking lease epoch ${epoch} after sequence ${afterSeq} failed (${r.reason})`);
      this.acquireAfterMs = this.now() + (r.conflict ? this.cfg.timing.renewEveryMs : 2 * STEP_MS);
      if (r.conflict) await this.recount();
      return;
    }
    // Held even when stopping meanwhile: stop() lets it go at once instead of leaving it to run out.
    this.own = { epoch, confirmedSentMs: sentMs, lastSeq: r.seq };
    this.seen = seeEntry(this.seen, epoch, r.seq, value, this.now());
    this.report(`took epoch ${epoch}`);
  }

  /**
   * After a take-over lost to a write this server has not seen (one on its way through the
   * watch, or messages the bucket's max age removed): it takes the bucket's last sequence as it
   * is now and, unless the lease was let go, counts the whole lease again from now, so a renewal
   * it never saw still holds.
   */
  private async recount(): Promise<void> {
    try {
      const lastSeq = (await this.deps.cluster.jsm.streams.info(this.names.stream)).state.last_seq;
      const open = this.seen.epoch === 0 || this.seen.released;
      this.seen = { ...this.seen, lastSeq: Math.max(this.seen.lastSeq, lastSeq), seenAtMs: open ? this.seen.seenAtMs : this.now() };
    } catch {
      // The cluster cannot answer: the next try finds out again.
    }
  }

  private async renew(): Promise<void> {
    const sentMs = this.now();
    const epoch = this.own.epoch;
    const value: LeaseValue = { holder: this.instance, serverName: this.cfg.serverName, epoch, write: ++this.writes };
    const r = await this.confirmed(await this.write(epochKey(epoch), value, { lastSequence: this.own.lastSeq }), value);
    // Stepped down while the write waited (a long stall) and nobody took over: the write still holds the lease from when it was sent.
    const stillOurs = this.own.epoch === epoch || (this.own.epoch === 0 && this.seen.epoch <= epoch && !this.stopping);
    if (!stillOurs) return;
    if (r.ok) {
      this.own = { epoch, confirmedSentMs: sentMs, lastSeq: r.seq };
      this.report('renewed after a stall');
    } else if (r.conflict) {
      // Another write came first: someone took the next epoch. Its entry reaches the watch too.
      this.own = NOT_HOLDING;
      this.report(`its renewal lost to another write (${r.reason})`);
    }
  }

  private async deleteOld(epoch: number): Promise<void> {
    const h = headers();
    h.set('KV-Operation', 'DEL');
    try {
      const ack = await this.deps.cluster.js.publish(this.names.subjectPrefix + epochKey(epoch), undefined, {
        headers: h, expect: { lastSequence: this.own.lastSeq }, timeout: this.cfg.writeTimeoutMs,
      });
      this.oldKeys.delete(epoch);
      if (this.own.epoch > 0) this.own = { ...this.own, lastSeq: ack.seq };
    } catch (e) {
      this.deps.log.debug(`cluster: old lease epoch ${epoch} not deleted yet (${(e as Error).message})`);
    }
  }

  private async write(key: string, value: LeaseValue, expect: { lastSequence: number; lastSubjectSequence?: number }): Promise<WriteOutcome> {
    const t0 = this.now();
    try {
      const ack = await this.deps.cluster.js.publish(this.names.subjectPrefix + key, encoder.encode(JSON.stringify(value)), { expect, timeout: this.cfg.writeTimeoutMs });
      this.deps.onWrite?.(this.now() - t0, true);
      return { ok: true, seq: ack.seq };
    } catch (e) {
      this.deps.onWrite?.(this.now() - t0, false);
      const conflict = (e as { api_error?: { err_code?: number } }).api_error?.err_code === WRONG_LAST_SEQUENCE;
      return { ok: false, conflict, timedOut: (e as { code?: string }).code === 'TIMEOUT', reason: (e as Error).message };
    }
  }

  /**
   * A write whose answer was lost (a timeout while the stream elected a leader, or a conflict
   * with itself) may still have been stored: it counts when it is the bucket's last message.
   */
  private async confirmed(r: WriteOutcome, value: LeaseValue): Promise<WriteOutcome> {
    // Refused outright (no stream answered, a bad request): it was not stored.
    if (r.ok || (!r.conflict && !r.timedOut)) return r;
    try {
      const lastSeq = (await this.deps.cluster.jsm.streams.info(this.names.stream)).state.last_seq;
      if (lastSeq === 0) return r;
      const m = await this.deps.cluster.jsm.streams.getMessage(this.names.stream, { seq: lastSeq });
      const stored = m.subject === this.names.subjectPrefix + epochKey(value.epoch) ? parseLeaseValue(JSON.parse(decoder.decode(m.data))) : null;
      if (stored && stored.holder === value.holder && stored.write === value.write) return { ok: true, seq: lastSeq };
    } catch {
      // The cluster cannot answer either: the write did not count.
    }
    return r;
  }

  private report(reason: string): void {
    const leading = this.isLeader();
    if (leading === this.wasLeading) return;
    this.wasLeading = leading;
    const epoch = leading ? this.own.epoch : this.seen.epoch;
    this.deps.log.info(leading ? `cluster: leading (lease epoch ${epoch})` : `cluster: standing by (${reason})`);
    this.deps.onRole?.(leading, epoch, reason);
  }
}
