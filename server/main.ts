/**
 * Composition root of the Hallwatch server: the only place that constructs server modules (with
 * its parts in server/compose/).
 * Start order: site → state → (embedded broker) → ingest → stream → HTTP; stop runs in reverse.
 */
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { loadServerConfig, serverHelp, type ServerConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { loadSiteFile } from './site/load-site.ts';
import { buildSiteIndex } from './site/site-index.ts';
import { LiveState } from './state/live-state.ts';
import { EmbeddedBroker } from './broker/embedded-broker.ts';
import { Readings } from './ingest/readings.ts';
import type { DsxIngest } from './dsx/dsx-ingest.ts';
import { hubConfig, ingestParts } from './compose/ingest-parts.ts';
import { WsHub } from './stream/ws-hub.ts';
import { StateTicker } from './state/state-ticker.ts';
import { HttpServer } from './http/http-server.ts';
import { Metrics, type Labels } from './http/metrics.ts';
import { registerSiteMetrics } from './http/site-metrics.ts';
import { Recorder } from './history/recorder.ts';
import { resumeHistory } from './history/resume.ts';
import { siteTotalsId } from './history/schema.ts';
import { HistoryService, retentionMs } from './history/history-service.ts';
import { HistoryExtra } from './history/history-extra.ts';
import { AlertService } from './alerts/alert-service.ts';
import type { RunningFleet, RunningServer } from './compose/running.ts';
import { Access } from './auth/access.ts';
import { WallLayouts } from './wall/layouts.ts';
import { announceLogins } from './auth/demo-logins.ts';
import { join } from 'node:path';
import { SteadyClock, clockStepWarning } from './state/steady-clock.ts';
import { Journal } from './ingest/journal.ts';
import { healthParts } from './compose/health-parts.ts';
import { singleServerView } from '../protocol/cluster.ts';
import { JournalPruner } from './ingest/journal-pruner.ts';
import { Stops } from './lifecycle.ts';
import { ClusterLink } from './cluster/cluster-link.ts';
import { registerClusterMetrics } from './cluster/cluster-metrics.ts';
import { openStateStores } from './storage/state-stores.ts';
import { historyParts } from './compose/history-parts.ts';
import { notificationParts } from './compose/notification-parts.ts';
import { shardParts, shardPublishes } from './compose/shard-parts.ts';
import { startCampusView } from './compose/campus-view.ts';
import { startFleetView } from './compose/fleet-view.ts';
import { siteOfHalls } from './site/sub-site.ts';
import { ok } from '../protocol/result.ts';
import { pairNames } from './cluster/pair-names.ts';
import { shardId } from '../protocol/campus-subjects.ts';
import { historyAnswer } from './http/history-routes.ts';

/** How long a request to the cluster may take: past a stream-leader election (4–9 s on nats-server 2.9). */
const CLUSTER_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Composes and starts the server. Without `clock` it runs on a SteadyClock: a step of the host
 * clock is reported and ridden through (server/state/steady-clock.ts).
 */
export async function startServer(cfg: ServerConfig, log: Logger = createLogger(cfg.logLevel), injectedClock?: () => number): Promise<RunningServer> {
  const onStep = (stepMs: number, adopted: boolean) => log.warn(clockStepWarning(stepMs, adopted));
  const steady = injectedClock ? null : new SteadyClock(Date.now, () => performance.now(), 2000, onStep);
  const clock = injectedClock ?? steady!.now;
  const campusSpec = await loadSiteFile(cfg.sitePath, { dsxFed: cfg.dsxRoot !== undefined, warn: (line) => log.warn(line) });
  if (cfg.campus) return startCampusView(cfg, campusSpec, log, clock);
  // A hall shard's site: the campus's with only its halls.
  const own = cfg.halls ? siteOfHalls(campusSpec, cfg.halls) : ok(campusSpec);
  if (!own.ok) throw new Error(own.message);
  const site = buildSiteIndex(own.value);
  const state = new LiveState(site, cfg.staleIntervals * site.spec.telemetryIntervalMs);
  const metrics = new Metrics({ runtime: true });
  registerSiteMetrics(metrics, state);
  const broker = cfg.embeddedBrokerPort === null ? null : new EmbeddedBroker('127.0.0.1', cfg.embeddedBrokerPort, log);
  const stops = new Stops(log);
  const stopAll = () => stops.stopAll();
  try {
    // Operator state: local files, or with --cluster the cluster's key-value store once it answers.
    const cluster = cfg.clusterUrls
      ? new ClusterLink({ urls: cfg.clusterUrls, serverName: cfg.serverName!, replicas: cfg.clusterReplicas, requestTimeoutMs: CLUSTER_REQUEST_TIMEOUT_MS }, { log })
      : null;
    if (cluster) await stops.start('cluster link', () => cluster.start(), () => cluster.stop());
    const onWrite = cluster ? registerClusterMetrics(metrics, cluster) : () => undefined;
    const names = cfg.halls ? pairNames(shardId(cfg.halls)) : undefined;
    const stores = await openStateStores(cfg, cluster && {
      link: cluster, site: campusSpec, serverName: cfg.serverName!, adoptSite: cfg.clusterAdoptSite === 1, onWrite, log, clock, keyPrefix: names?.stateKeyPrefix,
    });
    const shard = cluster && cfg.halls ? shardParts(cfg, { cluster, campusSpec, log, clock }) : null;
    if (shard) await stops.start('hold on the halls', () => shard.claims.start(), () => shard.claims.stop());
    if (broker) {
      await stops.start('embedded broker', () => broker.start(), () => broker.stop());
    }
    const ticker = new StateTicker(state, cfg.tickMs, clock);
    await stops.start('state ticker', () => ticker.start(), () => ticker.stop());
    // History: the memory window always; InfluxDB when configured.
    const { memory, influx, writer } = historyParts(cfg, site, { metrics, log, clock });
    const journal = cfg.ingestDelivery === 'at-least-once' ? new Journal(join(cfg.storageDir, 'journal'), clock) : null;
    await journal?.start();
    // Set once the sources exist (they start after history); before, no block is open.
    let sourcesConnected = () => true;
    // Rollups, totals and GPU windows: the leader's to write (always, for a single server).
    let leads = () => true;
    // Whether this server's telemetry flows (set once the sources exist): a pair's leader that cannot see the site hands over.
    let seesSite = () => true;
    const recorder = new Recorder({ state, writer, memory, clock, gpuWindowMs: cfg.gpuWindowS * 1000, blockMs: cfg.historyBlockS * 1000, rawFormat: cfg.historyRawFormat, sourcesConnected: () => sourcesConnected(),
      writesRollups: () => leads(), siteTotalsId: siteTotalsId(cfg.halls),
    });
    // Samples wait in the recorder's open blocks before they are queued.
    const unstoredSinceMs = () => [writer ? writer.queue.oldestQueuedMs() : Number.NaN, recorder.oldestOpenMs()];
    const pruner = journal ? new JournalPruner({ journal, unstoredSinceMs, clock }) : null;
    // After the writer's last flush (stops run in reverse): what it wrote needs no replay.
    if (pruner) stops.push(['journal', () => pruner.prune()]);
    if (writer) {
      await writer.queue.start();
      // Stopped last: it flushes what is queued, then spills the rest to disk.
      await stops.start('InfluxDB writer', () => writer.start(), () => writer.stop());
    }
    // The journal holds what a crash left: where the stored history ends, so its replay stores nothing twice.
    if (influx && journal && journal.leftBehind > 0) await resumeHistory(recorder, (q) => influx.query(q), log);
    await stops.start('history recorder', () => recorder.start(), () => recorder.stop());
    stops.push(['history totals on the state tick', ticker.listen((t) => recorder.recordTotals(t.nowMs))]);
    const blockSamples = () => recorder.openSamples().map((o): [Labels, number] => [{ kind: o.kind }, o.samples]);
    const blockSamplesHelp = 'Samples held in open raw blocks, written when their block window ends (--history-block-s)';
    metrics.gauge('hallwatch_storage_block_samples', blockSamplesHelp, blockSamples, ['kind']);
    const mqttUrls = broker ? [broker.url] : cfg.mqttUrls;
    const { channels, role, local, outbox } = notificationParts(cfg, { cluster, mqttUrls, metrics, log, clock, seesSite: () => seesSite(), names });
    for (const ch of channels) if (ch.stop) stops.push([`${ch.name} notifications`, () => ch.stop!()]);
    if (role) leads = () => role.lease.isLeader();
    const stream = role?.notifications ?? null;
    let dsx: DsxIngest | null = null;
    const alerts = new AlertService({
      cfg: { publicUrl: cfg.publicUrl ?? null, historyLimit: 500 }, rules: stores.rules, state: stores.alertState,
      live: state, memory, outbox, channels, log, clock, leadership: role
        ? { isLeader: () => role.lease.isLeader(), failOpen: () => role.failOpen(), silentForMs: () => role.members.silentForMs() }
        : undefined,
      siteSignals: { historyBehindS: () => (writer ? writer.behindMs() / 1000 : Number.NaN), bmsHeartbeatLost: () => dsx?.bmsHeartbeatLost() ?? Number.NaN },
    });
    if (local) await stops.start('notification outbox', () => local.start(), () => local.stop());
    if (stream) await stops.start('notification stream', () => stream.start(), () => stream.stop());
    if (channels.length) log.info(`alerts: notifying through ${channels.map((c) => c.name).join(', ')}`);
    metrics.counterFrom('hallwatch_alert_evaluations_total', 'Whole alert evaluations of the site concluded (incidents grouped, notifications queued)', [],
      () => [[{}, alerts.evaluations]]);
    await stops.start('alerts', () => alerts.start(), () => alerts.stop());
    stops.push(['alerts on the state tick', ticker.listen((t) => alerts.onTick(t))]);
    // Stopped before the alerts: the lease is let go first, so the other server notifies at once.
    if (role) await stops.start('cluster role', () => role.start(alerts), () => role.stop());
    // With --cluster the rules file is stored as the shared rules: both servers apply it.
    const onHup = () => void (stores.rulesFile ? alerts.rules.replaceFrom(stores.rulesFile) : alerts.rules.reload());
    process.on('SIGHUP', onHup);
    stops.push(['SIGHUP handler', () => void process.off('SIGHUP', onHup)]);
    const retention = { rawMs: retentionMs(cfg.retentionRaw), m1Ms: retentionMs(cfg.retention1m) };
    const history = new HistoryService({
      memory, influx, retention, clock, blockMs: cfg.historyBlockS * 1000, rawFormat: cfg.historyRawFormat, siteTotalsId: siteTotalsId(cfg.halls),
    });
    if (journal && pruner) {
      await stops.start('journal pruning', () => pruner.start(), () => pruner.stop());
      const segments = (): [Labels, number][] => [[{}, journal.segments]];
      metrics.gauge('hallwatch_ingest_journal_segments', 'Journal segments kept until their messages are written (at-least-once ingest)', segments);
      const failures = (): [Labels, number][] => [[{}, journal.failures]];
      metrics.counterFrom('hallwatch_ingest_journal_failures_total', 'Messages the journal could not write (storage full or read-only)', [], failures);
    }
    // Ingest starts after history so every accepted sample is recorded, and stops before it.
    const readings = new Readings(state, metrics, clock, steady ? (tsMs) => steady.observeSource(tsMs) : null);
    const { ingest, dsx: dsxIngest } = ingestParts(cfg, { readings, mqttUrls, metrics, log, clock, journal });
    dsx = dsxIngest;
    const stepS = (): [Labels, number][] => [[{}, (steady?.stepMs ?? 0) / 1000]];
    const stepHelp = 'How far the host clock stepped away from Hallwatch\'s own time, not yet followed (0 when they agree)';
    metrics.gauge('hallwatch_clock_step_seconds', stepHelp, stepS);
    sourcesConnected = () => ingest.connected || (dsx?.connected ?? false);
    await stops.start('MQTT ingest', () => ingest.start(), () => ingest.stop());
    if (dsx) await stops.start('DSX ingest', () => dsx!.start(), () => dsx!.stop());
    const hubCfg = hubConfig(cfg);
    // This server's name: --server-name, else named by the port HTTP listens on.
    const serverName = (): string => cfg.serverName ?? `${hostname()}:${http.port}`;
    const hub = new WsHub({ cfg: hubCfg, state, metrics, log, clock, serverName });
    const { health, ready, seesSite: flows } = healthParts({
      ingest, writer, maxBehindS: cfg.storageMaxBehindS, clockStepMs: () => steady?.stepMs ?? 0, alerts, clock, cluster, role,
      staleness: () => state.staleness.facts(clock()), sources: dsx ? [ingest, dsx] : [ingest], lastSampleMs: () => readings.lastSampleMs,
    });
    seesSite = flows;
    const clusterView = () => (role ? role.view() : singleServerView(serverName()));
    // A token revoked or a user deleted, here or on another server, closes its WebSockets at once.
    const access = new Access({ store: stores.users, adminToken: cfg.adminToken ?? '', disabled: cfg.auth === 'off', clock, changed: () => hub.recheckAll() });
    await stops.start('access', () => access.start(), () => access.stop());
    await announceLogins(access, { auth: cfg.auth, printAdminLogin: cfg.printAdminLogin, log, print: (line) => process.stdout.write(`${line}\n`) });
    const layouts = new WallLayouts(stores.layouts);
    await stops.start('wall layouts', () => layouts.start(), () => layouts.stop());
    const historyExtra = new HistoryExtra({ site, memory, influx, history, clock, gpuWindowMs: cfg.gpuWindowS * 1000 });
    const httpCfg = { host: cfg.host, port: cfg.port, webDir: cfg.webDir, trustedProxies: cfg.trustedProxies };
    const http = new HttpServer({ cfg: httpCfg, state, metrics, health, ready, cluster: clusterView, log, clock, history, historyExtra, alerts, access, layouts });
    hub.attach(http.server, access, cfg.wsAuthRecheckMs);
    await stops.start('HTTP server', () => http.start(), () => http.stop());
    // Stopped before the HTTP server: its upgraded sockets would keep server.close() waiting.
    await stops.start('WebSocket hub', () => hub.start(), () => hub.stop());
    stops.push(['WebSocket frames on the state tick', ticker.listen(() => hub.stateTicked())]);
    if (shard) {
      const answer = (path: string, params: URLSearchParams) => historyAnswer({ site, history, historyExtra }, path, params, clock());
      const publisher = shard.publisher({ state, alerts, history: answer, telemetryFlows: () => seesSite(), leads: shardPublishes(role, cfg.serverName) });
      await stops.start('campus publisher', () => publisher.start(), () => publisher.stop());
      stops.push(['campus rows on the state tick', ticker.listen(() => publisher.onTick())]);
    }
    log.info(`site "${site.spec.name}": ${site.racks.length} racks, ${site.cdus.length} CDUs in ${site.view.halls.length} halls`);
    log.info(`dashboard and API on http://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${http.port}/`);
    return { port: http.port, mqttUrl: mqttUrls.join(','), state, metrics, alerts, stop: stopAll };
  } catch (e) {
    // The start's own error is the one to report; a stop that fails too is logged by Stops.
    await stopAll().catch(() => undefined);
    throw e;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(serverHelp() + '\n');
    return;
  }
  let cfg: ServerConfig;
  try {
    cfg = loadServerConfig(argv, process.env);
  } catch (e) {
    process.stderr.write(`hallwatch: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const log = createLogger(cfg.logLevel);
  let server: RunningFleet;
  try {
    server = cfg.fleet ? await startFleetView(cfg, log, Date.now) : await startServer(cfg, log);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'EADDRINUSE'
      ? ' — another process holds that port; pick a free one with --port / HALLWATCH_PORT (or --embedded-broker-port)' : '';
    log.error(err.message + hint);
    process.exit(1);
  }
  // A line the demo runner and tests wait for.
  process.stdout.write(`HALLWATCH_READY port=${server.port} mqtt=${server.mqttUrl || 'none'}\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    server.stop().then(() => process.exit(0), (e) => {
      log.error(`shutdown: ${(e as Error).message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
