/**
 * Part of the composition root (server/main.ts): the campus view (`--campus`). It takes no
 * telemetry: every hall's live state, totals, incidents and history come from the hall shards over
 * the NATS cluster; it serves the same dashboard, wall, REST API and WebSocket as any server.
 */
import { hostname } from 'node:os';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { SiteSpec } from '../../protocol/site.ts';
import { siteKey } from '../../protocol/campus-subjects.ts';
import type { CampusView } from '../../protocol/campus.ts';
import { singleServerView } from '../../protocol/cluster.ts';
import { buildSiteIndex } from '../site/site-index.ts';
import { LiveState } from '../state/live-state.ts';
import { StateTicker } from '../state/state-ticker.ts';
import { Metrics } from '../http/metrics.ts';
import { registerSiteMetrics } from '../http/site-metrics.ts';
import { HttpServer } from '../http/http-server.ts';
import { WsHub } from '../stream/ws-hub.ts';
import { Access } from '../auth/access.ts';
import { announceLogins } from '../auth/demo-logins.ts';
import { WallLayouts } from '../wall/layouts.ts';
import { Stops } from '../lifecycle.ts';
import { ClusterLink } from '../cluster/cluster-link.ts';
import { registerClusterMetrics } from '../cluster/cluster-metrics.ts';
import { siteClaim } from '../cluster/site-fingerprint.ts';
import { openStateStores } from '../storage/state-stores.ts';
import { CampusAcks } from '../campus/campus-acks.ts';
import { ShardLinks } from '../campus/shard-links.ts';
import { CampusFeed } from '../campus/campus-feed.ts';
import { CampusAlerts } from '../campus/campus-alerts.ts';
import { CampusHistory } from '../campus/campus-history.ts';
import type { RunningServer } from './running.ts';
import { hubConfig } from './ingest-parts.ts';
import { notificationParts } from './notification-parts.ts';
import { pairNames } from '../cluster/pair-names.ts';
import { CampusNotifier } from '../campus/campus-notifier.ts';
import { CampusDetail } from '../campus/campus-detail.ts';

/** How long a request to a hall shard (an ack, a history range) may take, ms. */
const SHARD_REQUEST_TIMEOUT_MS = 10_000;

export async function startCampusView(cfg: ServerConfig, spec: SiteSpec, log: Logger, clock: () => number): Promise<RunningServer> {
  const site = buildSiteIndex(spec);
  const state = new LiveState(site, cfg.staleIntervals * site.spec.telemetryIntervalMs);
  const metrics = new Metrics({ runtime: true });
  registerSiteMetrics(metrics, state);
  const stops = new Stops(log);
  const serverName = cfg.serverName ?? `${hostname()}:${cfg.port}`;
  const key = siteKey(spec.name);
  try {
    const cluster = new ClusterLink({ urls: cfg.clusterUrls!, serverName, replicas: cfg.clusterReplicas, requestTimeoutMs: SHARD_REQUEST_TIMEOUT_MS }, { log });
    await stops.start('cluster link', () => cluster.start(), () => cluster.stop());
    const onWrite = registerClusterMetrics(metrics, cluster);
    const names = pairNames('campus');
    const stores = await openStateStores(cfg, { link: cluster, site: spec, serverName, adoptSite: cfg.clusterAdoptSite === 1, onWrite, log, clock, keyPrefix: names.stateKeyPrefix });
    const links = new ShardLinks(site, siteClaim(spec, serverName, 0).sha256, state.staleAfterMs, clock());
    const connection = () => cluster.connection;
    const feed = new CampusFeed(key, { connection, state, links, metrics, log, clock });
    await stops.start('campus feed', () => feed.start(), () => feed.stop());
    const hallName = (id: string) => site.view.halls.find((h) => h.id === id)?.name ?? id;
    const acks = new CampusAcks(stores.alertState.acks, log);
    await stops.start('campus acknowledgements', () => acks.start(), () => acks.stop());
    const alerts = new CampusAlerts({ connection, links, siteKey: key, clock, requestTimeoutMs: SHARD_REQUEST_TIMEOUT_MS, acks }, hallName);
    const history = new CampusHistory({ connection, links, site, siteKey: key, clock, requestTimeoutMs: SHARD_REQUEST_TIMEOUT_MS });
    // Campus-scope incidents are notified once: by the leader of the campus views' own lease.
    const { channels, role, local, outbox } = notificationParts(cfg, { cluster, mqttUrls: [], metrics, log, clock, seesSite: () => true, names });
    for (const ch of channels) if (ch.stop) stops.push([`${ch.name} notifications`, () => ch.stop!()]);
    if (local) await stops.start('notification outbox', () => local.start(), () => local.stop());
    const stream = role?.notifications;
    if (stream) await stops.start('notification stream', () => stream.start(), () => stream.stop());
    if (role) await stops.start('cluster role', () => role.start({ lead: async () => undefined, follow: () => undefined, handOver: async () => undefined }), () => role.stop());
    const notifier = outbox && new CampusNotifier({
      incidents: () => alerts.campusIncidents(), outbox, channels, leads: () => !role || role.lease.isLeader() || role.failOpen(),
      publicUrl: cfg.publicUrl ?? null, log, clock,
    });
    const ticker = new StateTicker(state, cfg.tickMs, clock);
    await stops.start('state ticker', () => ticker.start(), () => ticker.stop());
    stops.push(['hall shards on the state tick', ticker.listen((t) => {
      for (const s of links.refresh(t.nowMs)) log.error(`campus: shard ${s.beat.shard} (server ${s.beat.serverName}) unreachable: ${s.beat.halls.join(', ')} stale`);
      notifier?.onTick();
      void acks.clearResolved(new Set(alerts.campusIncidents().map((i) => i.id)), t.nowMs);
    })]);
    const campus = (): CampusView => {
      const halls = links.halls(clock());
      return { campus: true, halls, hallsLive: halls.filter((h) => h.status === 'live').length, hallsTotal: halls.length };
    };
    metrics.gauge('hallwatch_campus_halls', 'Halls of the site on the campus view, by status (live, unreachable, missing)', () => {
      const halls = links.halls(clock());
      return (['live', 'unreachable', 'missing'] as const).map((s) => [{ status: s }, halls.filter((h) => h.status === s).length]);
    }, ['status']);
    const hub = new WsHub({
      cfg: hubConfig(cfg),
      state, metrics, log, clock, serverName: () => serverName,
    });
    const access = new Access({ store: stores.users, adminToken: cfg.adminToken ?? '', disabled: cfg.auth === 'off', clock, changed: () => hub.recheckAll() });
    await stops.start('access', () => access.start(), () => access.stop());
    await announceLogins(access, { auth: cfg.auth, printAdminLogin: cfg.printAdminLogin, log, print: (line) => process.stdout.write(`${line}\n`) });
    const layouts = new WallLayouts(stores.layouts);
    await stops.start('wall layouts', () => layouts.start(), () => layouts.stop());
    const health = () => {
      const c = campus();
      const missing = c.halls.filter((h) => h.status !== 'live');
      const checks: Record<string, string> = {
        cluster: cluster.connected ? 'connected' : 'disconnected',
        halls: missing.length === 0 ? `${c.hallsLive} of ${c.hallsTotal} live` : `${c.hallsLive} of ${c.hallsTotal} live; ${missing.map((h) => h.reason).join('; ')}`,
      };
      return { status: cluster.connected && missing.length === 0 ? 'ok' as const : 'degraded' as const, checks };
    };
    const ready = () => {
      const reasons = cluster.connected ? [] : ['the NATS cluster is unreachable: no hall shard can be heard'];
      return { ready: reasons.length === 0, reasons, checks: { ingest: 'none (campus view)', cluster: cluster.connected ? 'connected' : 'disconnected' } };
    };
    const http = new HttpServer({
      cfg: { host: cfg.host, port: cfg.port, webDir: cfg.webDir, trustedProxies: cfg.trustedProxies },
      state, metrics, health, ready, cluster: () => (role ? role.view() : singleServerView(serverName)), log, clock, alerts, access, layouts, campus,
      historyRemote: (path, params) => history.answer(path, params),
    });
    hub.attach(http.server, access, cfg.wsAuthRecheckMs);
    await stops.start('HTTP server', () => http.start(), () => http.stop());
    await stops.start('WebSocket hub', () => hub.start(), () => hub.stop());
    stops.push(['WebSocket frames on the state tick', ticker.listen(() => hub.stateTicked())]);
    const detail = new CampusDetail({ connection, links, state, siteKey: key, watched: () => hub.watchedRacks(), clock, requestTimeoutMs: 2000 });
    stops.push(['watched racks\' detail on the state tick', ticker.listen(() => detail.onTick())]);
    log.info(`campus view of site "${spec.name}": ${site.racks.length} racks in ${site.view.halls.length} halls, from the hall shards on ${cfg.clusterUrls}`);
    log.info(`dashboard and API on http://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${http.port}/`);
    return { port: http.port, mqttUrl: '', state, metrics, alerts, stop: () => stops.stopAll() };
  } catch (e) {
    await stops.stopAll().catch(() => undefined);
    throw e;
  }
}
