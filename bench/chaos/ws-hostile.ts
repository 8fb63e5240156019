/**
 * Slow and hostile WebSocket clients on real sockets, with the simulator publishing the demo
 * site: clients that stop reading, an oversized upgrade, a 100 MB frame, 1,000 sockets from one
 * address, a foreign Origin and an expired session. A measuring client's publish → WebSocket p99
 * is compared with a clean window of the same run.
 */
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RACK_COL, type ServerMessage } from '../../protocol/stream.ts';
import { Access, SESSION_COOKIE } from '../../server/auth/access.ts';
import { usersFileStore } from '../../server/auth/user-store.ts';
import { quantile } from '../bench-probe.ts';
import { startServer, startSimulator } from '../../test/helpers/programs.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { fmt, rssMb } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

const TOKEN = 'chaos-ws-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Publish → WebSocket latencies of new rack samples seen by one client over `ms`. */
async function latencyWindow(port: number, ms: number): Promise<number[]> {
  const tsCol = RACK_COL.tsMs;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: AUTH });
  const lastTs = new Map<number, number>();
  const out: number[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as ServerMessage;
    if (m.type !== 'delta' && m.type !== 'snapshot') return;
    const now = Date.now();
    m.racks.idx.forEach((rack, k) => {
      const ts = m.racks.cols[tsCol][k] as number | null;
      if (ts === null || lastTs.get(rack) === ts) return;
      lastTs.set(rack, ts);
      // The snapshot says what the client has; a delta row re-sent with a time it has (its
      // group's headroom moved) is not a new sample.
      if (m.type === 'delta') out.push(now - ts);
    });
  });
  await new Promise((r) => ws.once('open', r));
  await sleep(ms);
  ws.terminate();
  return out.sort((a, b) => a - b);
}

/** Raw upgrade request; resolves with the status code and the socket (left open, paused, when 101). */
function rawUpgrade(port: number, headers: Record<string, string>, pause: boolean): Promise<{ status: number; destroy: () => void }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => resolve({ status: 0, destroy: () => s.destroy() }));
    s.once('connect', () => {
      const lines = [
        'GET /ws HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      s.write(lines.join('\r\n') + '\r\n\r\n');
      s.once('data', (chunk) => {
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(chunk.toString('latin1'))?.[1] ?? 0);
        if (pause) s.pause();
        resolve({ status, destroy: () => s.destroy() });
      });
    });
  });
}

function wsStatus(port: number, headers: Record<string, string>, localAddress?: string): Promise<{ status: number; frames: () => number; ws: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers, localAddress });
    let frames = 0;
    ws.on('message', () => frames++);
    ws.on('open', () => resolve({ status: 101, frames: () => frames, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, frames: () => frames, ws }));
    ws.on('error', () => resolve({ status: 0, frames: () => frames, ws }));
  });
}

export const wsHostile: Scenario = {
  name: 'slow and hostile WebSocket clients',
  short: true,
  async run(scale, log) {
    const windowMs = scale === 'short' ? 5000 : 20_000;
    const storage = mkdtempSync(join(tmpdir(), 'hallwatch-chaos-ws-'));
    const usersPath = join(storage, 'users.json');
    const users = new Access({ store: usersFileStore(usersPath), adminToken: '', disabled: false });
    await users.start();
    await users.setUser('vic', 'viewer', 'viewer-pass-123');
    const server = await startServer(
      ['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--storage-dir', storage, '--admin-token', TOKEN],
      { auth: true },
    );
    const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl]);
    const rows: ChaosRow[] = [];
    const pid = server.proc.pid!;
    try {
      await sleep(3000);
      const clean = await latencyWindow(server.port, windowMs);
      const rssClean = rssMb(pid);
      const pausedAtMs = Date.now();
      const paused = await Promise.all(Array.from({ length: 50 }, () => rawUpgrade(server.port, AUTH, true)));
      const opened = paused.filter((p) => p.status === 101).length;
      log(`clean p99 ${quantile(clean, 0.99)} ms; ${opened} paused clients open`);
      // Measured once they have joined: connecting sends each its hello and snapshot, a cost of
      // 50 clients arriving, not of their stopping to read.
      await sleep(2000);
      const loaded = await latencyWindow(server.port, windowMs);
      const rssPaused = rssMb(pid);
      const p99Clean = quantile(clean, 0.99);
      const p99Loaded = quantile(loaded, 0.99);
      rows.push(row(
        'slow and hostile WebSockets',
        `${opened} clients that stop reading (paused TCP), measured for ${windowMs / 1000} s from 2 s after they connect`,
        `others' p99 within 50 ms of a clean window; RSS bounded (a client with a backlog for 1 s gets nothing more)`,
        `p99 ${p99Clean} → ${p99Loaded} ms (${loaded.length} samples); RSS ${fmt(rssClean)} → ${fmt(rssPaused)} MB`,
        opened === 50 && p99Loaded - p99Clean <= 50 && rssPaused - rssClean <= 50 * 4 + 50,
      ));
      if (scale === 'full') {
        let left = 50;
        while (Date.now() - pausedAtMs < 45_000) {
          const m = await (await fetch(`${server.baseUrl}/metrics`, { headers: AUTH })).text();
          left = Number(/^hallwatch_ws_clients (\S+)$/m.exec(m)?.[1] ?? 0);
          if (left === 0) break;
          await sleep(1000);
        }
        const closedS = (Date.now() - pausedAtMs) / 1000;
        rows.push(row(
          'slow and hostile WebSockets',
          'the paused clients, left alone',
          'closed by the heartbeat (ping unanswered, 15 s) within 30 s + 1 s of pausing',
          left === 0 ? `all closed by ${fmt(closedS)} s after pausing (polled once a second)` : `${left} still open after ${fmt(closedS)} s`,
          left === 0 && closedS <= 31,
        ));
      }
      for (const p of paused) p.destroy();

      const manyHeaders = Object.fromEntries(Array.from({ length: 2000 }, (_, k) => [`X-Chaos-${k}`, 'x'.repeat(8)]));
      const big = await rawUpgrade(server.port, { ...AUTH, ...manyHeaders }, false);
      big.destroy();
      rows.push(row('slow and hostile WebSockets', 'an upgrade with 2,000 headers', 'refused (431), no data', `HTTP ${big.status}`, big.status === 431));

      const hugeFrame = await wsStatus(server.port, AUTH);
      const closeCode = await new Promise<number>((resolve) => {
        hugeFrame.ws.on('close', (code) => resolve(code));
        hugeFrame.ws.send(Buffer.alloc(100 * 2 ** 20), { binary: true });
        setTimeout(() => resolve(-1), 10_000);
      });
      rows.push(row(
        'slow and hostile WebSockets',
        'a 100 MB frame from a client',
        'closed with 1009 (message too big)',
        `closed with ${closeCode}`,
        closeCode === 1009,
      ));

      const rssBeforeMany = rssMb(pid);
      const many = await Promise.all(Array.from({ length: 1000 }, () => wsStatus(server.port, AUTH, '127.0.0.2')));
      const accepted = many.filter((m) => m.status === 101).length;
      const refused429 = many.filter((m) => m.status === 429).length;
      const rssMany = rssMb(pid);
      for (const m of many) m.ws.terminate();
      rows.push(row('slow and hostile WebSockets', '1,000 sockets from one address', 'at most --ws-max-per-address (100) open, the rest 429; RSS bounded',
        `${accepted} open, ${refused429} refused with 429; RSS ${fmt(rssBeforeMany)} → ${fmt(rssMany)} MB`, accepted === 100 && refused429 === 900));

      const foreign = await wsStatus(server.port, { ...AUTH, origin: 'http://evil.example' });
      const expiredAccess = new Access({ store: usersFileStore(usersPath), adminToken: '', disabled: false, clock: () => Date.now() - 13 * 3_600_000 });
      await expiredAccess.start();
      const expiredCookie = await expiredAccess.login('vic', 'viewer-pass-123', 'chaos');
      const expired = 'cookie' in expiredCookie
        ? await wsStatus(server.port, { cookie: `${SESSION_COOKIE}=${encodeURIComponent(expiredCookie.cookie)}` })
        : { status: -1, frames: () => 0, ws: null };
      const anonymous = await wsStatus(server.port, {});
      await sleep(500);
      const frames = foreign.frames() + expired.frames() + anonymous.frames();
      rows.push(row(
        'slow and hostile WebSockets',
        'a foreign Origin (with a valid token), an expired session, no credentials',
        '403, 401, 401; 0 data frames',
        `${foreign.status}, ${expired.status}, ${anonymous.status}; ${frames} frames`,
        foreign.status === 403 && expired.status === 401 && anonymous.status === 401 && frames === 0,
      ));
      log(
        `headers ${big.status}; 100 MB frame → ${closeCode}; 1,000 sockets: ${accepted} open, ${refused429} 429; origin ` +
          `${foreign.status}, expired ${expired.status}`,
      );
    } finally {
      await sim.stop();
      await server.stop();
    }
    return rows;
  },
};
