/**
 * What the HA scenarios measure while faults run, each kept as a time line for the whole run so
 * a scenario reads its own window: who says it leads (each server polled every 100 ms on its own,
 * so a frozen one holds up nothing), HTTP answers through the balancer, the longest key-value
 * write of a client of the cluster, rack samples each server accepted, and the incidents each
 * server lists open.
 */
import type { KV } from 'nats';
import type { PairMember } from './rig.ts';
import type { SeenIncident } from './pages.ts';

const LEADER_POLL_MS = 100;
/** A server that does not answer within this is counted as not answering (frozen, killed). */
const ANSWER_TIMEOUT_MS = 1000;

/** Polls `probe` every `everyMs` until stopped; one probe at a time. */
class Poller {
  private running = false;
  private loop: Promise<void> | null = null;
  constructor(private readonly everyMs: number, private readonly probe: () => Promise<void>) {}
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const t0 = Date.now();
        await this.probe().catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.max(0, this.everyMs - (Date.now() - t0))));
      }
    })();
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

interface LeaderSample { atMs: number; leader: number }

export class LeaderWatch {
  /** Per member: when it was asked and what it said (1 leads, 0 not, NaN no answer). */
  readonly samples: LeaderSample[][];
  private readonly pollers: Poller[];

  constructor(pair: PairMember[]) {
    this.samples = pair.map(() => []);
    this.pollers = pair.map((m, i) => new Poller(LEADER_POLL_MS, async () => {
      const atMs = Date.now();
      this.samples[i].push({ atMs, leader: await m.leader(ANSWER_TIMEOUT_MS) });
    }));
  }

  start(): void {
    for (const p of this.pollers) p.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
  }

  /** Intervals in [fromMs, toMs) where member `i` said it leads: each answer holds until its next one. */
  private leadIntervals(i: number, fromMs: number, toMs: number): [number, number][] {
    const s = this.samples[i];
    const out: [number, number][] = [];
    for (let k = 0; k < s.length; k++) {
      if (s[k].leader !== 1) continue;
      const a = Math.max(fromMs, s[k].atMs);
      const b = Math.min(toMs, s[k + 1]?.atMs ?? s[k].atMs + LEADER_POLL_MS);
      if (b > a) out.push([a, b]);
    }
    return out;
  }

  /** Time both said they lead in [fromMs, toMs), ms (at the polling resolution). */
  overlapMs(fromMs: number, toMs: number): number {
    const [x, y] = [this.leadIntervals(0, fromMs, toMs), this.leadIntervals(1, fromMs, toMs)];
    let ms = 0;
    for (const [a0, a1] of x) for (const [b0, b1] of y) ms += Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
    return ms;
  }

  /** First time at or after `fromMs` that member `i` said it leads (NaN: never). */
  leadsFromMs(i: number, fromMs: number): number {
    return this.samples[i].find((x) => x.atMs >= fromMs && x.leader === 1)?.atMs ?? Number.NaN;
  }

  /** Answers of member `i` in [fromMs, toMs). */
  answers(i: number, fromMs: number, toMs: number): LeaderSample[] {
    return this.samples[i].filter((x) => x.atMs >= fromMs && x.atMs < toMs);
  }

  /** Times the lead moved from one member to the other in [fromMs, toMs). */
  changes(fromMs: number, toMs: number): number {
    let last = -1;
    let n = 0;
    const merged = this.samples.flatMap((s, i) => s.filter((x) => x.atMs >= fromMs && x.atMs < toMs && x.leader === 1).map((x) => ({ ...x, i })));
    for (const x of merged.sort((a, b) => a.atMs - b.atMs)) {
      if (last !== -1 && x.i !== last) n++;
      last = x.i;
    }
    return n;
  }

  /** Index of the member whose latest answer says it leads while the other's says not (-1: none or both). */
  current(): number {
    const last = this.samples.map((s) => s.at(-1)?.leader);
    const leading = last.flatMap((l, i) => (l === 1 ? [i] : []));
    return leading.length === 1 ? leading[0] : -1;
  }
}

/** Polls a URL through the balancer every 250 ms; keeps when each 5xx and each failed request happened. */
export class HttpWatch {
  readonly okAtMs: number[] = [];
  readonly serverErrorsAtMs: number[] = [];
  readonly failuresAtMs: number[] = [];
  private readonly poller: Poller;

  constructor(url: string) {
    this.poller = new Poller(250, async () => {
      const atMs = Date.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        (res.status >= 500 ? this.serverErrorsAtMs : this.okAtMs).push(atMs);
      } catch {
        this.failuresAtMs.push(atMs);
      }
    });
  }

  start(): void {
    this.poller.start();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }
}

/** Writes a small value to a probe bucket every 250 ms; keeps each write's start and duration, ms. */
export class KvStallWatch {
  readonly writes: { atMs: number; ms: number; ok: boolean }[] = [];
  private pendingSinceMs: number | null = null;
  private readonly poller: Poller;

  constructor(kv: KV) {
    this.poller = new Poller(250, async () => {
      const atMs = Date.now();
      this.pendingSinceMs = atMs;
      let ok = true;
      try {
        await kv.put('probe', new TextEncoder().encode(String(atMs)));
      } catch {
        ok = false;
      }
      this.pendingSinceMs = null;
      this.writes.push({ atMs, ms: Date.now() - atMs, ok });
    });
  }

  start(): void {
    this.poller.start();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }

  /**
   * Longest time in [fromMs, toMs) from a write's start until a write succeeded: a slow write,
   * or a run of failed ones and the success that ended it (a write still waiting counts); and
   * how many failed.
   */
  longest(fromMs: number, toMs: number): { ms: number; failed: number } {
    const w = this.writes.filter((x) => x.atMs >= fromMs && x.atMs < toMs);
    let longestMs = this.pendingSinceMs !== null && this.pendingSinceMs < toMs ? Date.now() - this.pendingSinceMs : 0;
    let failingSinceMs: number | null = null;
    for (const x of w) {
      if (!x.ok) {
        failingSinceMs ??= x.atMs;
        longestMs = Math.max(longestMs, x.atMs + x.ms - failingSinceMs);
        continue;
      }
      longestMs = Math.max(longestMs, x.atMs + x.ms - (failingSinceMs ?? x.atMs));
      failingSinceMs = null;
    }
    return { ms: longestMs, failed: w.filter((x) => !x.ok).length };
  }
}

/** Rack samples each server accepted (`hallwatch_messages_accepted_total{kind="rack"}`), summed across its restarts. */
export class SampleWatch {
  /** Per member: cumulative accepted samples by time. */
  readonly totals: { atMs: number; total: number }[][];
  private readonly pollers: Poller[];

  constructor(pair: PairMember[]) {
    this.totals = pair.map(() => []);
    const last = pair.map(() => ({ counter: 0, total: 0 }));
    this.pollers = pair.map((m, i) => new Poller(1000, async () => {
      const atMs = Date.now();
      const counter = await m.metric('hallwatch_messages_accepted_total', 'kind="rack"', ANSWER_TIMEOUT_MS * 2);
      if (!Number.isFinite(counter)) return;
      // A restarted server counts from 0 again.
      last[i].total += counter >= last[i].counter ? counter - last[i].counter : counter;
      last[i].counter = counter;
      this.totals[i].push({ atMs, total: last[i].total });
    }));
  }

  start(): void {
    for (const p of this.pollers) p.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
  }

  /** Samples member `i` accepted between the answers nearest `fromMs` and `toMs`, and the span they cover, s. */
  accepted(i: number, fromMs: number, toMs: number): { samples: number; spanS: number } {
    const t = this.totals[i];
    const a = t.find((x) => x.atMs >= fromMs);
    const b = [...t].reverse().find((x) => x.atMs <= toMs);
    if (!a || !b || b.atMs <= a.atMs) return { samples: 0, spanS: 0 };
    return { samples: b.total - a.total, spanS: (b.atMs - a.atMs) / 1000 };
  }
}

interface AlertsAnswer { incidents: { id: string; startedMs: number; silencedBy: string | null; roots: { rule: string }[] }[] }

/** Incidents each server lists open (`/api/alerts`), polled every second. */
export class IncidentWatch {
  /** By `id@startedMs`. */
  private readonly byKey = new Map<string, SeenIncident>();
  /** When each server last answered, with the IDs it listed open. */
  readonly lastOpen = new Map<string, { atMs: number; ids: Set<string> }>();
  private readonly pollers: Poller[];

  constructor(pair: PairMember[]) {
    this.pollers = pair.map((m) => new Poller(1000, async () => {
      if (!m.running()) return;
      const atMs = Date.now();
      const res = await fetch(`${m.baseUrl}/api/alerts`, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS * 2) });
      if (!res.ok) return;
      const body = (await res.json()) as AlertsAnswer;
      for (const inc of body.incidents) {
        const key = `${inc.id}@${inc.startedMs}`;
        const s = this.byKey.get(key) ?? this.byKey.set(key, { id: inc.id, startedMs: inc.startedMs, seenBy: {}, firstSeenMs: atMs, lastSeenMs: atMs, silenced: false, rules: [] }).get(key)!;
        for (const r of inc.roots) if (!s.rules.includes(r.rule)) s.rules.push(r.rule);
        s.seenBy[m.name] = [s.seenBy[m.name]?.[0] ?? atMs, atMs];
        s.lastSeenMs = atMs;
        s.silenced ||= inc.silencedBy !== null;
      }
      this.lastOpen.set(m.name, { atMs, ids: new Set(body.incidents.map((i) => i.id)) });
    }));
  }

  start(): void {
    for (const p of this.pollers) p.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
  }

  /** Incidents listed open at some time in [fromMs, toMs]. */
  seen(fromMs: number, toMs: number): SeenIncident[] {
    return [...this.byKey.values()].filter((s) => s.lastSeenMs >= fromMs && s.firstSeenMs <= toMs);
  }

  /** IDs either server listed open in an answer of the last 3 s. */
  openNow(): Set<string> {
    const recent = [...this.lastOpen.values()].filter((o) => o.atMs > Date.now() - 3000);
    return new Set(recent.flatMap((o) => [...o.ids]));
  }
}
