/**
 * What the HA scenarios measure while faults run: who says it leads (both servers polled every
 * 100 ms: overlap and failover times), HTTP answers through the balancer (5xx), and the cluster's
 * key-value write latency seen by a client of its own (the longest stall).
 */
import type { KV } from 'nats';
import type { PairMember } from './rig.ts';

const POLL_MS = 100;

interface LeaderSample { atMs: number; leaders: number[] }

export class LeaderWatch {
  readonly samples: LeaderSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(private readonly pair: PairMember[]) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      const atMs = Date.now();
      void Promise.all(this.pair.map((m) => m.leader())).then((leaders) => {
        this.samples.push({ atMs, leaders });
        this.busy = false;
      });
    }, POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Time both said they lead, ms (at the polling resolution). */
  overlapMs(fromMs = 0): number {
    let ms = 0;
    const s = this.samples.filter((x) => x.atMs >= fromMs);
    for (let i = 1; i < s.length; i++) if (s[i - 1].leaders.every((l) => l === 1)) ms += s[i].atMs - s[i - 1].atMs;
    return ms;
  }

  /** First time after `fromMs` that member `index` said it leads (NaN: never). */
  leadsFromMs(index: number, fromMs: number): number {
    return this.samples.find((x) => x.atMs >= fromMs && x.leaders[index] === 1)?.atMs ?? Number.NaN;
  }

  /** Index of the member that leads now (-1: none or both). */
  current(): number {
    const last = this.samples.at(-1);
    if (!last) return -1;
    const leading = last.leaders.flatMap((l, i) => (l === 1 ? [i] : []));
    return leading.length === 1 ? leading[0] : -1;
  }
}

/** Polls a URL through the balancer every 250 ms; counts answers by class. */
export class HttpWatch {
  ok = 0;
  serverErrors = 0;
  failures = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly url: string) {}

  start(): void {
    this.timer = setInterval(() => {
      fetch(this.url, { signal: AbortSignal.timeout(5000) }).then(async (res) => {
        await res.arrayBuffer();
        if (res.status >= 500) this.serverErrors++;
        else this.ok++;
      }, () => this.failures++);
    }, 250);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Writes a small value to a probe bucket every 250 ms and keeps the longest write, ms. */
export class KvStallWatch {
  longestMs = 0;
  failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private busySinceMs: number | null = null;

  constructor(private readonly kv: KV) {}

  start(): void {
    this.timer = setInterval(() => {
      // A write still running counts as a stall as long as it runs.
      if (this.busySinceMs !== null) {
        this.longestMs = Math.max(this.longestMs, performance.now() - this.busySinceMs);
        return;
      }
      const t0 = performance.now();
      this.busySinceMs = t0;
      this.kv.put('probe', new TextEncoder().encode(String(Date.now()))).then(
        () => undefined,
        () => this.failures++,
      ).finally(() => {
        this.longestMs = Math.max(this.longestMs, performance.now() - t0);
        this.busySinceMs = null;
      });
    }, 250);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
