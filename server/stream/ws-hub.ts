/**
 * WebSocket `/ws`: hello → snapshot → deltas. A delta goes out as soon as something changed, at
 * most every `flushMs` (changes arriving in between coalesce into one frame), and after every
 * state tick, at least every `tickMs` (with the tick's totals; an empty delta is the stream's own
 * heartbeat, so a silent site never looks like a dead connection). No polling: the live state
 * says when it changed (`LiveState.changed`), the ticker when it ticked (`stateTicked`). Frames
 * are encoded once per flush for every client. A client whose socket buffer
 * passes `maxBufferedBytes` stops receiving deltas and gets one fresh snapshot once it has
 * drained, so a slow client never builds a backlog in server memory.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { CLOSE_AUTH_ENDED, parseClientMessage } from '../../protocol/stream.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { LiveState } from '../state/live-state.ts';
import type { Access } from '../auth/access.ts';
import { deltaFrame, deltaMessage, helloMessage, rackDetailMessage, snapshotMessage } from './encode.ts';
import type { StreamEncoding } from '../../protocol/stream-binary.ts';
import { AddressCounts, refuseUpgrade, upgradeVerdict } from './upgrade-gate.ts';
import { requestClient, type TrustedProxies } from '../http/client-address.ts';

export interface WsHubConfig {
  /** Longest time between two frames, ms (default 100). */
  tickMs: number;
  /** Shortest time between two deltas, and longest from a change to its delta, ms (default 20): bounds the frame rate under load. */
  flushMs?: number;
  /** Ping interval; a client that has not answered the previous ping is terminated, ms. */
  heartbeatMs: number;
  /** Above this many buffered bytes a client is skipped until it drains. */
  maxBufferedBytes: number;
  /** Open sockets allowed from one client address; more are refused with 429 (default: no limit). */
  maxPerAddress?: number;
  /** Proxies whose X-Forwarded-For names the client that limit counts (client-address.ts); default none. */
  trustedProxies?: TrustedProxies;
}

/** What the hub streams and reports to. */
export interface WsHubDeps {
  cfg: WsHubConfig;
  state: LiveState;
  metrics: Metrics;
  log: Logger;
  clock: () => number;
  /** This server's name, told in `hello` (a function: with `--port 0` it is known once HTTP listens). */
  serverName?: () => string;
}

/** What the hub needs of a socket (a `ws` WebSocket; tests pass a stand-in). */
export type HubSocket = Pick<WebSocket, 'readyState' | 'bufferedAmount' | 'send' | 'ping' | 'terminate' | 'close' | 'on'>;

interface Client {
  ws: HubSocket;
  /** Re-checks the upgrade request's credentials; absent when access control is off. */
  recheck?: () => { ok: true } | { ok: false; error: string };
  alive: boolean;
  needsSnapshot: boolean;
  watchIndex: number;
  watchSentTsMs: number;
  /** Since when the client has had more than STALL_BYTES waiting, ms (NaN while it keeps up). */
  backlogSinceMs: number;
  /** How it gets deltas: JSON text, or binary frames (`/ws?encoding=binary`). */
  encoding: StreamEncoding;
}

/** A client with more than this waiting for longer than STALL_MS is not reading: it is skipped until it drains. */
const STALL_BYTES = 64 * 1024;
const STALL_MS = 1000;

export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly clients = new Set<Client>();
  private readonly perAddress = new AddressCounts();
  private readonly refusedPerAddress: () => void;
  /** The next frame, when one is due. */
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFrameMs = Number.NEGATIVE_INFINITY;
  /** The HTTP server whose upgrades `attach()` took over, and its listener (removed by `stop()`). */
  private upgrades: { server: Server; listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void } | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  /** How often open sockets' credentials are re-checked, ms; null without access control. */
  private recheckMs: number | null = null;
  private readonly countFrames: (l?: Record<string, string>, by?: number) => void;

  private readonly cfg: WsHubConfig;
  private readonly state: LiveState;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly serverName: (() => string) | null;

  constructor(deps: WsHubDeps) {
    const { cfg, state, metrics, log, clock } = deps;
    this.serverName = deps.serverName ?? null;
    this.cfg = cfg;
    this.state = state;
    this.log = log;
    this.clock = clock;
    metrics.gauge('hallwatch_ws_clients', 'Connected WebSocket clients', () => [[{}, this.clients.size]]);
    this.countFrames = metrics.counter('hallwatch_ws_frames_total', 'WebSocket frames sent, by type', ['type']);
    const refused = metrics.counter('hallwatch_ws_refused_total', 'WebSocket upgrades refused because one address has too many open, by reason', ['reason']);
    this.refusedPerAddress = refused.with({ reason: 'per_address_limit' });
  }

  /**
   * Takes over HTTP upgrades on `/ws`; other paths are refused. With `access`, the upgrade needs
   * credentials (401); a browser's Origin must be this server's host (403) and one address may
   * hold at most `maxPerAddress` sockets (429); once started, open sockets are re-checked every
   * `recheckMs` and closed with 4401 and the reason when their credentials end.
   */
  attach(server: Server, access: Access | null = null, recheckMs = 15_000): void {
    if (access && !access.disabled) this.recheckMs = recheckMs;
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const address = requestClient(req, this.cfg.trustedProxies ?? []);
      const verdict = upgradeVerdict(req, access, this.perAddress.open(address), this.cfg.maxPerAddress);
      if (!verdict.ok) {
        if (verdict.limited) this.refusedPerAddress();
        return refuseUpgrade(socket, verdict.status);
      }
      const recheck = access && !access.disabled ? () => access.check(req) : undefined;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.perAddress.opened(address);
        ws.on('close', () => this.perAddress.closed(address));
        this.accept(ws, recheck, verdict.encoding);
      });
    };
    server.on('upgrade', listener);
    this.upgrades = { server, listener };
  }

  /** Sends a frame within `flushMs` of each change of the live state; pings clients and re-checks their credentials. */
  start(): void {
    this.state.changed = () => this.schedule();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.cfg.heartbeatMs);
    if (this.recheckMs !== null) this.recheckTimer = setInterval(() => this.recheckAll(), this.recheckMs);
  }

  async stop(): Promise<void> {
    this.state.changed = null;
    this.upgrades?.server.off('upgrade', this.upgrades.listener);
    this.upgrades = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.flushTimer = this.heartbeatTimer = this.recheckTimer = null;
    // Say goodbye (1001), then cut sockets whose peer does not finish the closing handshake quickly.
    for (const c of this.clients) c.ws.close(1001, 'server shutting down');
    const clients = [...this.clients];
    this.clients.clear();
    await new Promise((r) => setTimeout(r, clients.length ? 300 : 0));
    for (const c of clients) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Registers a connected socket: hello, snapshot, then deltas on every tick. */
  accept(ws: HubSocket, recheck?: Client['recheck'], encoding: StreamEncoding = 'json'): void {
    const client: Client = { ws, recheck, alive: true, needsSnapshot: false, watchIndex: -1, watchSentTsMs: Number.NaN, backlogSinceMs: Number.NaN, encoding };
    this.clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', (err: Error) => this.log.debug(`ws client error: ${err.message}`));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const msg = isBinary ? null : parseClientMessage(data.toString());
      if (!msg) return;
      if (msg.type === 'resync') client.needsSnapshot = true;
      if (msg.type === 'watch') {
        client.watchIndex = msg.rackId === null ? -1 : (this.state.site.rackIndexById.get(msg.rackId) ?? -1);
        client.watchSentTsMs = Number.NaN;
        this.sendDetail(client, this.clock());
      }
    });
    const now = this.clock();
    this.send(client, JSON.stringify(helloMessage(this.state, this.cfg.tickMs, now, encoding, this.serverName?.())), 'hello');
    this.send(client, JSON.stringify(snapshotMessage(this.state, now)), 'snapshot');
  }

  /** Closes sockets whose credentials no longer hold, telling the client why. */
  recheckAll(): void {
    for (const c of this.clients) {
      const r = c.recheck?.();
      if (!r || r.ok) continue;
      this.clients.delete(c);
      this.log.info(`ws: closing a client: ${r.error}`);
      // A close reason is at most 123 bytes.
      c.ws.close(CLOSE_AUTH_ENDED, Buffer.from(r.error).subarray(0, 120).toString());
    }
  }

  /** Racks a client watches now (its rack panel is open): their detail is sent as it changes. */
  watchedRacks(): number[] {
    return [...new Set([...this.clients].map((c) => c.watchIndex).filter((i) => i >= 0))];
  }

  /** The state ticked: a frame with its totals goes out, changed or not (main.ts wires this to the ticker). */
  stateTicked(): void {
    this.schedule();
  }

  /** Sends the next frame `flushMs` after the last one, or now when that has passed; one at a time. */
  private schedule(): void {
    if (this.flushTimer) return;
    const flushMs = this.cfg.flushMs ?? 20;
    const delayMs = Math.min(flushMs, Math.max(0, this.lastFrameMs + flushMs - this.clock()));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.tick();
    }, delayMs);
  }

  /** Sends each client its delta (what changed since the last one) or a snapshot. */
  tick(): void {
    const now = this.clock();
    this.lastFrameMs = now;
    const dirty = this.state.takeDirty();
    if (this.clients.size === 0) return;
    // Encoded once per tick and encoding: every client gets the same buffer.
    let delta: Buffer | null = null;
    let binary: Buffer | null = null;
    let snapshot: Buffer | null = null;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      // Frames pile up for a client that stops reading (a paused TCP peer, a frozen tab): after
      // STALL_MS, or beyond maxBufferedBytes at once, it gets nothing until it drains, then a snapshot.
      const buffered = c.ws.bufferedAmount;
      if (buffered <= STALL_BYTES) c.backlogSinceMs = Number.NaN;
      else if (Number.isNaN(c.backlogSinceMs)) c.backlogSinceMs = now;
      if (buffered > this.cfg.maxBufferedBytes || now - c.backlogSinceMs > STALL_MS) {
        c.needsSnapshot = true;
        continue;
      }
      if (c.needsSnapshot) {
        snapshot ??= Buffer.from(JSON.stringify(snapshotMessage(this.state, now)));
        c.needsSnapshot = false;
        this.send(c, snapshot, 'snapshot');
      } else if (c.encoding === 'binary') {
        if (!binary) {
          const frame = deltaFrame(this.state, dirty, now);
          binary = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
        }
        this.send(c, binary, 'delta', true);
      } else {
        delta ??= Buffer.from(JSON.stringify(deltaMessage(this.state, dirty, now)));
        this.send(c, delta, 'delta');
      }
      this.sendDetail(c, now);
    }
  }

  private sendDetail(c: Client, now: number): void {
    if (c.watchIndex < 0) return;
    const detail = this.state.rackDetail[c.watchIndex];
    if (!detail || detail.tsMs === c.watchSentTsMs) return;
    const msg = rackDetailMessage(this.state, c.watchIndex, now);
    if (!msg) return;
    c.watchSentTsMs = detail.tsMs;
    this.send(c, JSON.stringify(msg), 'rack');
  }

  private send(c: Client, frame: string | Buffer, type: string, binary = false): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(frame, { binary });
    this.countFrames({ type });
  }

  private heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        this.clients.delete(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
