/**
 * Membership: every server writes its key in the `hallwatch-members` bucket every 2 s (its name,
 * whether it leads, the lease epoch, when it started); the bucket's max age drops the key of a
 * server that stopped writing. Members seen are the keys rewritten within that age, counted on
 * this server's own monotonic clock from when each write was seen (an expired key sends no
 * event to a watch).
 */
import type { KV, KvEntry } from 'nats';
import type { Logger } from '../logger.ts';
import type { LeaseCluster } from './leader-lease.ts';
import { openBucket } from './open-bucket.ts';
import { keepWatching } from '../storage/kv-watch.ts';

export const MEMBERS_BUCKET = 'hallwatch-members';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One server's heartbeat. */
export interface MemberHeartbeat {
  serverName: string;
  leader: boolean;
  epoch: number;
  /** Its telemetry flows (it sees the site); absent from servers before it was sent. */
  fit?: boolean;
  /** Identifies the site file the server runs (servers with different sites refuse to pair). */
  siteFingerprint?: string;
  /** Wall-clock start of the server, ms (shown, never compared). */
  startedMs: number;
}

export interface MembersConfig {
  serverName: string;
  replicas: number;
  /** How often this server writes its key, ms (2000). */
  everyMs: number;
  /** A key not rewritten for this long is gone (the bucket's max age), ms (15000). */
  maxAgeMs: number;
  /** The membership bucket (server/cluster/pair-names.ts); MEMBERS_BUCKET when absent. */
  bucket?: string;
}

export interface MembersDeps {
  cluster: LeaseCluster;
  log: Logger;
  /** This server's heartbeat as of now. */
  heartbeat: () => MemberHeartbeat;
  now?: () => number;
}

/** KV keys allow `[-_=A-Za-z0-9]` tokens: `host:8080` → `host_8080`. */
export function memberKey(serverName: string): string {
  return serverName.replace(/[^-_=A-Za-z0-9]/g, '_') || '_';
}

export class Members {
  private kv: KV | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopWatch: (() => void) | null = null;
  /** Heartbeats by key, with the monotonic time each was seen. */
  private readonly seenByKey = new Map<string, { beat: MemberHeartbeat; seenMs: number; revision: number }>();
  private failing = false;
  private stopped = false;
  private readonly now: () => number;

  /** When the cluster last stored this server's heartbeat (a write that needs its quorum), monotonic ms. */
  private storedAtMs = 0;

  constructor(private readonly cfg: MembersConfig, private readonly deps: MembersDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  /** How long the cluster has not stored this server's heartbeat, ms: long past the lease, it has no quorum or is out of reach. */
  silentForMs(): number {
    return this.now() - this.storedAtMs;
  }

  /** The servers heard from within the max age, this one included once it has written. */
  current(): MemberHeartbeat[] {
    const now = this.now();
    return [...this.seenByKey.values()].filter((m) => now - m.seenMs < this.cfg.maxAgeMs).map((m) => m.beat);
  }

  async start(): Promise<void> {
    this.storedAtMs = this.now();
    this.kv = await openBucket(this.deps.cluster, this.cfg.bucket ?? MEMBERS_BUCKET, { replicas: this.cfg.replicas, history: 1, ttl: this.cfg.maxAgeMs }, this.deps.log, () => this.stopped);
    const watch = keepWatching(this.kv, '>', (e) => this.onEntry(e), { onTrouble: (m) => this.deps.log.warn(`cluster: members: ${m}`) });
    this.stopWatch = watch.stop;
    await watch.started;
    if (this.stopped) return;
    this.timer = setInterval(() => void this.beat(), this.cfg.everyMs);
    await this.beat();
  }

  /** Removes this server's key so the other sees it leave at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopWatch?.();
    await this.kv?.delete(memberKey(this.cfg.serverName)).catch(() => undefined);
  }

  private onEntry(e: KvEntry): void {
    // A restarted watch delivers each key's last value again: not a new heartbeat.
    if (e.revision <= (this.seenByKey.get(e.key)?.revision ?? 0)) return;
    if (e.operation !== 'PUT') {
      this.seenByKey.delete(e.key);
      return;
    }
    try {
      const beat = JSON.parse(decoder.decode(e.value)) as MemberHeartbeat;
      if (typeof beat?.serverName !== 'string') throw new Error('serverName must be a string');
      this.seenByKey.set(e.key, { beat, seenMs: this.now(), revision: e.revision });
    } catch (err) {
      this.deps.log.warn(`cluster: member key ${e.key} unreadable (${(err as Error).message}); ignored`);
    }
  }

  private async beat(): Promise<void> {
    if (!this.kv) return;
    try {
      await this.kv.put(memberKey(this.cfg.serverName), encoder.encode(JSON.stringify(this.deps.heartbeat())));
      this.storedAtMs = Math.max(this.storedAtMs, this.now());
      if (this.failing) this.deps.log.info('cluster: membership heartbeat written again');
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.deps.log.warn(`cluster: membership heartbeat not written (${(e as Error).message}); retrying`);
      this.failing = true;
    }
  }
}
