/**
 * The fleet view's intake on a hub (docs/multi-site.md): every site's shard beats and alerts, as
 * they cross the leaf connections, into FleetWatch and the sites' open incidents. Only derived
 * subjects reach a hub; raw telemetry stays in each site. An acknowledgement made on the hub goes
 * down the site's leaf connection to the shard holding the incident, a silence to every shard of
 * the site. The constructor does no I/O.
 */
import type { NatsConnection, Subscription } from 'nats';
import { readJsonMessage } from './json-message.ts';
import { parseShardBeat, type ShardAnswer, type ShardBeat, type ShardRequestBody } from '../../protocol/campus.ts';
import { CAMPUS_PREFIX } from '../../protocol/campus-subjects.ts';
import type { Acknowledgement, AlertsSnapshot, IncidentView, Silence } from '../../protocol/alerts.ts';
import type { FleetSite, FleetView } from '../../protocol/fleet.ts';
import { FleetWatch } from '../cluster/fleet-watch.ts';
import type { Logger } from '../logger.ts';
import type { FleetDesk, FleetRefusal } from '../http/fleet-routes.ts';
import type { NewSilence } from '../alerts/silence-book.ts';
import { addSilenceOnShards, askShard, removeSilenceOnShards } from './shard-asks.ts';
import { silentShardIncidents } from './fleet-incidents.ts';

/** How long an acknowledgement of a hub incident no longer open is kept, ms. */
const HUB_ACK_KEEP_MS = 3_600_000;

/** How long the hub waits for a site's shard to answer a request (one round trip over the leaf). */
const REQUEST_TIMEOUT_MS = 5000;

/** Site and shard of `hallwatch.campus.{site}.shard.{shard}.{topic}`. */
function placeOf(subject: string): { site: string; shard: string } {
  const p = subject.split('.');
  return { site: p[2], shard: p[4] };
}

export class FleetFeed implements FleetDesk {
  readonly watch: FleetWatch;
  private readonly beats = new Map<string, Map<string, ShardBeat>>();
  private readonly alerts = new Map<string, Map<string, AlertsSnapshot>>();
  /** Acknowledgements of the hub's own incidents (a silent shard's), by incident ID. */
  private readonly localAcks = new Map<string, Acknowledgement>();
  private subs: Subscription[] = [];
  rejected = 0;

  constructor(
    private readonly d: { connection: () => NatsConnection; log: Logger; clock: () => number },
    private readonly staleAfterMs: number,
  ) {
    this.watch = new FleetWatch({ staleAfterMs, startedMs: d.clock() });
  }

  async start(): Promise<void> {
    const nc = this.d.connection();
    const on = (topic: 'beat' | 'alerts', take: (site: string, shard: string, body: unknown) => void) => {
      this.subs.push(nc.subscribe(`${CAMPUS_PREFIX}.*.shard.*.${topic}`, {
        callback: (err, msg) => {
          if (err) return;
          const { site, shard } = placeOf(msg.subject);
          try {
            take(site, shard, readJsonMessage(msg));
          } catch (e) {
            if (this.rejected++ % 100 === 0) this.d.log.warn(`fleet: ${msg.subject}: ${(e as Error).message}`);
          }
        },
      }));
    };
    on('beat', (site, shard, body) => {
      const b = parseShardBeat(body);
      if (!b.ok) throw new Error(b.message);
      const nowMs = this.d.clock();
      this.watch.beatArrived({ siteKey: site, shardId: shard, hallIds: b.value.halls, sentMs: b.value.sentMs, receivedMs: nowMs });
      this.of(this.beats, site).set(shard, b.value);
    });
    on('alerts', (site, shard, body) => {
      const a = body as AlertsSnapshot;
      if (!Array.isArray(a?.incidents)) throw new Error('alerts: incidents array expected');
      this.of(this.alerts, site).set(shard, a);
    });
  }

  private of<T>(m: Map<string, Map<string, T>>, site: string): Map<string, T> {
    let inner = m.get(site);
    if (!inner) m.set(site, (inner = new Map()));
    return inner;
  }

  async stop(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  private shardsOf(siteKey: string): Map<string, AlertsSnapshot> | null {
    return this.alerts.get(siteKey) ?? null;
  }

  private ask(siteKey: string, shard: string, body: ShardRequestBody): Promise<ShardAnswer> {
    return askShard(this.d.connection(), siteKey, shard, body.req, body, REQUEST_TIMEOUT_MS);
  }

  async acknowledge(siteKey: string, incidentId: string, by: string, comment: string): Promise<FleetRefusal | null> {
    const shards = this.shardsOf(siteKey);
    if (!shards) return { status: 404, error: `no site "${siteKey}" on this hub` };
    if (this.hubIncidents(siteKey, this.d.clock()).some((i) => i.id === incidentId)) {
      this.localAcks.set(incidentId, { by, atMs: this.d.clock(), comment });
      return null;
    }
    const holder = [...shards.entries()].find(([, a]) => a.incidents.some((i) => i.id === incidentId));
    if (!holder) return { status: 404, error: `no open incident "${incidentId}" on site ${siteKey}` };
    try {
      const a = await this.ask(siteKey, holder[0], { req: 'ack', incidentId, by, comment });
      if (a.status === 200) return null;
      const why = String((a.body as { error?: string })?.error ?? `answered ${a.status}`);
      return { status: a.status === 404 ? 404 : 502, error: `site ${siteKey}, hall shard ${holder[0]}: ${why}` };
    } catch (e) {
      return { status: 502, error: `site ${siteKey}, hall shard ${holder[0]} did not answer (${(e as Error).message}); its leaf connection may be down — try again` };
    }
  }

  /** Kept by every shard of the site under one ID (as a silence made on its campus view). */
  async addSilence(siteKey: string, s: NewSilence): Promise<Silence | FleetRefusal> {
    const shards = this.shardsOf(siteKey);
    if (!shards) return { status: 404, error: `no site "${siteKey}" on this hub` };
    try {
      // A silent shard would only make the others wait out the request timeout.
      const live = this.liveShards(siteKey, this.d.clock());
      const to = live.size > 0 ? [...live] : [...shards.keys()];
      return await addSilenceOnShards(to, (shard, body) => this.ask(siteKey, shard, body), s, this.d.clock());
    } catch (e) {
      return { status: 502, error: `site ${siteKey}: ${(e as Error).message}; its leaf connection may be down — try again` };
    }
  }

  async removeSilence(siteKey: string, id: string, by: string): Promise<boolean> {
    const holders = [...(this.shardsOf(siteKey)?.entries() ?? [])].filter(([, a]) => a.silences?.some((x) => x.id === id)).map(([k]) => k);
    return removeSilenceOnShards(holders, (shard, body) => this.ask(siteKey, shard, body), id, by);
  }

  /** The shards of a site that beat now. */
  private liveShards(siteKey: string, nowMs: number): Set<string> {
    return new Set(this.watch.site(siteKey, nowMs)?.shards.filter((x) => x.state === 'live').map((x) => x.shardId));
  }

  /** The hub's incidents of a site: its silent shards' (fleet-incidents.ts). */
  private hubIncidents(siteKey: string, nowMs: number): IncidentView[] {
    const status = this.watch.site(siteKey, nowMs);
    if (!status) return [];
    // Silences of shards that beat: a silent shard's last word may list one removed since.
    const live = this.liveShards(siteKey, nowMs);
    const silences = [...(this.alerts.get(siteKey)?.entries() ?? [])].filter(([k]) => live.has(k)).flatMap(([, a]) => a.silences ?? []);
    return silentShardIncidents(status, this.beats.get(siteKey) ?? new Map(), silences, this.localAcks, this.staleAfterMs, nowMs);
  }

  /** Every site as of now. */
  view(): FleetView {
    const nowMs = this.d.clock();
    const open = new Set<string>();
    const sites = this.watch.sites(nowMs).map((s): FleetSite => {
      const beats = this.beats.get(s.siteKey) ?? new Map<string, ShardBeat>();
      const halls = [...beats.values()].flatMap((b) => b.halls.map((hallId) => ({ hallId, shard: b.shard, serverName: b.serverName })));
      const alerts = [...(this.alerts.get(s.siteKey)?.values() ?? [])];
      const own = this.hubIncidents(s.siteKey, nowMs);
      own.forEach((i) => open.add(i.id));
      const incidents = [...own, ...alerts.flatMap((a) => a.incidents)];
      const silences = alerts.flatMap((a) => a.silences ?? []).filter((x, k, all) => all.findIndex((y) => y.id === x.id) === k);
      // The first shard's (by ID) that names one: every shard of a campus names its campus view.
      const dashboardUrl = [...beats.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, b]) => b.dashboardUrl).find((u) => u) ?? null;
      return {
        siteKey: s.siteKey, state: s.state, sinceMs: s.sinceMs, reason: s.reason ?? '', lastBeatMs: s.lastBeatMs ?? null,
        halls: halls.sort((a, b) => a.hallId.localeCompare(b.hallId)), incidents, silences, dashboardUrl,
      };
    });
    // By age: an outage hidden a while by its whole site going stale keeps its acknowledgement.
    for (const [id, a] of this.localAcks) if (!open.has(id) && nowMs - a.atMs >= HUB_ACK_KEEP_MS) this.localAcks.delete(id);
    return { fleet: true, nowMs, sites };
  }
}
