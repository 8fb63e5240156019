/**
 * The hub's own incidents of a site (docs/multi-site.md): one per hall shard that stopped beating
 * while the rest of its site beats over the leaf connection. The hub sees that on its own clock;
 * the site's campus view pages it, the hub shows it beside the shards' incidents so that a fleet
 * operator sees the dead shard, and keeps who acknowledged it there. A site that is silent as a
 * whole raises none: its card is stale with the reason instead; nor does a shard whose halls all
 * beat from other shards now (resharded). Pure.
 */
import type { Acknowledgement, IncidentView, Silence } from '../../protocol/alerts.ts';
import type { ShardBeat } from '../../protocol/campus.ts';
import type { SiteStatus } from '../cluster/fleet-watch.ts';
import { campusSilence, unreachableIncident } from './campus-alerts.ts';

export function silentShardIncidents(
  status: SiteStatus,
  beats: ReadonlyMap<string, ShardBeat>,
  silences: readonly Silence[],
  acks: ReadonlyMap<string, Acknowledgement>,
  staleAfterMs: number,
  nowMs: number,
): IncidentView[] {
  if (status.state !== 'live') return [];
  // A shard whose halls all went to live shards was resharded away, not lost.
  const held = new Set(status.shards.filter((s) => s.state === 'live').flatMap((s) => s.hallIds));
  return status.shards.flatMap((s) => {
    const beat = beats.get(s.shardId);
    if (s.state !== 'stale' || !beat || s.hallIds.every((h) => held.has(h))) return [];
    const i = unreachableIncident({ beat, lastBeatMs: s.lastBeatMs, unreachableSinceMs: s.lastBeatMs + staleAfterMs }, (id) => id);
    return [{ ...i, acknowledged: acks.get(i.id) ?? null, silencedBy: campusSilence(beat.shard, beat.halls, silences, nowMs)?.id ?? null }];
  });
}
