/**
 * What the campus view knows of each hall shard: its beat, where its rows go in the campus's
 * site (by rack and CDU ID: the shard's site is the campus's with only its halls), its alerts, and
 * whether it is reachable. Pure: fed beats and frames with the time they arrived.
 */
import type { AlertsSnapshot } from '../../protocol/alerts.ts';
import type { CampusHall, ShardBeat } from '../../protocol/campus.ts';
import { buildSiteIndex, type SiteIndex } from '../site/site-index.ts';
import { siteOfHalls } from '../site/sub-site.ts';

export interface ShardLink {
  beat: ShardBeat;
  /** Campus index of each of the shard's racks and CDUs (by the shard's own index). */
  rackMap: Int32Array;
  cduMap: Int32Array;
  lastBeatMs: number;
  alerts: AlertsSnapshot | null;
  /** When it stopped beating (NaN while it beats). */
  unreachableSinceMs: number;
}

/** The time of day a reason names, UTC. */
function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

export class ShardLinks {
  readonly shards = new Map<string, ShardLink>();
  /** Why a shard's beat was refused, by shard (logged once each). */
  readonly refused = new Map<string, string>();
  private readonly startedMs: number;

  constructor(
    private readonly site: SiteIndex,
    private readonly siteSha256: string,
    /** A shard silent for this long is unreachable (the stale threshold), ms. */
    private readonly staleAfterMs: number,
    startedMs: number,
  ) {
    this.startedMs = startedMs;
  }

  /** Takes a beat; returns why it is refused (another site, unknown halls, a hall held by another live shard), else null. */
  beat(b: ShardBeat, nowMs: number): string | null {
    const why = this.refusal(b, nowMs);
    if (why) {
      this.refused.set(b.shard, why);
      return why;
    }
    this.refused.delete(b.shard);
    const known = this.shards.get(b.shard);
    if (known && known.beat.halls.join() === b.halls.join()) {
      known.beat = b;
      known.lastBeatMs = nowMs;
      known.unreachableSinceMs = Number.NaN;
      return null;
    }
    const halls = siteOfHalls(this.site.spec, b.halls);
    if (!halls.ok) return halls.message;
    const sub = buildSiteIndex(halls.value);
    const rackMap = Int32Array.from(sub.racks, (r) => this.site.rackIndexById.get(r.id) ?? -1);
    const cduMap = Int32Array.from(sub.cdus, (c) => this.site.cduIndexById.get(c.id) ?? -1);
    this.shards.set(b.shard, { beat: b, rackMap, cduMap, lastBeatMs: nowMs, alerts: known?.alerts ?? null, unreachableSinceMs: Number.NaN });
    this.forgetSuperseded(nowMs);
    return null;
  }

  /** Forgets unreachable shards whose every hall live shards now hold (after a reshard): their halls are live, their incident over. */
  private forgetSuperseded(nowMs: number): void {
    const live = [...this.shards.values()].filter((s) => this.reachable(s, nowMs));
    for (const [id, s] of this.shards) {
      if (this.reachable(s, nowMs)) continue;
      if (s.beat.halls.every((h) => live.some((o) => o.beat.halls.includes(h)))) this.shards.delete(id);
    }
  }

  private refusal(b: ShardBeat, nowMs: number): string | null {
    const who = `shard ${b.shard} (server ${b.serverName})`;
    if (b.siteSha256 !== this.siteSha256) {
      return `${who} runs another site file (sha256 ${b.siteSha256.slice(0, 12)}…, this campus view's is ${this.siteSha256.slice(0, 12)}…): ignored until both load the same file`;
    }
    const sub = siteOfHalls(this.site.spec, b.halls);
    if (!sub.ok) return `${who}: ${sub.message}`;
    for (const [id, other] of this.shards) {
      if (id === b.shard || this.reachable(other, nowMs) === false) continue;
      const shared = b.halls.find((h) => other.beat.halls.includes(h));
      if (shared) return `${who} claims hall ${shared}, held by live shard ${id} (server ${other.beat.serverName}): ignored`;
    }
    return null;
  }

  /** The link of a frame's shard, when its beat was taken. */
  link(shard: string): ShardLink | undefined {
    return this.shards.get(shard);
  }

  private reachable(s: ShardLink, nowMs: number): boolean {
    return nowMs - s.lastBeatMs <= this.staleAfterMs;
  }

  /** Marks shards silent past the threshold unreachable; returns those that just turned so. */
  refresh(nowMs: number): ShardLink[] {
    const turned: ShardLink[] = [];
    for (const s of this.shards.values()) {
      if (this.reachable(s, nowMs) || !Number.isNaN(s.unreachableSinceMs)) continue;
      s.unreachableSinceMs = s.lastBeatMs + this.staleAfterMs;
      turned.push(s);
    }
    return turned;
  }

  /** Every hall of the site as the campus sees it, in site order. */
  halls(nowMs: number): CampusHall[] {
    const holder = new Map<string, ShardLink>();
    for (const s of this.shards.values()) for (const h of s.beat.halls) {
      const prev = holder.get(h);
      if (!prev || s.lastBeatMs > prev.lastBeatMs) holder.set(h, s);
    }
    return this.site.view.halls.map((h): CampusHall => {
      const s = holder.get(h.id);
      if (!s) {
        return { hallId: h.id, shard: null, serverName: null, status: 'missing', sinceMs: this.startedMs, reason: `${h.name}: no hall shard holds it (none has been heard since ${clockTime(this.startedMs)})` };
      }
      const base = { hallId: h.id, shard: s.beat.shard, serverName: s.beat.serverName };
      if (this.reachable(s, nowMs)) return { ...base, status: 'live', sinceMs: null, reason: '' };
      const sinceMs = s.lastBeatMs + this.staleAfterMs;
      return { ...base, status: 'unreachable', sinceMs, reason: `${h.name}: its server ${s.beat.serverName} is unreachable since ${clockTime(sinceMs)}` };
    });
  }
}
