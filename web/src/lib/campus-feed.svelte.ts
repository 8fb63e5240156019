/**
 * The campus view's halls, from `GET /api/campus` every 5 s: the dashboard says which halls'
 * shards are unreachable or missing and how many halls the site's totals hold live. Any other
 * server answers `campus: false` and nothing is shown.
 */
import { parseCampusView, type CampusView } from '../../../protocol/campus.ts';

const POLL_MS = 5000;
const POLL_TIMEOUT_MS = 4000;

export class CampusFeed {
  view = $state.raw<CampusView | null>(null);
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight = false;

  constructor(private readonly url = '/api/campus', private readonly headers: Record<string, string> = {}) {}

  /** The halls not live, on a campus view; empty otherwise. */
  get notLive(): CampusView['halls'] {
    return this.view?.campus ? this.view.halls.filter((h) => h.status !== 'live') : [];
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
      if (!res.ok) return;
      const r = parseCampusView(await res.json());
      if (r.ok) this.view = r.value;
    } catch {
      // The connection badge and the stream say when the server is away; this strip keeps its last answer.
    } finally {
      this.inFlight = false;
    }
  }
}
