/**
 * The shipped HAProxy configuration, run by a real HAProxy 2.6 in front of two small HTTP and
 * WebSocket servers whose `/readyz` the test sets: a browser stays on one server by its cookie;
 * a server failing `/readyz` is taken out and its WebSockets cut, so clients reconnect to the
 * other; a killed server's browsers are redispatched on their next request; with no server
 * ready, HAProxy still passes requests through. The shipped file is valid and is what the
 * generator writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { haproxyConfig, SHIPPED, STICKY_COOKIE } from '../../server/cluster/haproxy-config.ts';
import { startHaproxy, type Haproxy } from '../helpers/haproxy.ts';
import { seen, waitFor } from '../helpers/wait.ts';

interface Stub {
  name: string;
  port: number;
  ready: boolean;
  server: Server;
  close(): Promise<void>;
}

/** An HTTP server answering `/readyz` as told and `/who` with its name; WebSockets get its name. */
async function stub(name: string): Promise<Stub> {
  const server = createServer((req, res) => {
    if (req.url === '/readyz') return void res.writeHead(s.ready ? 200 : 503).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.send(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const s: Stub = {
    name, port: (server.address() as AddressInfo).port, ready: true, server,
    async close() {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  return s;
}

async function who(url: string, cookie?: string): Promise<{ name: string; cookie: string | null; status: number }> {
  const res = await fetch(`${url}/who`, { headers: cookie ? { cookie } : {} });
  const set = res.headers.get('set-cookie');
  return { name: await res.text(), cookie: set ? set.split(';')[0] : null, status: res.status };
}

/** Opens a WebSocket through HAProxy with `cookie`; resolves with the socket and the server name it was greeted with. */
function openWs(url: string, cookie: string): Promise<{ ws: WebSocket; name: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { cookie } });
    ws.once('message', (d) => resolve({ ws, name: String(d) }));
    ws.once('error', reject);
  });
}

describe('HAProxy in front of a pair (shipped configuration, real HAProxy 2.6)', () => {
  let a: Stub;
  let b: Stub;
  let proxy: Haproxy;
  const allUp = () => waitFor('HAProxy to see both servers up', async () =>
    seen(await proxy.states(), (s) => s.a === 'UP' && s.b === 'UP'), 15_000);

  beforeAll(async () => {
    a = await stub('a');
    b = await stub('b');
    proxy = await startHaproxy([{ name: 'a', host: '127.0.0.1', port: a.port }, { name: 'b', host: '127.0.0.1', port: b.port }]);
    await allUp();
  });
  afterAll(async () => {
    await proxy?.stop();
    await a?.close().catch(() => undefined);
    await b?.close().catch(() => undefined);
  });

  it('keeps a browser on one server by its cookie, and spreads new browsers over both', async () => {
    const first = await who(proxy.url);
    expect(first.cookie).toMatch(new RegExp(`^${STICKY_COOKIE}=(a|b)$`));
    for (let k = 0; k < 10; k++) expect((await who(proxy.url, first.cookie!)).name).toBe(first.name);
    const second = await who(proxy.url);
    expect(second.name).not.toBe(first.name);
  });

  it('takes a server failing /readyz out, cuts its WebSockets, and sends the reconnect to the other', async () => {
    const { ws, name } = await openWs(proxy.url, `${STICKY_COOKIE}=a`);
    expect(name).toBe('a');
    const closed = new Promise<number>((r) => ws.once('close', () => r(Date.now())));
    const t0 = Date.now();
    a.ready = false;
    const cutAt = await closed;
    const again = await openWs(proxy.url, `${STICKY_COOKIE}=a`);
    console.log(`/readyz 503 → WebSocket cut ${((cutAt - t0) / 1000).toFixed(2)} s; reconnected to ${again.name}`);
    expect(again.name).toBe('b');
    again.ws.close();
    a.ready = true;
    await allUp();
  });

  it('sends the next request of a browser whose server was killed to the other one, before any check notices', async () => {
    const { ws, name } = await openWs(proxy.url, `${STICKY_COOKIE}=b`);
    expect(name).toBe('b');
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    const t0 = Date.now();
    await b.close();
    await closed;
    const again = await openWs(proxy.url, `${STICKY_COOKIE}=b`);
    console.log(`server killed → WebSocket reopened on ${again.name} after ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    expect(again.name).toBe('a');
    again.ws.close();
    expect((await who(proxy.url, `${STICKY_COOKIE}=b`)).name).toBe('a');
    b = await stub('b-restarted');
    // The restarted server listens on another port: HAProxy keeps checking the old one.
    await waitFor('b marked down', async () => seen((await proxy.states()).b, (s) => s.startsWith('DOWN')), 10_000);
  });

  it('still passes requests through when no server is ready (a wall shows old data, not a proxy error)', async () => {
    a.ready = false;
    await waitFor('a marked down', async () => seen((await proxy.states()).a, (s) => s.startsWith('DOWN')), 10_000);
    const r = await who(proxy.url);
    expect(r.status).toBe(200);
    expect(r.name).toBe('a');
    a.ready = true;
    await waitFor('a up again', async () => seen((await proxy.states()).a, (s) => s === 'UP'), 10_000);
  });

  it('ships config/haproxy/hallwatch.cfg as the generator writes it, and HAProxy accepts it', () => {
    const shipped = readFileSync(join(import.meta.dirname, '..', '..', 'config', 'haproxy', 'hallwatch.cfg'), 'utf8');
    expect(shipped, 'regenerate: node --import tsx server/cluster/haproxy-config.ts > config/haproxy/hallwatch.cfg').toBe(haproxyConfig(SHIPPED));
    // The machines' names resolve only on site: checked here with loopback in their place.
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-haproxy-check-'));
    const file = join(dir, 'hallwatch.cfg');
    writeFileSync(file, shipped.replace(/hall-hw-\d/g, '127.0.0.1'));
    const out = execFileSync('/usr/sbin/haproxy', ['-c', '-f', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/Configuration file is valid/);
  });

  it('refuses a configuration without servers, with duplicate names or a bad port, naming the problem', () => {
    const base = { bind: ':80', statsBind: null, service: false };
    expect(() => haproxyConfig({ ...base, servers: [] })).toThrow(/at least one server/);
    expect(() => haproxyConfig({ ...base, servers: [{ name: 'x', host: 'h', port: 1 }, { name: 'x', host: 'i', port: 1 }] })).toThrow(/unique/);
    expect(() => haproxyConfig({ ...base, servers: [{ name: 'x', host: 'h', port: 70000 }] })).toThrow(/port 70000/);
    expect(() => haproxyConfig({ ...base, servers: [{ name: 'a b', host: 'h', port: 1 }] })).toThrow(/"a b"/);
  });
});
