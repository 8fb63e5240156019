/** Access control on the real server: 401 without credentials on APIs and the WebSocket, tokens, login, rate limit, Origin. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer } from '../helpers/programs.ts';

const TOKEN = 'test-admin-token-0123456789';

describe('access control', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let adminPassword: string;

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--admin-token', TOKEN, '--print-admin-login', '1'], { auth: true });
    adminPassword = /password=(\S+)/.exec(server.output())![1];
  });
  afterAll(async () => {
    await server?.stop();
  });

  const wsStatus = (headers: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers });
      ws.on('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });

  it.each(['/api/site', '/api/racks/h1-r01-k01', '/api/halls/hall-1', '/api/history?entity=site', '/api/alerts', '/metrics', '/api/me'])(
    'answers 401 and no data on %s without credentials',
    async (path) => {
      const res = await fetch(server.baseUrl + path);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/authentication required/) });
    },
  );

  it('keeps /healthz and the dashboard files open', async () => {
    expect((await fetch(server.baseUrl + '/healthz')).status).not.toBe(401);
    expect((await fetch(server.baseUrl + '/')).status).toBe(200);
  });

  it('accepts the admin token on every API and the WebSocket', async () => {
    const res = await fetch(server.baseUrl + '/api/site', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await wsStatus({ authorization: `Bearer ${TOKEN}` })).toBe(101);
    expect(await wsStatus({})).toBe(401);
    expect(await wsStatus({ authorization: 'Bearer wrong' })).toBe(401);
  });

  it('refuses a WebSocket from another Origin even with credentials', async () => {
    expect(await wsStatus({ authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' })).toBe(403);
    expect(await wsStatus({ authorization: `Bearer ${TOKEN}`, origin: `http://127.0.0.1:${server.port}` })).toBe(101);
  });

  it('logs in with the printed admin password into a session cookie that opens the API and the WebSocket', async () => {
    const res = await fetch(server.baseUrl + '/api/login', { method: 'POST', body: JSON.stringify({ name: 'admin', password: adminPassword }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!.split(';')[0];
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const me = await (await fetch(server.baseUrl + '/api/me', { headers: { cookie } })).json();
    expect(me).toEqual({ name: 'admin', role: 'admin' });
    expect(await wsStatus({ cookie })).toBe(101);
    expect((await fetch(server.baseUrl + '/api/me', { headers: { cookie: cookie.slice(0, -3) + 'abc' } })).status).toBe(401);
  });

  it('rate-limits failed logins per client', async () => {
    const attempt = (password: string) => fetch(server.baseUrl + '/api/login', { method: 'POST', body: JSON.stringify({ name: 'admin', password }) });
    const statuses = [];
    for (let k = 0; k < 7; k++) statuses.push((await attempt('wrong')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect((await attempt(adminPassword)).status).toBe(429);
  });
});
