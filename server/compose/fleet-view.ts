/**
 * Part of the composition root (server/main.ts): the fleet view (`--fleet 1`) on a hub of sites
 * (docs/multi-site.md). It connects to the hub's NATS (`--cluster`), where only the sites' derived
 * subjects arrive over the leaf connections, and serves `GET /api/fleet` and the dashboard's
 * fleet page: every site, live or stale with the reason, its halls and its open incidents, which
 * an operator can acknowledge there.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { singleServerView } from '../../protocol/cluster.ts';
import { buildSiteIndex } from '../site/site-index.ts';
import { LiveState } from '../state/live-state.ts';
import { Metrics } from '../http/metrics.ts';
import { HttpServer } from '../http/http-server.ts';
import { Access } from '../auth/access.ts';
import { usersFileStore } from '../auth/user-store.ts';
import { Stops } from '../lifecycle.ts';
import { FleetFeed } from '../campus/fleet-feed.ts';
import type { RunningFleet } from './running.ts';

export async function startFleetView(cfg: ServerConfig, log: Logger, clock: () => number): Promise<RunningFleet> {
  const stops = new Stops(log);
  const serverName = cfg.serverName ?? `${hostname()}:${cfg.port}`;
  // A hub has no site of its own: the HTTP server serves an empty one beside the fleet.
  const state = new LiveState(buildSiteIndex({ version: 1, name: 'fleet', coolant: 'water', telemetryIntervalMs: 1000, rackTypes: {}, halls: [] }), 3000);
  const metrics = new Metrics({ runtime: true });
  try {
    let nc: NatsConnection | null = null;
    const servers = cfg.clusterUrls!.split(',');
    await stops.start('hub connection', async () => {
      nc = await connect({ servers, name: serverName, maxReconnectAttempts: -1, reconnectTimeWait: 1000, pingInterval: 5000, maxPingOut: 2 });
      log.info(`fleet: connected to hub ${nc.getServer()}`);
    }, async () => void (await nc?.drain().catch(() => undefined)));
    const feed = new FleetFeed({ connection: () => nc!, log, clock }, cfg.staleIntervals * 1000);
    await stops.start('fleet feed', () => feed.start(), () => feed.stop());
    const timer = setInterval(() => {
      for (const c of feed.watch.changes(clock())) {
        if (c.status.state === 'stale') log.error(`fleet: site ${c.status.siteKey} stale: ${c.status.reason ?? ''}`);
        else if (c.from) log.info(`fleet: site ${c.status.siteKey} live again`);
      }
    }, 1000);
    stops.push(['fleet changes', () => clearInterval(timer)]);
    metrics.gauge('hallwatch_fleet_sites', 'Sites the fleet view knows, by state (live, stale)', () => {
      const sites = feed.view().sites;
      return (['live', 'stale'] as const).map((s) => [{ state: s }, sites.filter((x) => x.state === s).length]);
    }, ['state']);
    const access = new Access({ store: usersFileStore(join(cfg.storageDir, 'users.json')), adminToken: cfg.adminToken ?? '', disabled: cfg.auth === 'off', clock });
    await stops.start('access', () => access.start(), () => access.stop());
    const health = () => {
      const stale = feed.view().sites.filter((s) => s.state === 'stale');
      const hub = nc && !nc.isClosed() ? 'connected' : 'disconnected';
      const checks = { hub, sites: stale.length === 0 ? 'all live' : stale.map((s) => `${s.siteKey}: ${s.reason}`).join('; ') };
      return { status: hub === 'connected' && stale.length === 0 ? 'ok' as const : 'degraded' as const, checks };
    };
    const ready = () => ({ ready: true, reasons: [], checks: { ingest: 'none (fleet view)', cluster: 'hub' } });
    const http = new HttpServer({
      cfg: { host: cfg.host, port: cfg.port, webDir: cfg.webDir, trustedProxies: cfg.trustedProxies },
      state, metrics, health, ready, cluster: () => singleServerView(serverName), log, clock, access, fleet: feed,
    });
    await stops.start('HTTP server', () => http.start(), () => http.stop());
    log.info(`fleet view of the sites on hub ${cfg.clusterUrls}; dashboard on http://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${http.port}/`);
    return { port: http.port, mqttUrl: '', stop: () => stops.stopAll() };
  } catch (e) {
    await stops.stopAll().catch(() => undefined);
    throw e;
  }
}
