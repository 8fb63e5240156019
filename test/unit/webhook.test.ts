import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { webhookChannel } from '../../server/alerts/channels/webhook.ts';
import { addressRefusal, urlRefusal, type TargetPolicy } from '../../server/alerts/channels/target-policy.ts';

/** The policy without `--alert-webhook-allow-link-local` or `--alert-allow-target`. */
const DEFAULT_POLICY: TargetPolicy = { allowLinkLocal: false, allowTargets: new Set() };

const LINK_LOCAL_OK: TargetPolicy = { allowLinkLocal: true, allowTargets: new Set() };

describe('notification target policy: addresses', () => {
  it.each([
    ['169.254.169.254', /cloud metadata/],
    ['169.254.170.2', /cloud metadata/],
    ['100.100.100.200', /cloud metadata/],
    ['fd00:ec2::254', /cloud metadata/],
    ['169.254.10.1', /link-local/],
    ['fe80::1', /link-local/],
    ['FEBF::2', /link-local/],
    ['::ffff:169.254.169.254', /cloud metadata/],
    ['127.0.0.1', /loopback/],
    ['127.8.9.10', /loopback/],
    ['::1', /loopback/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:a9fe:a9fe', /cloud metadata/],
    ['::ffff:7f00:1', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['ff02::1', /multicast/],
    ['10.0.0.5', null],
    ['192.168.1.20', null],
    ['2001:db8::1', null],
    ['fec0::1', null],
  ])('%s → %s', (addr, why) => {
    const r = addressRefusal(addr, DEFAULT_POLICY);
    if (why === null) expect(r).toBeNull();
    else expect(r).toMatch(why);
  });

  it('allows link-local and metadata only when asked, never loopback', () => {
    expect(addressRefusal('169.254.169.254', LINK_LOCAL_OK)).toBeNull();
    expect(addressRefusal('fe80::1', LINK_LOCAL_OK)).toBeNull();
    expect(addressRefusal('127.0.0.1', LINK_LOCAL_OK)).toMatch(/loopback/);
  });
});

describe('notification target policy: URLs', () => {
  it.each([
    ['http://localhost:8086/write', /this machine/],
    ['http://api.localhost/x', /this machine/],
    ['http://127.0.0.1:9093/', /loopback/],
    ['http://[::1]:9093/', /loopback/],
    ['http://169.254.169.254/latest/meta-data', /metadata/],
    ['http://2130706433/', /loopback/],
    ['http://0x7f.1/', /loopback/],
    ['http://[::ffff:169.254.169.254]/', /cloud metadata/],
    ['http://xn--80ak6aa92e.com/hook', /punycode/],
    ['http://аррӏе.com/hook', /punycode/],
    ['ftp://hooks.example.com/', /http or https only/],
    ['file:///etc/passwd', /http or https only/],
    ['not a url', /not a URL/],
    ['https://hooks.slack.com/services/T/B/x', null],
    ['http://alertmanager.noc.internal:9093', null],
    ['http://10.1.2.3:9093', null],
  ])('%s → %s', (url, why) => {
    const r = urlRefusal(url, DEFAULT_POLICY);
    if (why === null) expect(r).toBeNull();
    else expect(r).toMatch(why);
  });

  it('exempts exactly the allowed host:port', () => {
    const p: TargetPolicy = { allowLinkLocal: false, allowTargets: new Set(['127.0.0.1:9093']) };
    expect(urlRefusal('http://127.0.0.1:9093/api/v2/alerts', p)).toBeNull();
    expect(urlRefusal('http://127.0.0.1:8086/write', p)).toMatch(/loopback/);
  });

  it('refuses a metadata target without sending', async () => {
    const { send } = webhookChannel({ url: 'http://169.254.169.254/latest/meta-data', timeoutMs: 100, policy: DEFAULT_POLICY });
    const r = await send({ id: 'n1:webhook', channel: 'webhook', payload: {}, attempts: 0, nextAtMs: 0, createdMs: 0 });
    expect(r).toMatchObject({ ok: false, retry: false });
    expect(!r.ok && r.reason).toMatch(/refused: 169\.254\.169\.254 is a cloud metadata address/);
  });

  // A name /etc/hosts maps to a loopback address (Debian maps the host's own name): the check is on the resolved address.
  const loopbackName = readFileSync('/etc/hosts', 'utf8').split('\n').map((l) => l.trim().split(/\s+/))
    .find(([addr, ...names]) => /^127\./.test(addr ?? '') && names.some((n) => n && !n.includes('localhost')))?.slice(1).find((n) => !n.includes('localhost'));
  it.skipIf(!loopbackName)('refuses a name that resolves to this machine when sending', async () => {
    const { send } = webhookChannel({ url: `http://${loopbackName}:9/hook`, timeoutMs: 2000, policy: DEFAULT_POLICY });
    const r = await send({ id: 'n1:webhook', channel: 'webhook', payload: {}, attempts: 0, nextAtMs: 0, createdMs: 0 });
    expect(r).toMatchObject({ ok: false, retry: false, reason: expect.stringMatching(/refused: .* resolves to 127\.[\d.]+ is a loopback address/) });
  });
});

describe('posting to a notification endpoint', () => {
  let LOOPBACK_TEST: TargetPolicy = DEFAULT_POLICY;
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
    LOOPBACK_TEST = { allowLinkLocal: false, allowTargets: new Set([`127.0.0.1:${port}`]) };
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
      const r = await webhookChannel({ url: s.url, timeoutMs: 2000, policy: LOOPBACK_TEST }).send(d);
      expect(r).toMatchObject(outcome);
      expect(s.seen).toEqual([{ key: 'n2:webhook', body: '{"hello":"world"}' }]);
    } finally {
      await s.close();
    }
  });

  it('gives up on a slow endpoint after its timeout, to retry later', async () => {
    // The endpoint answers after 10 s: a send that ignored its 300 ms timeout would take that long, so the
    // bound below can leave a busy machine seconds of slack and still catch it.
    const s = await serve(200, {}, 10_000);
    try {
      const t0 = Date.now();
      const r = await webhookChannel({ url: s.url, timeoutMs: 300, policy: LOOPBACK_TEST }).send(d);
      expect(r).toEqual({ ok: false, retry: true, reason: 'no answer within 300 ms' });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await s.close();
    }
  });
});
