/** One HTTP port: the REST API, /healthz, /readyz, /metrics, the built dashboard; WebSocket upgrades go to the hub. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';
import type { LiveState } from '../state/live-state.ts';
import type { Metrics } from './metrics.ts';
import { cduJson, hallJson, rackJson } from './api-views.ts';
import { serveStatic } from './static-files.ts';
import type { HistoryService } from '../history/history-service.ts';
import { historyAnswer, isHistoryPath, type RouteAnswer } from './history-routes.ts';
import type { HistoryExtra } from '../history/history-extra.ts';
import type { AlertDesk } from '../alerts/alert-desk.ts';
import { incidentHistoryExport } from './incident-export.ts';
import { SESSION_COOKIE, type Access, type Principal } from '../auth/access.ts';
import type { WallLayouts } from '../wall/layouts.ts';
import { json, readJson } from './respond.ts';
import { alertRoute } from './alert-routes.ts';
import { adminRoute } from './admin-routes.ts';
import type { Readiness } from './readiness.ts';
import type { ClusterView } from '../../protocol/cluster.ts';
import { notCampus, type CampusView } from '../../protocol/campus.ts';
import { fleetRoute, type FleetDesk } from './fleet-routes.ts';
import { storeFailure } from './store-errors.ts';
import { requestClient, type TrustedProxies } from './client-address.ts';

export interface HttpConfig {
  host: string;
  port: number;
  /** Directory of the built dashboard. */
  webDir: string;
  /** Proxies whose X-Forwarded-For names the client (client-address.ts); default none. */
  trustedProxies?: TrustedProxies;
}

export interface Health {
  status: 'ok' | 'degraded';
  checks: Record<string, string>;
}

/** What the HTTP server serves; the optional parts' routes answer 404 without them. */
export interface HttpDeps {
  cfg: HttpConfig;
  state: LiveState;
  metrics: Metrics;
  health: () => Health;
  /** `/readyz`: whether the balancer should send browsers here (readiness.ts). */
  ready: () => Readiness;
  /** `/api/cluster`: this server's name and what it knows of its pair. */
  cluster: () => ClusterView;
  log: Logger;
  clock: () => number;
  history?: HistoryService | null;
  historyExtra?: HistoryExtra | null;
  alerts?: AlertDesk | null;
  /** `GET /api/campus`: the halls as the campus view sees them; absent on other servers (they answer `campus: false`). */
  campus?: (() => CampusView) | null;
  /** The fleet view on a hub: `GET /api/fleet` and acks of the sites' incidents; absent elsewhere (`fleet: false`). */
  fleet?: FleetDesk | null;
  /** The campus view: history answered by the hall shard holding it (server/campus/campus-history.ts). */
  historyRemote?: ((path: string, params: URLSearchParams) => Promise<RouteAnswer | null>) | null;
  access?: Access | null;
  layouts?: WallLayouts | null;
}

export class HttpServer {
  readonly server: Server;
  private readonly cfg: HttpConfig;
  private readonly state: LiveState;
  private readonly metrics: Metrics;
  private readonly health: () => Health;
  private readonly ready: () => Readiness;
  private readonly cluster: () => ClusterView;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly history: HistoryService | null;
  private readonly historyExtra: HistoryExtra | null;
  private readonly historyRemote: HttpDeps['historyRemote'];
  private readonly campus: HttpDeps['campus'];
  private readonly fleet: HttpDeps['fleet'];
  private readonly alerts: AlertDesk | null;
  private readonly access: Access | null;
  private readonly layouts: WallLayouts | null;

  constructor(deps: HttpDeps) {
    ({ cfg: this.cfg, state: this.state, metrics: this.metrics, health: this.health, ready: this.ready, cluster: this.cluster, log: this.log, clock: this.clock } = deps);
    this.history = deps.history ?? null;
    this.historyExtra = deps.historyExtra ?? null;
    this.historyRemote = deps.historyRemote ?? null;
    this.campus = deps.campus ?? null;
    this.fleet = deps.fleet ?? null;
    this.alerts = deps.alerts ?? null;
    this.access = deps.access ?? null;
    this.layouts = deps.layouts ?? null;
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err) => {
        const stored = storeFailure(err);
        if (stored) this.log.warn(`${req.method} ${req.url}: ${stored.error}`);
        else this.log.error(`${req.method} ${req.url}: ${(err as Error).stack ?? err}`);
        if (res.headersSent) res.destroy();
        else if (stored) json(res, stored.status, { error: stored.error });
        else json(res, 500, { error: 'internal error' });
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.cfg.port, this.cfg.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** POST, PUT and DELETE: operator actions and the admin API. */
  private async mutate(req: IncomingMessage, res: ServerResponse, path: string, who: Principal): Promise<void> {
    if (this.alerts && (await alertRoute(req, res, path, who, this.alerts, this.clock()))) return;
    if (this.fleet && (await fleetRoute(req, res, path, who, this.fleet, this.clock()))) return;
    if (this.access && this.layouts) {
      const hallIds = this.state.site.view.halls.map((h) => h.id);
      if (await adminRoute(req, res, path, who, { access: this.access, alerts: this.alerts, layouts: this.layouts, hallIds })) return;
    }
    return json(res, 404, { error: `no route ${req.method} ${path}` });
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.access) return json(res, 404, { error: 'no authentication configured' });
    const body = await readJson(req, 4096);
    if (!body.ok) return json(res, 400, { error: 'body: JSON {"name": …, "password": …} expected' });
    const creds = body.value as { name?: unknown; password?: unknown };
    if (typeof creds.name !== 'string' || typeof creds.password !== 'string') return json(res, 400, { error: 'name and password: strings required' });
    const r = await this.access.login(creds.name, creds.password, requestClient(req, this.cfg.trustedProxies ?? []));
    if ('error' in r) return json(res, r.status, { error: r.error });
    const secure = (req.headers['x-forwarded-proto'] ?? '') === 'https' ? '; Secure' : '';
    res.setHeader('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(r.cookie)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`);
    return json(res, 200, r.principal);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const now = this.clock();
    if (path === '/api/login' && req.method === 'POST') return this.login(req, res);
    if (path === '/api/logout' && req.method === 'POST') {
      res.setHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      return json(res, 200, { ok: true });
    }
    // Everything but the health and readiness checks and the dashboard's static files needs credentials.
    let who: Principal = { name: 'anonymous', role: 'admin' };
    if ((path.startsWith('/api/') || path === '/metrics') && this.access) {
      const r = this.access.check(req);
      if (!r.ok) {
        res.setHeader('www-authenticate', 'Bearer realm="hallwatch"');
        return json(res, 401, { error: r.error });
      }
      who = r.principal;
      if (path === '/api/me') return json(res, 200, who);
    }
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE') return this.mutate(req, res, path, who);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: `method ${req.method} not allowed` });
    if (path === '/healthz') {
      const h = this.health();
      return json(res, h.status === 'ok' ? 200 : 503, h);
    }
    if (path === '/readyz') {
      const r = this.ready();
      return json(res, r.ready ? 200 : 503, r);
    }
    if (path === '/metrics') {
      this.metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
        (e: Error) => json(res, 500, { error: `metrics: ${e.message}` }),
      );
      return;
    }
    if (path === '/api/site') return json(res, 200, this.state.site.view);
    if (path === '/api/cluster') return json(res, 200, this.cluster());
    if (path === '/api/fleet') return json(res, 200, this.fleet ? this.fleet.view() : { fleet: false, nowMs: now, sites: [] });
    if (path === '/api/campus') return json(res, 200, this.campus ? this.campus() : notCampus(this.state.site.view.halls.length));
    if (path === '/api/alerts' && this.alerts) return json(res, 200, this.alerts.snapshot(url.searchParams.get('history') === '1'));
    if (path === '/api/incidents/history' && this.alerts) return incidentHistoryExport(res, url.searchParams, this.alerts.history(), now);
    if (path.startsWith('/api/admin/')) return this.mutate(req, res, path, who);
    if (path === '/api/wall/layouts' && this.layouts) return json(res, 200, this.layouts.list());
    const layout = /^\/api\/wall\/layouts\/([^/]+)$/.exec(path);
    if (layout && this.layouts) {
      const l = this.layouts.get(decodeURIComponent(layout[1]));
      return l ? json(res, 200, l) : json(res, 404, { error: `no wall layout "${decodeURIComponent(layout[1])}"` });
    }
    if (isHistoryPath(path)) {
      const a = this.historyRemote ? await this.historyRemote(path, url.searchParams) : await historyAnswer({ site: this.state.site, history: this.history, historyExtra: this.historyExtra }, path, url.searchParams, now);
      if (a) return json(res, a.status, a.body);
    }
    const m = /^\/api\/(racks|cdus|halls)\/([^/]+)$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[2]);
      const site = this.state.site;
      if (m[1] === 'racks') {
        const i = site.rackIndexById.get(id);
        return i === undefined ? json(res, 404, { error: `no rack "${id}"` }) : json(res, 200, rackJson(this.state, i, now));
      }
      if (m[1] === 'cdus') {
        const j = site.cduIndexById.get(id);
        return j === undefined ? json(res, 404, { error: `no CDU "${id}"` }) : json(res, 200, cduJson(this.state, j, now));
      }
      const h = site.view.halls.findIndex((x) => x.id === id);
      return h < 0 ? json(res, 404, { error: `no hall "${id}"` }) : json(res, 200, hallJson(this.state, h, now));
    }
    if (path.startsWith('/api/')) return json(res, 404, { error: `no API route ${path}` });
    await serveStatic(this.cfg.webDir, path, res);
  }
}
