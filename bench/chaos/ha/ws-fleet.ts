/**
 * Many dashboard-like WebSocket clients on one address (HAProxy in front of the pair): each
 * reconnects on its own after a close with the dashboard's jittered backoff, and the fleet
 * measures, per reconnect, the time from losing its server to the first live frame from the
 * other one.
 */
import WebSocket from 'ws';
import { quantile } from '../../bench-probe.ts';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

interface Client {
  ws: WebSocket | null;
  lostAtMs: number | null;
  retryMs: number;
}

export class WsFleet {
  private readonly clients: Client[] = [];
  private stopped = false;
  /** Close → first frame after reconnecting, ms, one per recovery. */
  readonly recoveriesMs: number[] = [];
  frames = 0;

  constructor(private readonly url: string, private readonly size: number) {}

  /** Opens every client and waits for each one's first frame. */
  async start(): Promise<void> {
    const firsts: Promise<void>[] = [];
    for (let i = 0; i < this.size; i++) {
      const c: Client = { ws: null, lostAtMs: null, retryMs: FIRST_RETRY_MS };
      this.clients.push(c);
      firsts.push(new Promise((resolve) => this.open(c, resolve)));
    }
    await Promise.all(firsts);
  }

  private open(c: Client, onFirstFrame?: () => void): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url);
    c.ws = ws;
    ws.on('message', () => {
      this.frames++;
      c.retryMs = FIRST_RETRY_MS;
      if (c.lostAtMs !== null) {
        this.recoveriesMs.push(Date.now() - c.lostAtMs);
        c.lostAtMs = null;
      }
      onFirstFrame?.();
      onFirstFrame = undefined;
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (this.stopped || c.ws !== ws) return;
      c.ws = null;
      c.lostAtMs ??= Date.now();
      // The dashboard's schedule: doubling from 250 ms to 5 s, each wait jittered ±50 %.
      const waitMs = c.retryMs * (0.5 + Math.random());
      c.retryMs = Math.min(MAX_RETRY_MS, c.retryMs * 2);
      setTimeout(() => this.open(c, onFirstFrame), waitMs);
    });
  }

  /** Clients without a live connection now. */
  get down(): number {
    return this.clients.filter((c) => c.lostAtMs !== null).length;
  }

  /** Closes every client at once from this side (a reconnect storm when they all come back). */
  dropAll(): void {
    for (const c of this.clients) c.ws?.terminate();
  }

  summary(): { recoveries: number; p50Ms: number; p95Ms: number; maxMs: number } {
    const s = [...this.recoveriesMs].sort((a, b) => a - b);
    return { recoveries: s.length, p50Ms: quantile(s, 0.5), p95Ms: quantile(s, 0.95), maxMs: s.at(-1) ?? Number.NaN };
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.clients) c.ws?.terminate();
  }
}
