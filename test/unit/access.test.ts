import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Access } from '../../server/auth/access.ts';

const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;

describe('display tokens', () => {
  let nowMs = Date.parse('2026-11-22T12:00:00Z');
  const access = new Access(join(mkdtempSync(join(tmpdir(), 'hallwatch-access-unit-')), 'users.json'), 'admin-secret-token', false, () => nowMs);
  const forever = access.createDisplayToken('noc-1', null, 'ana');
  const day = access.createDisplayToken('lobby', 86_400_000, 'ana');
  const revoked = access.createDisplayToken('old-wall', null, 'ana');
  access.revokeDisplayToken(revoked.id);
  const apiToken = access.createToken('grafana', 'viewer');

  it.each([
    ['a display token in the URL', () => req(`/ws?token=${encodeURIComponent(forever.token)}`), { ok: true, principal: { name: 'display:noc-1', role: 'viewer', displayTokenId: forever.id } }],
    ['a display token as Bearer', () => req('/api/site', { authorization: `Bearer ${day.token}` }), { ok: true, principal: { name: 'display:lobby', role: 'viewer', displayTokenId: day.id } }],
    ['a revoked one', () => req(`/ws?token=${revoked.token}`), { ok: false, error: 'display token "old-wall" was revoked' }],
    ['a tampered signature', () => req(`/ws?token=${forever.token.slice(0, -3)}abc`), { ok: false, error: 'display token not valid (bad signature)' }],
    ['an API token in the URL', () => req(`/api/site?token=${apiToken}`), { ok: false, error: 'only display tokens are accepted in the URL' }],
    ['the admin token in the URL', () => req('/api/site?token=admin-secret-token'), { ok: false, error: 'only display tokens are accepted in the URL' }],
    ['an API token as Bearer', () => req('/api/site', { authorization: `Bearer ${apiToken}` }), { ok: true, principal: { name: 'grafana', role: 'viewer' } }],
    ['nothing', () => req('/api/site'), { ok: false, error: expect.stringMatching(/^authentication required/) }],
  ])('%s', (_n, r, expected) => expect(access.check(r())).toEqual(expected));

  it('expires at its time, with the time in the reason', () => {
    const r = () => access.check(req(`/ws?token=${day.token}`));
    nowMs += 86_400_000 - 1;
    expect(r().ok).toBe(true);
    nowMs += 1;
    expect(r()).toEqual({ ok: false, error: 'display token "lobby" expired at 2026-11-23T12:00:00.000Z' });
  });

  it('outlives the session secret and survives a restart (same file)', () => {
    const again = new Access((access as unknown as { path: string }).path, '', false, () => nowMs);
    expect(again.check(req(`/ws?token=${forever.token}`)).ok).toBe(true);
    expect(again.listDisplayTokens().map((t) => [t.name, Boolean(t.revokedMs)])).toEqual([['noc-1', false], ['lobby', false], ['old-wall', true]]);
  });
});
