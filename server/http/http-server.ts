/** One HTTP port: the REST API, /healthz, /metrics, the built dashboard; WebSocket upgrades go to the hub. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';
import type { LiveState } from '../state/live-state.ts';
import type { Metrics } from './metrics.ts';
import { cduJson, hallJson, rackJson } from './api-views.ts';
import { serveStatic } from './static-files.ts';
import { parseHistoryQuery, type HistoryService } from '../history/history-service.ts';
import type { HistoryExtra } from '../history/history-extra.ts';
import type { AlertService } from '../alerts/alert-service.ts';
import { SESSION_COOKIE, roleAtLeast, type Access, type Principal } from '../auth/access.ts';

export interface HttpConfig {
  host: string;
  port: number;
  /** Directory of the built dashboard. */
  webDir: string;
}

export interface Health {
  status: 'ok' | 'degraded';
  checks: Record<string, string>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** Reads a small JSON body. */
async function readJson(req: IncomingMessage, maxBytes: number): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > maxBytes) return { ok: false, error: `body larger than ${maxBytes} bytes` };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, error: 'body: not valid JSON' };
  }
}

export class HttpServer {
  readonly server: Server;

  constructor(
    private readonly cfg: HttpConfig,
    private readonly state: LiveState,
    private readonly metrics: Metrics,
    private readonly health: () => Health,
    private readonly log: Logger,
    private readonly clock: () => number,
    private readonly history: HistoryService | null = null,
    private readonly historyExtra: HistoryExtra | null = null,
    private readonly alerts: AlertService | null = null,
    private readonly access: Access | null = null,
  ) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err) => {
        this.log.error(`${req.method} ${req.url}: ${(err as Error).stack ?? err}`);
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.destroy();
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

  /** Operator actions: acknowledge an incident, add or remove a silence. */
  private async mutate(req: IncomingMessage, res: ServerResponse, path: string, who: Principal): Promise<void> {
    if (!this.alerts) return json(res, 404, { error: `no route ${req.method} ${path}` });
    const ack = /^\/api\/incidents\/([^/]+)\/ack$/.exec(path);
    const silence = /^\/api\/silences(?:\/([^/]+))?$/.exec(path);
    if (!ack && !silence) return json(res, 404, { error: `no route ${req.method} ${path}` });
    if (!roleAtLeast(who.role, 'operator')) return json(res, 403, { error: `the operator role is needed; ${who.name} is a ${who.role}` });
    if (silence && req.method === 'DELETE') {
      if (!silence[1]) return json(res, 400, { error: 'silence ID missing in the path' });
      return this.alerts.removeSilence(decodeURIComponent(silence[1])) ? json(res, 200, { ok: true }) : json(res, 404, { error: `no silence "${silence[1]}"` });
    }
    if (req.method !== 'POST') return json(res, 405, { error: `method ${req.method} not allowed` });
    const body = await readJson(req, 4096);
    if (!body.ok) return json(res, 400, { error: body.error });
    const b = body.value as Record<string, unknown>;
    const comment = b.comment;
    if (typeof comment !== 'string' || comment.trim().length === 0 || comment.length > 500) return json(res, 400, { error: 'comment: a non-empty string of at most 500 characters is required' });
    if (ack) {
      const err = this.alerts.acknowledge(decodeURIComponent(ack[1]), who.name, comment.trim());
      return err ? json(res, 404, { error: err }) : json(res, 200, { ok: true });
    }
    const now = this.clock();
    if (typeof b.matcher !== 'string' || !/^(group|rack|cdu|hall):[A-Za-z0-9._-]*$/.test(b.matcher)) return json(res, 400, { error: 'matcher: an incident ID or entity (prefix) such as group:h1-r01, cdu:h1-r01-cdu-a or rack:h1-r02-' });
    const startsMs = b.startsMs === undefined ? now : Number(b.startsMs);
    const endsMs = b.endsMs !== undefined ? Number(b.endsMs) : startsMs + Number(b.minutes) * 60_000;
    if (!Number.isFinite(startsMs) || !Number.isFinite(endsMs) || endsMs <= startsMs || endsMs - startsMs > 30 * 86_400_000) return json(res, 400, { error: 'endsMs or minutes: a window after startsMs of at most 30 days is required' });
    return json(res, 200, this.alerts.addSilence({ matcher: b.matcher, startsMs, endsMs, comment: comment.trim(), by: who.name }));
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.access) return json(res, 404, { error: 'no authentication configured' });
    const body = await readJson(req, 4096);
    if (!body.ok) return json(res, 400, { error: 'body: JSON {"name": …, "password": …} expected' });
    const creds = body.value as { name?: unknown; password?: unknown };
    if (typeof creds.name !== 'string' || typeof creds.password !== 'string') return json(res, 400, { error: 'name and password: strings required' });
    const r = this.access.login(creds.name, creds.password, req.socket.remoteAddress ?? '?');
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
    // Everything but the health check and the dashboard's static files needs credentials.
    let who: Principal = { name: 'anonymous', role: 'admin' };
    if ((path.startsWith('/api/') || path === '/metrics') && this.access) {
      const p = this.access.authenticate(req);
      if (!p) {
        res.setHeader('www-authenticate', 'Bearer realm="hallwatch"');
        return json(res, 401, { error: 'authentication required: log in, or send Authorization: Bearer <token>' });
      }
      who = p;
      if (path === '/api/me') return json(res, 200, who);
    }
    if (req.method === 'POST' || req.method === 'DELETE') return this.mutate(req, res, path, who);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: `method ${req.method} not allowed` });
    if (path === '/healthz') {
      const h = this.health();
      return json(res, h.status === 'ok' ? 200 : 503, h);
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(this.metrics.render());
      return;
    }
    if (path === '/api/site') return json(res, 200, this.state.site.view);
    if (path === '/api/alerts' && this.alerts) return json(res, 200, this.alerts.snapshot());
    if ((path === '/api/history/gpu' || path === '/api/history/hall') && this.historyExtra) {
      try {
        const r = path.endsWith('gpu') ? await this.historyExtra.gpu(url.searchParams) : await this.historyExtra.hall(url.searchParams);
        return r.ok ? json(res, 200, r.value) : json(res, 400, { error: r.message });
      } catch (e) {
        return json(res, 502, { error: (e as Error).message });
      }
    }
    if (path === '/api/history' && this.history) {
      const q = parseHistoryQuery(url.searchParams, this.state.site, now);
      if (!q.ok) return json(res, 400, { error: q.message });
      try {
        return json(res, 200, await this.history.query(q.value));
      } catch (e) {
        return json(res, 502, { error: (e as Error).message });
      }
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
