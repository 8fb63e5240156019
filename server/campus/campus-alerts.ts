/**
 * The campus view's alerts: every hall shard's open incidents, alerts, silences and history in
 * one list, plus one campus-scope incident per shard that stopped beating. Acknowledgements go
 * to the shard that holds the incident; a silence to every shard (each mutes its own incidents;
 * the campus view mutes a shard's campus incident with a silence of the shard or of its halls).
 */
import type { NatsConnection } from 'nats';
import { addSilenceOnShards, askShard, removeSilenceOnShards } from './shard-asks.ts';
import type { AlertsSnapshot, IncidentView, ResolvedIncident, Silence } from '../../protocol/alerts.ts';
import type { ShardAnswer, ShardRequestBody } from '../../protocol/campus.ts';
import type { ShardRequest } from '../../protocol/campus-subjects.ts';
import type { AlertDesk } from '../alerts/alert-desk.ts';
import type { NewSilence } from '../alerts/silence-book.ts';
import { silenceActive } from '../alerts/silences.ts';
import type { ShardLink, ShardLinks } from './shard-links.ts';
import type { CampusAcks } from './campus-acks.ts';

export interface CampusAlertsDeps {
  connection: () => NatsConnection;
  links: ShardLinks;
  siteKey: string;
  clock: () => number;
  requestTimeoutMs: number;
  /** The campus-scope incidents' acknowledgements (campus-acks.ts). */
  acks: Pick<CampusAcks, 'of' | 'acknowledge'>;
}

/**
 * The campus-scope incident of a shard that stopped beating. Its ID names the shard and the send
 * time of its last beat (the shard's clock): each campus view of a pair, and a hub, gives the same
 * outage the same ID, so a new leader's page of it is dropped by the notification stream.
 */
export function unreachableIncident(s: Pick<ShardLink, 'beat' | 'lastBeatMs' | 'unreachableSinceMs'>, hallNames: (id: string) => string): IncidentView {
  const halls = s.beat.halls.map(hallNames).join(', ');
  const why = `no word from server ${s.beat.serverName} since ${new Date(s.lastBeatMs).toISOString().slice(11, 19)}: its halls' live values are stale`;
  const alert = {
    rule: 'shard-unreachable', severity: 'critical' as const, entity: `shard:${s.beat.shard}`, summary: `${halls}: hall shard unreachable`,
    value: Number.NaN, phase: 'firing' as const, firedAtMs: s.unreachableSinceMs, acknowledged: false,
  };
  return {
    id: `shard:${s.beat.shard}@${s.beat.sentMs}`, severity: 'critical', title: `${halls}: hall shard ${s.beat.shard} unreachable`,
    startedMs: s.unreachableSinceMs, scope: s.beat.halls.length === 1 ? `hall:${s.beat.halls[0]}` : 'site:site',
    hallId: s.beat.halls.length === 1 ? s.beat.halls[0] : null, racks: [], roots: [alert], children: [],
    rootCause: { entity: `shard:${s.beat.shard}`, why },
    action: `check server ${s.beat.serverName} and its connection to the NATS cluster; the other halls are not affected`,
    acknowledged: null, silencedBy: null,
  };
}

/**
 * The silence that mutes a shard's campus-scope incident at `nowMs`, active now: one of the shard
 * (`shard:hall-3`), else one of its halls (`hall:hall-3`) when every hall of the shard has one —
 * the outage of a shard whose other hall is not in maintenance still pages.
 */
export function campusSilence(shard: string, halls: readonly string[], silences: readonly Silence[], nowMs: number): Silence | null {
  const active = silences.filter((x) => silenceActive(x, nowMs));
  const own = active.find((x) => x.matcher === `shard:${shard}`);
  if (own) return own;
  const perHall = halls.map((h) => active.find((x) => x.matcher === `hall:${h}`));
  return perHall.length > 0 && perHall.every((x) => x !== undefined) ? perHall[0]! : null;
}

export class CampusAlerts implements AlertDesk {
  constructor(private readonly d: CampusAlertsDeps, private readonly hallName: (id: string) => string) {}

  /** The campus-scope incidents open now: one per shard that stopped beating. */
  campusIncidents(): IncidentView[] {
    const out: IncidentView[] = [];
    const nowMs = this.d.clock();
    // Those of reachable shards: an unreachable one's last word may list a silence removed since.
    const reachable = this.reachable().filter(([, x]) => x.alerts);
    const silences = reachable.length > 0 ? reachable.flatMap(([, x]) => x.alerts!.silences) : this.silences();
    for (const s of this.d.links.shards.values()) {
      if (Number.isNaN(s.unreachableSinceMs)) continue;
      const i = unreachableIncident(s, this.hallName);
      out.push({ ...i, acknowledged: this.d.acks.of(i.id), silencedBy: campusSilence(s.beat.shard, s.beat.halls, silences, nowMs)?.id ?? null });
    }
    return out;
  }

  /** The shards that beat now, by ID. */
  private reachable(): [string, ShardLink][] {
    return [...this.d.links.shards.entries()].filter(([, x]) => Number.isNaN(x.unreachableSinceMs));
  }

  private shardAlerts(): AlertsSnapshot[] {
    return [...this.d.links.shards.values()].map((s) => s.alerts).filter((a): a is AlertsSnapshot => a !== null);
  }

  /** Every silence the shards hold, once: a silence of a hall mutes its shard's campus incident too. */
  private silences(): AlertsSnapshot['silences'] {
    return this.shardAlerts().flatMap((a) => a.silences).filter((s, k, all) => all.findIndex((x) => x.id === s.id) === k);
  }

  snapshot(includeHistory = false): AlertsSnapshot {
    const shards = this.shardAlerts();
    const out: AlertsSnapshot = {
      nowMs: this.d.clock(),
      incidents: [...this.campusIncidents(), ...shards.flatMap((a) => a.incidents)],
      alerts: shards.flatMap((a) => a.alerts),
      silences: this.silences(),
    };
    if (includeHistory) out.history = this.history();
    return out;
  }

  history(): ResolvedIncident[] {
    const all = [...this.d.links.shards.values()].flatMap((s) => s.alerts?.history ?? []);
    return all.sort((a, b) => b.resolvedMs - a.resolvedMs);
  }

  private ask(shard: string, req: ShardRequest, body: ShardRequestBody): Promise<ShardAnswer> {
    return askShard(this.d.connection(), this.d.siteKey, shard, req, body, this.d.requestTimeoutMs);
  }

  async acknowledge(incidentId: string, by: string, comment: string): Promise<string | null> {
    if (this.campusIncidents().some((i) => i.id === incidentId)) {
      // A store error (409 another view acknowledged it, 503 the cluster cannot store it) is answered as for a shard's.
      await this.d.acks.acknowledge(incidentId, { by, atMs: this.d.clock(), comment });
      return null;
    }
    const holder = [...this.d.links.shards.entries()].find(([, s]) => s.alerts?.incidents.some((i) => i.id === incidentId));
    if (!holder) return `no open incident "${incidentId}" on any hall shard`;
    try {
      const a = await this.ask(holder[0], 'ack', { req: 'ack', incidentId, by, comment });
      return a.status === 200 ? null : String((a.body as { error?: string }).error ?? `shard ${holder[0]} answered ${a.status}`);
    } catch (e) {
      return `hall shard ${holder[0]} did not answer (${(e as Error).message}); try again`;
    }
  }

  /** Stored by every shard under one ID, so that the campus lists it once and removes it everywhere. */
  addSilence(s: NewSilence): Promise<Silence> {
    // An unreachable shard would only make the others wait out the request timeout.
    const reachable = this.reachable().map(([k]) => k);
    const to = reachable.length > 0 ? reachable : [...this.d.links.shards.keys()];
    return addSilenceOnShards(to, (shard, body) => this.ask(shard, 'silence', body), s, this.d.clock());
  }

  removeSilence(id: string, by: string): Promise<boolean> {
    const holders = [...this.d.links.shards.entries()].filter(([, s]) => s.alerts?.silences.some((x) => x.id === id)).map(([k]) => k);
    return removeSilenceOnShards(holders, (shard, body) => this.ask(shard, 'silence', body), id, by);
  }
}
