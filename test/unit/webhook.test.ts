import { describe, expect, it } from 'vitest';
import { isLinkLocalOrMetadata, webhookChannel } from '../../server/alerts/channels/webhook.ts';

describe('webhook target guard', () => {
  it.each([
    ['169.254.169.254', true],
    ['169.254.10.1', true],
    ['fe80::1', true],
    ['FEBF::2', true],
    ['fd00:ec2::254', true],
    ['::ffff:169.254.169.254', true],
    ['127.0.0.1', false],
    ['10.0.0.5', false],
    ['2001:db8::1', false],
    ['fec0::1', false],
  ])('%s → %s', (addr, bad) => expect(isLinkLocalOrMetadata(addr)).toBe(bad));

  it('refuses a metadata target without sending, and says how to allow it', async () => {
    const { send } = webhookChannel({ url: 'http://169.254.169.254/latest/meta-data', timeoutMs: 100, allowLinkLocal: false });
    const r = await send({ id: 'n1:webhook', channel: 'webhook', payload: {}, attempts: 0, nextAtMs: 0, createdMs: 0 });
    expect(r).toMatchObject({ ok: false, retry: false });
    expect(!r.ok && r.reason).toMatch(/link-local\/metadata address 169\.254\.169\.254.*--alert-webhook-allow-link-local/);
  });
});

describe('posting to a notification endpoint', () => {
  const d = { id: 'n2:webhook', channel: 'webhook', payload: { hello: 'world' }, attempts: 0, nextAtMs: 0, createdMs: 0 };
  const serve = async (status: number, headers: Record<string, string> = {}, delayMs = 0) => {
    const { createServer } = await import('node:http');
    const seen: { key: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ key: String(req.headers['idempotency-key']), body });
        setTimeout(() => res.writeHead(status, headers).end('nope'), delayMs);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}/hook`, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
  };

  it.each([
    [200, {}, { ok: true }],
    [503, { 'retry-after': '7' }, { ok: false, retry: true, retryAfterMs: 7000, reason: 'HTTP 503: nope' }],
    [429, {}, { ok: false, retry: true }],
    [400, {}, { ok: false, retry: false, reason: 'HTTP 400: nope' }],
    [302, { location: 'http://169.254.169.254/' }, { ok: false, retry: false }],
  ])('HTTP %i → %j', async (status, headers, outcome) => {
    const s = await serve(status, headers);
    try {
      const r = await webhookChannel({ url: s.url, timeoutMs: 2000, allowLinkLocal: false }).send(d);
      expect(r).toMatchObject(outcome);
      expect(s.seen).toEqual([{ key: 'n2:webhook', body: '{"hello":"world"}' }]);
    } finally {
      await s.close();
    }
  });

  it('gives up on a slow endpoint after its timeout, to retry later', async () => {
    const s = await serve(200, {}, 1500);
    try {
      const t0 = Date.now();
      const r = await webhookChannel({ url: s.url, timeoutMs: 300, allowLinkLocal: false }).send(d);
      expect(r).toEqual({ ok: false, retry: true, reason: 'no answer within 300 ms' });
      expect(Date.now() - t0).toBeLessThan(1200);
    } finally {
      await s.close();
    }
  });
});
