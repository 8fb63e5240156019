/**
 * What the answering server knows of its pair, from `GET /api/cluster` every 5 s: the header shows
 * whether the pair is whole. Behind the balancer each poll may be answered by either server; the
 * stream's own `hello` says which one the page is live on.
 */
import { pairState, parseClusterView, type ClusterView, type PairState } from '../../../protocol/cluster.ts';

const POLL_MS = 5000;
/** A poll not answered within this is given up, ms. */
const POLL_TIMEOUT_MS = 4000;

export class ClusterFeed {
  view = $state.raw<ClusterView | null>(null);
  /** Why the last poll failed; null when it answered. */
  error = $state<string | null>(null);
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight = false;

  constructor(private readonly url = '/api/cluster', private readonly headers: Record<string, string> = {}) {}

  /** Whole, broken (with why) or a single server; null before the first answer. */
  get pair(): PairState | null {
    return this.view ? pairState(this.view) : null;
  }

  start(): void {
    void this.load();
    this.timer = setInterval(() => void this.load(), POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async load(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const res = await fetch(this.url, { headers: this.headers, signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const r = parseClusterView(await res.json());
      if (!r.ok) throw new Error(r.message);
      this.view = r.value;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.inFlight = false;
    }
  }
}
