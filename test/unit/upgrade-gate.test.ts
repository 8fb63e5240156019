import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AddressCounts, refusal, upgradeVerdict } from '../../server/stream/upgrade-gate.ts';
import type { Access } from '../../server/auth/access.ts';

function req(url: string, origin?: string): IncomingMessage {
  return { url, headers: { host: 'hall.example:8080', ...(origin === undefined ? {} : { origin }) } } as IncomingMessage;
}

function access(ok: boolean, disabled = false): Access {
  return { disabled, check: () => (ok ? { ok: true } : { ok: false, error: 'no' }) } as unknown as Access;
}

describe('upgradeVerdict()', () => {
  const json = { ok: true, encoding: 'json' };
  const no = (status: string, limited = false) => ({ ok: false, status, limited });
  it.each<{ why: string; r: IncomingMessage; a?: Access; open?: number; max?: number; want: object }>([
    { why: 'lets /ws through as JSON', r: req('/ws'), want: json },
    { why: 'lets /ws?encoding=binary through as binary', r: req('/ws?encoding=binary'), want: { ok: true, encoding: 'binary' } },
    { why: 'lets a same-host Origin through', r: req('/ws', 'http://hall.example:8080'), a: access(true), max: 2, want: json },
    { why: 'refuses another path', r: req('/other'), want: no('404 Not Found') },
    { why: 'refuses a foreign Origin', r: req('/ws', 'https://evil.example'), want: no('403 Forbidden') },
    { why: 'refuses an Origin that is no URL', r: req('/ws', 'not a url'), want: no('403 Forbidden') },
    { why: 'refuses missing credentials', r: req('/ws'), a: access(false), want: no('401 Unauthorized') },
    { why: 'ignores credentials with access control off', r: req('/ws'), a: access(false, true), want: json },
    { why: 'refuses an address at its limit', r: req('/ws'), a: access(true), open: 2, max: 2, want: no('429 Too Many Requests', true) },
    { why: 'lets an address below its limit through', r: req('/ws'), a: access(true), open: 1, max: 2, want: json },
  ])('$why', ({ r, a, open, max, want }) => {
    expect(upgradeVerdict(r, a ?? null, open ?? 0, max)).toEqual(want);
  });

  it('answers a refusal as a closing HTTP response', () => {
    expect(refusal('429 Too Many Requests')).toBe('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
});

describe('AddressCounts', () => {
  it('counts sockets per address and forgets an address with none open', () => {
    const c = new AddressCounts();
    c.opened('a');
    c.opened('a');
    c.opened('b');
    expect([c.open('a'), c.open('b'), c.open('c')]).toEqual([2, 1, 0]);
    c.closed('a');
    c.closed('b');
    c.closed('b');
    expect([c.open('a'), c.open('b')]).toEqual([1, 0]);
  });
});
