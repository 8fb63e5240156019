/**
 * What the hub knows of each site (docs/multi-site.md): fed every shard beat that arrives over
 * the leaf connections, it answers per site whether it is live or stale, since when and why, the
 * halls it reported and its last beat. Staleness is judged on the hub's own receive clock, never
 * on a site's `sentMs` (a site's clock may be off; the lag is reported, not trusted). Pure: the
 * caller passes the time, so a table of cases drives it without sockets or timers.
 */

/** One beat of one hall shard, as the hub received it. */
export interface ShardBeatSeen {
  siteKey: string;
  shardId: string;
  hallIds: readonly string[];
  /** The shard's clock when it sent the beat, ms since epoch. */
  sentMs: number;
  /** The hub's clock when the beat arrived, ms since epoch. */
  receivedMs: number;
}

export type FleetState = 'live' | 'stale';

export interface ShardStatus {
  shardId: string;
  state: FleetState;
  /** live: since its first beat after a silence; stale: since its last beat (when silence began). */
  sinceMs: number;
  hallIds: string[];
  lastBeatMs: number;
}

export interface SiteStatus {
  siteKey: string;
  /** stale when no shard of the site beat within the threshold (or none ever did). */
  state: FleetState;
  /** live: since the site last came back; stale: since its last beat, or since watching began if it never beat. */
  sinceMs: number;
  /** Why it is stale, or which shards are silent while the site beats; absent when all is well. */
  reason?: string;
  /** Every hall its shards reported in their last beats, sorted. */
  hallIds: string[];
  /** Hub receive time of its newest beat; undefined if it never beat. */
  lastBeatMs?: number;
  /** receivedMs − sentMs of that beat: transit plus clock offset, ms. */
  lastBeatLagMs?: number;
  shards: ShardStatus[];
}

/** A site whose state differs from what the previous `changes()` call reported. */
export interface SiteChanged {
  /** undefined: the site was not reported before. */
  from?: FleetState;
  status: SiteStatus;
}

export interface FleetWatchConfig {
  /** A site or shard without a beat for longer than this is stale, ms. */
  staleAfterMs: number;
  /** Sites expected before they ever beat (reported stale until they do). */
  expectedSiteKeys?: readonly string[];
  /** When watching began (the "since" of an expected site that never beat), ms since epoch. */
  startedMs: number;
}

interface ShardSeen {
  hallIds: string[];
  lastBeatMs: number;
  lastLagMs: number;
  /** Receive time of the first beat of the current run without a silence longer than the threshold. */
  runStartMs: number;
}

/** `14:02:05 UTC` */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

export class FleetWatch {
  private readonly shardsBySite = new Map<string, Map<string, ShardSeen>>();
  private readonly reportedStateBySite = new Map<string, FleetState>();

  constructor(private readonly cfg: FleetWatchConfig) {
    if (!(cfg.staleAfterMs > 0)) throw new Error(`staleAfterMs must be positive (got ${cfg.staleAfterMs})`);
    for (const key of cfg.expectedSiteKeys ?? []) this.shardsBySite.set(key, new Map());
  }

  /** Records a beat; one older than the shard's newest is ignored (beats can arrive out of order after a reconnect). */
  beatArrived(b: ShardBeatSeen): void {
    let shards = this.shardsBySite.get(b.siteKey);
    if (!shards) this.shardsBySite.set(b.siteKey, (shards = new Map()));
    const seen = shards.get(b.shardId);
    if (seen && b.receivedMs < seen.lastBeatMs) return;
    const silenceEnded = !seen || b.receivedMs - seen.lastBeatMs > this.cfg.staleAfterMs;
    shards.set(b.shardId, {
      hallIds: [...b.hallIds].sort(),
      lastBeatMs: b.receivedMs,
      lastLagMs: b.receivedMs - b.sentMs,
      runStartMs: silenceEnded ? b.receivedMs : seen.runStartMs,
    });
  }

  /** Every site known (expected or seen), sorted by key, as of `nowMs`. */
  sites(nowMs: number): SiteStatus[] {
    return [...this.shardsBySite.keys()].sort().map((k) => this.site(k, nowMs)!);
  }

  /**
   * The sites whose state changed since the previous call (every site on the first): what a
   * caller's tick logs or pushes ("site north went stale: …") without diffing the whole fleet.
   */
  changes(nowMs: number): SiteChanged[] {
    const changed: SiteChanged[] = [];
    for (const status of this.sites(nowMs)) {
      const from = this.reportedStateBySite.get(status.siteKey);
      if (from === status.state) continue;
      this.reportedStateBySite.set(status.siteKey, status.state);
      changed.push({ from, status });
    }
    return changed;
  }

  /** One site as of `nowMs`; undefined if it was neither expected nor ever beat. */
  site(siteKey: string, nowMs: number): SiteStatus | undefined {
    const seenById = this.shardsBySite.get(siteKey);
    if (!seenById) return undefined;
    const shards = [...seenById].sort(([a], [b]) => a.localeCompare(b)).map(([shardId, s]): ShardStatus => {
      const live = nowMs - s.lastBeatMs <= this.cfg.staleAfterMs;
      return { shardId, state: live ? 'live' : 'stale', sinceMs: live ? s.runStartMs : s.lastBeatMs, hallIds: s.hallIds, lastBeatMs: s.lastBeatMs };
    });
    const hallIds = [...new Set(shards.flatMap((s) => s.hallIds))].sort();
    const newest = [...seenById.values()].reduce<ShardSeen | undefined>((n, s) => (!n || s.lastBeatMs > n.lastBeatMs ? s : n), undefined);
    if (!newest) {
      return { siteKey, state: 'stale', sinceMs: this.cfg.startedMs, reason: `no beat from site ${siteKey} yet (watching since ${clock(this.cfg.startedMs)})`, hallIds, shards };
    }
    const base = { siteKey, hallIds, lastBeatMs: newest.lastBeatMs, lastBeatLagMs: newest.lastLagMs, shards };
    const live = shards.filter((s) => s.state === 'live');
    if (live.length === 0) {
      return {
        ...base, state: 'stale', sinceMs: newest.lastBeatMs,
        reason: `no beat from site ${siteKey} since ${clock(newest.lastBeatMs)} — its leaf connection or its shards are down`,
      };
    }
    const silent = shards.filter((s) => s.state === 'stale');
    return {
      ...base, state: 'live', sinceMs: Math.min(...live.map((s) => s.sinceMs)),
      ...(silent.length > 0 && {
        reason: silent.map((s) => `shard ${s.shardId} (${s.hallIds.join(', ')}) silent since ${clock(s.lastBeatMs)}`).join('; ') + ` while site ${siteKey} beats`,
      }),
    };
  }
}
