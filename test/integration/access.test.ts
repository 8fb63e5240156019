/** Access control on the real server: 401 without credentials on APIs and the WebSocket, tokens, login, rate limit, Origin. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../helpers/programs.ts';
import { Access } from '../../server/auth/access.ts';
import { usersFileStore } from '../../server/auth/user-store.ts';

const TOKEN = 'test-admin-token-0123456789';

describe('access control', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let adminPassword: string;

  beforeAll(async () => {
    const storage = mkdtempSync(join(tmpdir(), 'hallwatch-access-'));
    const users = new Access({ store: usersFileStore(join(storage, 'users.json')), adminToken: '', disabled: false });
    await users.start();
    await users.setUser('vera', 'viewer', 'viewer-pass-1');
    await users.setUser('otto', 'operator', 'operator-pass-1');
    server = await startServer(
      ['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--storage-dir', storage, '--admin-token', TOKEN, '--print-admin-login', '1'],
      { auth: true },
    );
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

  const loginCookie = async (name: string, password: string) => {
    const res = await fetch(server.baseUrl + '/api/login', { method: 'POST', body: JSON.stringify({ name, password }) });
    expect(res.status).toBe(200);
    return res.headers.get('set-cookie')!.split(';')[0];
  };

  it('lets a viewer look but not acknowledge or silence (403), and an operator act', async () => {
    const viewer = await loginCookie('vera', 'viewer-pass-1');
    expect((await fetch(server.baseUrl + '/api/alerts', { headers: { cookie: viewer } })).status).toBe(200);
    const ack = await fetch(server.baseUrl + '/api/incidents/group:h1-r01/ack', {
      method: 'POST', headers: { cookie: viewer }, body: JSON.stringify({ comment: 'on it' }),
    });
    expect(ack.status).toBe(403);
    expect((await ack.json()).error).toMatch(/operator role is needed; vera is a viewer/);
    const silence = { matcher: 'cdu:h1-r01-cdu-a', minutes: 60, comment: 'planned pump swap' };
    expect((await fetch(server.baseUrl + '/api/silences', { method: 'POST', headers: { cookie: viewer }, body: JSON.stringify(silence) })).status).toBe(403);
    const operator = await loginCookie('otto', 'operator-pass-1');
    const unknown = await fetch(server.baseUrl + '/api/incidents/group:nowhere/ack', {
      method: 'POST', headers: { cookie: operator }, body: JSON.stringify({ comment: 'x' }),
    });
    expect(unknown.status).toBe(404);
    const noComment = await fetch(server.baseUrl + '/api/silences', {
      method: 'POST', headers: { cookie: operator }, body: JSON.stringify({ ...silence, comment: '' }),
    });
    expect(noComment.status).toBe(400);
    const made = await fetch(server.baseUrl + '/api/silences', { method: 'POST', headers: { cookie: operator }, body: JSON.stringify(silence) });
    expect(made.status).toBe(200);
    const s = await made.json();
    expect(s).toMatchObject({ matcher: 'cdu:h1-r01-cdu-a', by: 'otto', comment: 'planned pump swap' });
    expect(s.endsMs - s.startsMs).toBe(3_600_000);
    const alerts = await (await fetch(server.baseUrl + '/api/alerts', { headers: { cookie: viewer } })).json();
    expect(alerts.silences.map((x: any) => x.id)).toEqual([s.id]);
    expect((await fetch(`${server.baseUrl}/api/silences/${s.id}`, { method: 'DELETE', headers: { cookie: operator } })).status).toBe(200);
  });

  it('rate-limits failed logins per client', async () => {
    const attempt = (password: string) => fetch(server.baseUrl + '/api/login', { method: 'POST', body: JSON.stringify({ name: 'admin', password }) });
    const statuses = [];
    for (let k = 0; k < 7; k++) statuses.push((await attempt('wrong')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect((await attempt(adminPassword)).status).toBe(429);
  });
});
