import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Access } from '../../server/auth/access.ts';
import { usersFileStore } from '../../server/auth/user-store.ts';

const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;
const tempUsersPath = () => join(mkdtempSync(join(tmpdir(), 'hallwatch-access-unit-')), 'users.json');

describe('display tokens', () => {
  let nowMs = Date.parse('2026-11-22T12:00:00Z');
  const path = tempUsersPath();
  const access = new Access({ store: usersFileStore(path), adminToken: 'admin-secret-token', disabled: false, clock: () => nowMs });
  let forever: { id: string; token: string };
  let day: { id: string; token: string };
  let revoked: { id: string; token: string };
  let apiToken: string;
  beforeAll(async () => {
    await access.start();
    forever = await access.createDisplayToken('noc-1', null, 'ana');
    day = await access.createDisplayToken('lobby', 86_400_000, 'ana');
    revoked = await access.createDisplayToken('old-wall', null, 'ana');
    await access.revokeDisplayToken(revoked.id);
    apiToken = await access.createToken('grafana', 'viewer');
  });

  const wall = (name: string, id: () => string) => () => ({ ok: true, principal: { name: `display:${name}`, role: 'viewer', displayTokenId: id() } });
  const refused = (error: unknown) => () => ({ ok: false, error });
  it.each([
    ['a display token in the URL', () => req(`/ws?token=${encodeURIComponent(forever.token)}`), wall('noc-1', () => forever.id)],
    ['a display token as Bearer', () => req('/api/site', { authorization: `Bearer ${day.token}` }), wall('lobby', () => day.id)],
    ['a revoked one', () => req(`/ws?token=${revoked.token}`), refused('display token "old-wall" was revoked')],
    ['a tampered signature', () => req(`/ws?token=${forever.token.slice(0, -3)}abc`), refused('display token not valid (bad signature)')],
    ['an API token in the URL', () => req(`/api/site?token=${apiToken}`), refused('only display tokens are accepted in the URL')],
    ['the admin token in the URL', () => req('/api/site?token=admin-secret-token'), refused('only display tokens are accepted in the URL')],
    [
      'an API token as Bearer',
      () => req('/api/site', { authorization: `Bearer ${apiToken}` }),
      () => ({ ok: true, principal: { name: 'grafana', role: 'viewer' } }),
    ],
    ['nothing', () => req('/api/site'), refused(expect.stringMatching(/^authentication required/))],
  ])('%s', (_n, r, expected) => expect(access.check(r())).toEqual(expected()));

  it('expires at its time, with the time in the reason', () => {
    const r = () => access.check(req(`/ws?token=${day.token}`));
    nowMs += 86_400_000 - 1;
    expect(r().ok).toBe(true);
    nowMs += 1;
    expect(r()).toEqual({ ok: false, error: 'display token "lobby" expired at 2026-11-23T12:00:00.000Z' });
  });

  it('outlives the session secret and survives a restart (same file)', async () => {
    const again = new Access({ store: usersFileStore(path), adminToken: '', disabled: false, clock: () => nowMs });
    await again.start();
    expect(again.check(req(`/ws?token=${forever.token}`)).ok).toBe(true);
    expect(again.listDisplayTokens().map((t) => [t.name, Boolean(t.revokedMs)])).toEqual([['noc-1', false], ['lobby', false], ['old-wall', true]]);
  });
});

describe('Access lifecycle and logins', () => {
  it('touches no file until start(), and start() creates the users file with its secrets', async () => {
    const path = tempUsersPath();
    const access = new Access({ store: usersFileStore(path), adminToken: '', disabled: false });
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    await access.start();
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect([typeof saved.sessionSecret, typeof saved.displaySecret, saved.users, saved.tokens]).toEqual(['string', 'string', [], []]);
  });

  it('loads a users file from before display tokens and adds their secret', async () => {
    const path = tempUsersPath();
    writeFileSync(path, JSON.stringify({ version: 1, sessionSecret: 's'.repeat(43), users: [], tokens: [] }));
    await new Access({ store: usersFileStore(path), adminToken: '', disabled: false }).start();
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect([saved.sessionSecret, typeof saved.displaySecret, saved.displayTokens]).toEqual(['s'.repeat(43), 'string', []]);
  });

  it('refuses to start on a corrupt users file, naming it', async () => {
    const path = tempUsersPath();
    writeFileSync(path, '{"version": 1, "users": [');
    await expect(new Access({ store: usersFileStore(path), adminToken: '', disabled: false }).start()).rejects.toThrow(`${path}: not valid JSON`);
  });

  it.each([
    ['the right password', 'otto', 'operator-pass-1', 200],
    ['a wrong password', 'otto', 'wrong-password-1', 401],
    ['an unknown user', 'nobody', 'operator-pass-1', 401],
  ])('answers a login with %s: %s', async (_n, name, password, status) => {
    const access = new Access({ store: usersFileStore(tempUsersPath()), adminToken: '', disabled: false });
    await access.start();
    await access.setUser('otto', 'operator', 'operator-pass-1');
    const r = await access.login(name, password, '10.0.0.1');
    expect('cookie' in r ? 200 : r.status).toBe(status);
    if (!('cookie' in r)) return;
    const withCookie = req('/api/site', { cookie: `hallwatch_session=${encodeURIComponent(r.cookie)}` });
    expect(access.check(withCookie)).toEqual({ ok: true, principal: { name: 'otto', role: 'operator' } });
  });

  it('ends a session when the password changes', async () => {
    const access = new Access({ store: usersFileStore(tempUsersPath()), adminToken: '', disabled: false });
    await access.start();
    await access.setUser('otto', 'operator', 'operator-pass-1');
    const r = await access.login('otto', 'operator-pass-1', '10.0.0.1');
    if (!('cookie' in r)) throw new Error(r.error);
    const withCookie = req('/api/site', { cookie: `hallwatch_session=${encodeURIComponent(r.cookie)}` });
    expect(access.check(withCookie).ok).toBe(true);
    await access.setUser('otto', 'operator', 'operator-pass-2');
    expect(access.check(withCookie)).toEqual({ ok: false, error: 'session expired or ended; log in again' });
  });
});
