/**
 * Login abuse: 200 wrong passwords for one user from 10 loopback addresses (127.0.0.2–11, real
 * source addresses), then a password change and a user deletion with that user's sockets open.
 */
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Access, LOGIN_FAILURES_PER_USER_PER_MIN } from '../../server/auth/access.ts';
import { CLOSE_AUTH_ENDED } from '../../protocol/stream.ts';
import { usersFileStore } from '../../server/auth/user-store.ts';
import { startServer } from '../../test/helpers/programs.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

const ADMIN = 'chaos-admin-token-0123456789';
const RECHECK_MS = 1000;

function post(
  port: string | number, path: string, body: unknown, localAddress: string, headers: Record<string, string> = {},
): Promise<{ status: number; cookie?: string }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const allHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers };
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', localAddress, headers: allHeaders }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Opens a socket with the session cookie; resolves with ms from `since()` to its close, and the close code. */
function openWs(port: number, cookie: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; atMs: number }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { cookie } });
    const closed = new Promise<{ code: number; atMs: number }>((r) => ws.on('close', (code) => r({ code, atMs: Date.now() })));
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

export const loginAbuse: Scenario = {
  name: 'login abuse',
  short: true,
  async run(_scale, log) {
    const storage = mkdtempSync(join(tmpdir(), 'hallwatch-chaos-login-'));
    const users = new Access({ store: usersFileStore(join(storage, 'users.json')), adminToken: '', disabled: false });
    await users.start();
    await users.setUser('olga', 'operator', 'operator-pass-1');
    await users.setUser('omar', 'operator', 'operator-pass-2');
    const server = await startServer(
      [
        '--site', 'sites/demo.json', '--embedded-broker-port', '0', '--storage-dir', storage, '--admin-token', ADMIN, '--ws-auth-recheck-ms',
        String(RECHECK_MS),
      ],
      { auth: true },
    );
    const rows: ChaosRow[] = [];
    try {
      const statuses = new Map<number, number>();
      for (let k = 0; k < 200; k++) {
        const r = await post(server.port, '/api/login', { name: 'olga', password: `guess-${k}` }, `127.0.0.${2 + (k % 10)}`);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
      const checked = statuses.get(401) ?? 0;
      const limited = statuses.get(429) ?? 0;
      log(`200 guesses: ${checked} checked (401), ${limited} refused (429)`);
      rows.push(row(
        'login abuse',
        '200 wrong passwords for one user from 10 addresses in one minute',
        `≤ ${LOGIN_FAILURES_PER_USER_PER_MIN} passwords checked, the rest 429`,
        `${checked} checked, ${limited} refused with 429`,
        checked <= LOGIN_FAILURES_PER_USER_PER_MIN && checked + limited === 200,
      ));
      const good = await post(server.port, '/api/login', { name: 'omar', password: 'operator-pass-2' }, '127.0.0.12');
      rows.push(row(
        'login abuse',
        'the right password of another user during the attack, from a fresh address',
        'logs in',
        `HTTP ${good.status}`,
        good.status === 200,
      ));

      for (const [what, change] of [
        ['password change', () => fetch(`${server.baseUrl}/api/admin/users/omar`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ role: 'operator', password: 'operator-pass-3' }),
        })],
        ['user deletion', () => fetch(`${server.baseUrl}/api/admin/users/omar`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })],
      ] as const) {
        const login = await post(
          server.port,
          '/api/login',
          { name: 'omar', password: what === 'password change' ? 'operator-pass-2' : 'operator-pass-3' },
          '127.0.0.13',
        );
        const cookie = login.cookie!;
        const sockets = await Promise.all([openWs(server.port, cookie), openWs(server.port, cookie)]);
        const t0 = Date.now();
        const res = await change();
        const closes = await Promise.race([Promise.all(sockets.map((s) => s.closed)), new Promise<null>((r) => setTimeout(() => r(null), RECHECK_MS * 5))]);
        const api = await fetch(`${server.baseUrl}/api/me`, { headers: { cookie } });
        const closedMs = closes ? Math.max(...closes.map((c) => c.atMs - t0)) : Number.NaN;
        log(`${what}: HTTP ${res.status}; sockets closed after ${closedMs} ms (codes ${closes?.map((c) => c.code).join(',')}); old cookie → ${api.status}`);
        rows.push(row('login abuse', `${what} with 2 of the user's sockets open (re-check every ${RECHECK_MS} ms)`,
          `old session refused (401); sockets closed with ${CLOSE_AUTH_ENDED} within ${RECHECK_MS} ms + 1 s`,
          `API ${api.status}; sockets closed ${closes ? `after ${closedMs} ms, codes ${closes.map((c) => c.code).join(', ')}` : 'not at all'}`,
          res.ok && api.status === 401 && !!closes && closes.every((c) => c.code === CLOSE_AUTH_ENDED) && closedMs <= RECHECK_MS + 1000));
        for (const s of sockets) s.ws.terminate();
      }
    } finally {
      await server.stop();
    }
    return rows;
  },
};
