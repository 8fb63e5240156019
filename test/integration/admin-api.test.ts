/**
 * The admin API on the real server: users, API tokens, display tokens (read-only, revocable,
 * expiring; a revoked token closes an open WebSocket with the reason), the rules file, wall
 * layouts — and that operators and viewers get 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOSE_AUTH_ENDED } from '../../protocol/stream.ts';
import { startServer } from '../helpers/programs.ts';

const TOKEN = 'test-admin-token-admin-api-01';

describe('admin API', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const storage = mkdtempSync(join(tmpdir(), 'hallwatch-admin-'));
  const call = async (method: string, path: string, body?: unknown, token = TOKEN) => {
    const res = await fetch(server.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    server = await startServer(
      ['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--storage-dir', storage, '--admin-token', TOKEN, '--ws-auth-recheck-ms', '500'],
      { auth: true },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates a user who can log in, lists users without password hashes, and deletes them', async () => {
    expect((await call('PUT', '/api/admin/users/olga', { role: 'operator', password: 'short' })).body.error).toMatch(/^password:/);
    expect((await call('PUT', '/api/admin/users/olga', { role: 'boss', password: 'a-long-enough-pass' })).body.error).toMatch(/^role:/);
    expect((await call('PUT', '/api/admin/users/olga', { role: 'operator', password: 'a-long-enough-pass' })).status).toBe(200);
    const login = await fetch(server.baseUrl + '/api/login', { method: 'POST', body: JSON.stringify({ name: 'olga', password: 'a-long-enough-pass' }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const users = await call('GET', '/api/admin/users');
    expect(users.body).toContainEqual({ name: 'olga', role: 'operator' });
    expect(JSON.stringify(users.body)).not.toMatch(/scrypt/);
    // An operator is not an admin.
    const asOlga = await fetch(server.baseUrl + '/api/admin/users', { headers: { cookie } });
    expect(asOlga.status).toBe(403);
    // Her open WebSocket ends with her account.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { cookie } });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    await new Promise((r) => ws.once('message', r));
    expect((await call('DELETE', '/api/admin/users/olga')).status).toBe(200);
    expect(await closed).toEqual({ code: CLOSE_AUTH_ENDED, reason: 'session expired or ended; log in again' });
    expect((await fetch(server.baseUrl + '/api/site', { headers: { cookie } })).status).toBe(401);
  });

  it('issues an API token once, accepts it, and refuses it after revocation', async () => {
    const created = await call('POST', '/api/admin/tokens', { name: 'grafana', role: 'viewer' });
    expect(created.body.token).toMatch(/^hw_/);
    expect((await call('GET', '/api/site', undefined, created.body.token)).status).toBe(200);
    expect((await call('POST', '/api/silences', { matcher: 'group:h1-r01', minutes: 5, comment: 'x' }, created.body.token)).status).toBe(403);
    expect((await call('GET', '/api/admin/tokens')).body).toContainEqual(expect.objectContaining({ name: 'grafana', role: 'viewer' }));
    expect(JSON.stringify((await call('GET', '/api/admin/tokens')).body)).not.toContain(created.body.token);
    expect((await call('DELETE', '/api/admin/tokens/grafana')).status).toBe(200);
    const after = await call('GET', '/api/site', undefined, created.body.token);
    expect(after).toEqual({ status: 401, body: { error: 'unknown or revoked API token' } });
  });

  it('gives a display token read-only access in the URL, and closes its WebSocket with the reason when revoked', async () => {
    const t = await call('POST', '/api/admin/display-tokens', { name: 'noc-wall-1', expiresInDays: null });
    expect(t.body.wallPath).toBe(`/wall?token=${encodeURIComponent(t.body.token)}`);
    const q = `token=${encodeURIComponent(t.body.token)}`;
    expect((await fetch(`${server.baseUrl}/api/site?${q}`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/api/silences?${q}`, { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await fetch(`${server.baseUrl}/api/admin/users?${q}`)).status).toBe(403);
    // Other credentials never travel in URLs.
    expect((await fetch(`${server.baseUrl}/api/site?token=${TOKEN}`)).status).toBe(401);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?${q}`);
    const closed = new Promise<{ code: number; reason: string; atMs: number }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString(), atMs: Date.now() })));
    await new Promise((r) => ws.once('message', r));
    const revokedAt = Date.now();
    expect((await call('DELETE', `/api/admin/display-tokens/${t.body.id}`)).status).toBe(200);
    const c = await closed;
    expect(c.code).toBe(CLOSE_AUTH_ENDED);
    expect(c.reason).toBe('display token "noc-wall-1" was revoked');
    expect(c.atMs - revokedAt).toBeLessThan(3000);
    expect((await fetch(`${server.baseUrl}/api/site?${q}`)).status).toBe(401);
    expect((await call('GET', '/api/admin/display-tokens')).body)
      .toContainEqual(expect.objectContaining({ id: t.body.id, name: 'noc-wall-1', revokedMs: expect.any(Number) }));
  });

  it('refuses a tampered display token', async () => {
    const t = await call('POST', '/api/admin/display-tokens', { name: 'lobby', expiresInDays: 1 });
    const [payload, sig] = (t.body.token as string).slice(4).split('.');
    const forged = `hwd_${Buffer.from(JSON.stringify({ i: t.body.id, e: 0 })).toString('base64url')}.${sig}`;
    expect(payload).not.toBe(forged.slice(4).split('.')[0]);
    const res = await fetch(`${server.baseUrl}/api/site?token=${encodeURIComponent(forged)}`);
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatch(/bad signature/);
  });

  it('replaces the rules file only when it is valid, naming the bad field', async () => {
    const rules = (await call('GET', '/api/admin/rules')).body;
    expect(rules.rules.length).toBeGreaterThan(10);
    const broken = structuredClone(rules);
    broken.rules[3].severity = 'apocalyptic';
    const refused = await call('PUT', '/api/admin/rules', broken);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/^rules\.rules\[3\]\.severity: must be one of/);
  });

  it('saves named wall layouts that any signed-in viewer can read', async () => {
    expect((await call('PUT', '/api/admin/wall-layouts/noc-main', { halls: ['hall-9'] })).body.error).toMatch(/^halls: no hall "hall-9"/);
    expect((await call('PUT', '/api/admin/wall-layouts/noc-main', { halls: ['hall-2', 'hall-1'], rotateS: 2 })).body.error).toMatch(/^rotateS:/);
    const saved = await call('PUT', '/api/admin/wall-layouts/noc-main', { halls: ['hall-2', 'hall-1'], rotateS: 20, metric: 'dt' });
    expect(saved.body).toEqual({ name: 'noc-main', halls: ['hall-2', 'hall-1'], hallsPerScreen: 0, metric: 'dt', rotateS: 20, sound: false });
    const t = await call('POST', '/api/admin/display-tokens', { name: 'wall-2' });
    const got = await fetch(`${server.baseUrl}/api/wall/layouts/noc-main?token=${encodeURIComponent(t.body.token)}`);
    expect(await got.json()).toEqual(saved.body);
    expect(JSON.parse(readFileSync(join(storage, 'wall-layouts.json'), 'utf8')).layouts).toHaveLength(1);
  });
});
