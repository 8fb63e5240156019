/**
 * A hall shard's hold on its halls: one key per hall in the `hallwatch-halls` bucket of the NATS
 * cluster, renewed every few seconds and gone after `ttlMs` without renewal (the bucket's max
 * age). A shard starting on a hall another live shard holds is refused, naming it. Both servers
 * of a shard's pair hold the same halls under the same shard ID. The constructor does no I/O.
 */
import type { KV } from 'nats';
import type { Logger } from '../logger.ts';
import { openBucket } from '../cluster/open-bucket.ts';
import type { LeaseCluster } from '../cluster/leader-lease.ts';
import { hallToken } from '../../protocol/campus-subjects.ts';

export const HALLS_BUCKET = 'hallwatch-halls';

export interface HallClaim {
  shard: string;
  serverName: string;
  renewedMs: number;
}

/** Thrown when another live shard holds one of the halls: starting again will not help until it stops. */
export class HallTaken extends Error {}

export interface HallClaimsConfig {
  shard: string;
  halls: string[];
  serverName: string;
  replicas: number;
  ttlMs: number;
  renewMs: number;
}

/** The hall's key in the bucket, one per hall ID ("h.1" and "h-1" are two halls). */
export function hallClaimKey(hallId: string): string {
  return `hall.${hallToken(hallId)}`;
}

/** Why `mine` may not take a hall `held` holds, or null when it may. */
export function claimRefusal(hallId: string, mine: HallClaim, held: HallClaim | null, nowMs: number): string | null {
  if (!held || held.shard === mine.shard) return null;
  const ageS = Math.max(0, Math.round((nowMs - held.renewedMs) / 1000));
  return `hall ${hallId} is held by live shard ${held.shard} (server ${held.serverName}, renewed ${ageS} s ago): ` +
    `stop that shard, or start this one with other halls`;
}

export class HallClaims {
  private kv: KV | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  renewFailures = 0;

  constructor(
    private readonly cfg: HallClaimsConfig,
    private readonly d: { cluster: LeaseCluster; log: Logger; clock: () => number },
  ) {}

  private mine(): HallClaim {
    return { shard: this.cfg.shard, serverName: this.cfg.serverName, renewedMs: this.d.clock() };
  }

  private async held(kv: KV, hallId: string): Promise<HallClaim | null> {
    const e = await kv.get(hallClaimKey(hallId));
    if (!e || e.operation !== 'PUT' || e.length === 0) return null;
    return e.json<HallClaim>();
  }

  /** Takes every hall, or throws HallTaken naming the shard holding one. */
  async start(): Promise<void> {
    const kv = await openBucket(this.d.cluster, HALLS_BUCKET, { replicas: this.cfg.replicas, history: 1, ttl: this.cfg.ttlMs }, this.d.log, () => this.stopped);
    this.kv = kv;
    for (const hallId of this.cfg.halls) {
      const why = claimRefusal(hallId, this.mine(), await this.held(kv, hallId), this.d.clock());
      if (why) throw new HallTaken(why);
    }
    for (const hallId of this.cfg.halls) {
      try {
        await kv.create(hallClaimKey(hallId), JSON.stringify(this.mine()));
      } catch {
        // Another server created it meanwhile: the same shard (its pair) may go on, another may not.
        const why = claimRefusal(hallId, this.mine(), await this.held(kv, hallId), this.d.clock());
        if (why) throw new HallTaken(why);
        await kv.put(hallClaimKey(hallId), JSON.stringify(this.mine()));
      }
    }
    this.timer = setInterval(() => void this.renew(), this.cfg.renewMs);
  }

  private async renew(): Promise<void> {
    const kv = this.kv;
    if (!kv || this.stopped) return;
    for (const hallId of this.cfg.halls) {
      try {
        const held = await this.held(kv, hallId);
        const why = claimRefusal(hallId, this.mine(), held, this.d.clock());
        if (why) {
          this.d.log.error(`campus: ${why}; this shard keeps running, but the campus view takes the other`);
          continue;
        }
        await kv.put(hallClaimKey(hallId), JSON.stringify(this.mine()));
      } catch (e) {
        if (this.renewFailures++ % 10 === 0) this.d.log.warn(`campus: cannot renew the hold on hall ${hallId}: ${(e as Error).message}`);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
