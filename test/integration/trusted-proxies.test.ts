/**
 * A real HAProxy 2.6 (the shipped configuration, `option forwardfor`) in front of the real server
 * started with `--trusted-proxies 127.0.0.1`. The clients all run on this machine, so each one is
 * told apart by the X-Forwarded-For it sends (HAProxy appends the peer it saw, 127.0.0.1, which is
 * trusted, so the server reads one hop further left), or by connecting from another loopback
 * address (127.0.0.2, 127.0.0.3: not trusted, so what they claim is not believed). One client's
 * failed logins do not lock out another; the WebSocket limit counts each client's sockets; a
 * refused upgrade whose peer resets the connection afterwards does not bring the server down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { startServer } from '../helpers/programs.ts';
import { startHaproxy, type Haproxy } from '../helpers/haproxy.ts';
import { notYet, seen, waitFor } from '../helpers/wait.ts';

const TOKEN = 'test-admin-token-trusted-proxies';

/** How a test client reaches the proxy: the X-Forwarded-For it sends, and the loopback address it connects from. */
interface Client {
  xff?: string;
  from?: string;
}

describe('client addresses behind HAProxy (--trusted-proxies 127.0.0.1)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let proxy: Haproxy;
  let adminPassword: string;

  beforeAll(async () => {
    server = await startServer(
      ['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--admin-token', TOKEN, '--print-admin-login', '1',
        '--trusted-proxies', '127.0.0.1', '--ws-max-per-address', '2'],
      { auth: true },
    );
    adminPassword = /password=(\S+)/.exec(server.output())![1];
    proxy = await startHaproxy([{ name: 'hw-1', host: '127.0.0.1', port: server.port }]);
    await waitFor('HAProxy to see the server up', async () => seen((await proxy.states())['hw-1'], (s) => s === 'UP'), 15_000);
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  /** POST /api/login through `base` as `client`; the status. */
  const login = (client: Client, name: string, password: string, base = proxy.url) =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(client.xff ? { 'x-forwarded-for': client.xff } : {}) };
      const req = request(`${base}/api/login`, { method: 'POST', headers, localAddress: client.from }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ name, password }));
    });

  /** Opens /ws through the proxy as `client`: the open socket, or the status it was refused with. */
  const openWs = (client: Client) =>
    new Promise<{ ws: WebSocket | null; status: number }>((resolve, reject) => {
      const headers = { authorization: `Bearer ${TOKEN}`, ...(client.xff ? { 'x-forwarded-for': client.xff } : {}) };
      const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws`, { headers, localAddress: client.from });
      ws.once('open', () => resolve({ ws, status: 101 }));
      ws.once('unexpected-response', (_req, res) => resolve({ ws: null, status: res.statusCode ?? 0 }));
      ws.once('error', reject);
    });

  it('locks out only the client whose logins failed, not another one behind the same proxy', async () => {
    const a = { xff: '198.51.100.1' };
    const b = { xff: '198.51.100.2' };
    const statuses: number[] = [];
    for (let k = 0; k < 6; k++) statuses.push(await login(a, 'mallory-a', 'wrong'));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(await login(a, 'admin', adminPassword), 'client A stays locked out, even with the right password').toBe(429);
    expect(await login(b, 'bob-b', 'wrong'), 'client B: a wrong password is just wrong').toBe(401);
    expect(await login(b, 'admin', adminPassword), 'client B logs in').toBe(200);
  });

  it('keys by the hop HAProxy appended, not by entries a client forged further left', async () => {
    // Each attempt claims another origin left of its own address: the server reads 198.51.100.3 every time.
    const statuses: number[] = [];
    for (let k = 0; k < 6; k++) statuses.push(await login({ xff: `203.0.113.${k}, 198.51.100.3` }, 'mallory-c', 'wrong'));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('ignores what a client that is not a trusted proxy says it forwards', async () => {
    // From 127.0.0.2 through HAProxy: HAProxy appends 127.0.0.2, not trusted, so that is the client.
    const statuses: number[] = [];
    for (let k = 0; k < 6; k++) statuses.push(await login({ from: '127.0.0.2', xff: `198.51.100.${10 + k}` }, 'mallory-d', 'wrong'));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(await login({ from: '127.0.0.3', xff: '198.51.100.10' }, 'admin', adminPassword), 'another machine is not locked out').toBe(200);
    // Straight to the server from 127.0.0.2: its header is ignored, and its own failures count.
    expect(await login({ from: '127.0.0.2', xff: '198.51.100.99' }, 'admin', adminPassword, server.baseUrl)).toBe(429);
  });

  it('counts the WebSocket limit per client (2 each here), not per proxy', async () => {
    const a = { xff: '198.51.100.21' };
    const first = await openWs(a);
    const second = await openWs(a);
    expect([first.status, second.status]).toEqual([101, 101]);
    expect((await openWs(a)).status, 'client A\'s third socket').toBe(429);
    const b = await openWs({ xff: '198.51.100.22' });
    expect(b.status, 'client B\'s first socket').toBe(101);
    first.ws!.close();
    // The server counts the socket closed once the closing handshake reaches it.
    const again = await waitFor('client A to be let in again once one of its sockets closed', async () => {
      const r = await openWs(a);
      return r.ws ?? notYet({ status: r.status });
    }, 10_000);
    for (const ws of [second.ws, b.ws, again]) ws?.terminate();
  });

  it('keeps serving when a refused upgrade\'s peer resets the connection after the answer (as HAProxy does)', async () => {
    const upgrade = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n`
      + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    for (let k = 0; k < 3; k++) {
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(server.port, '127.0.0.1', () => s.write(upgrade));
        s.once('error', reject);
        s.once('data', (d) => {
          s.resetAndDestroy();
          resolve(String(d).split('\r\n')[0]);
        });
      });
      expect(answer).toBe('HTTP/1.1 401 Unauthorized');
    }
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
    expect(server.proc.exitCode).toBeNull();
  });
});
