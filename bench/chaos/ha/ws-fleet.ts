/**
 * Many dashboard-like WebSocket clients on one address (HAProxy in front of the pair): each
 * reconnects on its own as the dashboard does (web/src/lib/backoff.ts, and a socket silent for
 * 5 s is given up), and the fleet keeps, per recovery, when the client lost its stream (closed,
 * or found silent) and how long until the first frame of the next connection.
 */
import WebSocket from 'ws';
import { quantile } from '../../bench-probe.ts';
import { reconnectDelayMs } from '../../../web/src/lib/backoff.ts';

/** As the dashboard's live feed (web/src/lib/live-feed.svelte.ts): a socket without a frame this long is dead, ms. */
const STALL_RECONNECT_MS = 5000;

interface Client {
  ws: WebSocket | null;
  lostAtMs: number | null;
  attempt: number;
  lastFrameMs: number;
  socketSinceMs: number;
  /** Told of the client's first frame ever (start() waits for every client's). */
  onFirstFrame: (() => void) | null;
}

export interface Recovery {
  lostAtMs: number;
  ms: number;
}

export class WsFleet {
  private readonly clients: Client[] = [];
  private stopped = false;
  private watchdog: NodeJS.Timeout | null = null;
  /** One per recovery, in the order they happened. */
  readonly recoveries: Recovery[] = [];
  /** Frames received per wall-clock second (epoch seconds). */
  private readonly framesBySecond = new Map<number, number>();
  /** Longest time a client went without a frame, with when that silence ended. */
  readonly silences: { endMs: number; ms: number }[] = [];

  constructor(private readonly url: string, readonly size: number) {}

  /** Opens every client and waits for each one's first frame (rejects after `timeoutMs`). */
  async start(timeoutMs = 60_000): Promise<void> {
    const firsts: Promise<void>[] = [];
    for (let i = 0; i < this.size; i++) {
      const c: Client = { ws: null, lostAtMs: null, attempt: 0, lastFrameMs: Date.now(), socketSinceMs: Date.now(), onFirstFrame: null };
      this.clients.push(c);
      firsts.push(new Promise((resolve) => {
        c.onFirstFrame = resolve;
        this.open(c);
      }));
    }
    this.watchdog = setInterval(() => {
      const now = Date.now();
      for (const c of this.clients) if (c.ws && now - Math.max(c.lastFrameMs, c.socketSinceMs) > STALL_RECONNECT_MS) this.lose(c, c.ws);
    }, 500);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.clients.filter((c) => c.onFirstFrame).length} of ${this.size} walls without a first frame after ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([Promise.all(firsts), late]).finally(() => clearTimeout(timer));
  }

  private open(c: Client): void {
    if (this.stopped) return;
    const ws = new WebSocket(`${this.url}?encoding=binary`);
    c.ws = ws;
    c.socketSinceMs = Date.now();
    ws.on('message', () => {
      if (c.ws !== ws) return;
      const now = Date.now();
      const second = Math.floor(now / 1000);
      this.framesBySecond.set(second, (this.framesBySecond.get(second) ?? 0) + 1);
      if (now - c.lastFrameMs > 1000) this.silences.push({ endMs: now, ms: now - c.lastFrameMs });
      c.lastFrameMs = now;
      c.attempt = 0;
      if (c.lostAtMs !== null) {
        this.recoveries.push({ lostAtMs: c.lostAtMs, ms: now - c.lostAtMs });
        c.lostAtMs = null;
      }
      c.onFirstFrame?.();
      c.onFirstFrame = null;
    });
    ws.on('error', () => undefined);
    ws.on('close', () => this.lose(c, ws));
  }

  private lose(c: Client, ws: WebSocket): void {
    if (this.stopped || c.ws !== ws) return;
    c.ws = null;
    ws.terminate();
    c.lostAtMs ??= Date.now();
    const waitMs = reconnectDelayMs(c.attempt++);
    setTimeout(() => this.open(c), waitMs);
  }

  /** Clients without a live connection now. */
  get down(): number {
    return this.clients.filter((c) => c.lostAtMs !== null).length;
  }

  /** Closes every client at once from this side (a reconnect storm when they all come back). */
  dropAll(): void {
    for (const c of this.clients) if (c.ws) this.lose(c, c.ws);
  }

  /** Recoveries from losses in [fromMs, toMs): how many, p50/p95/max ms; the longest frame gap that ended in the window, ms; frames received. */
  summary(fromMs: number, toMs: number): { recoveries: number; p50Ms: number; p95Ms: number; maxMs: number; longestGapMs: number; frames: number } {
    const s = this.recoveries.filter((r) => r.lostAtMs >= fromMs && r.lostAtMs < toMs).map((r) => r.ms).sort((a, b) => a - b);
    const gaps = this.silences.filter((g) => g.endMs >= fromMs && g.endMs < toMs).map((g) => g.ms);
    let frames = 0;
    for (const [second, n] of this.framesBySecond) if (second * 1000 >= fromMs && second * 1000 < toMs) frames += n;
    return {
      recoveries: s.length, p50Ms: quantile(s, 0.5), p95Ms: quantile(s, 0.95), maxMs: s.at(-1) ?? Number.NaN,
      longestGapMs: Math.max(0, ...gaps), frames,
    };
  }

  /** Clients that got no frame in the last `ms`. */
  silentFor(ms: number): number {
    const now = Date.now();
    return this.clients.filter((c) => now - c.lastFrameMs > ms).length;
  }

  stop(): void {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    for (const c of this.clients) c.ws?.terminate();
  }
}
