/**
 * A JSON resource the dashboard polls: the last good answer (`view`) and why the last poll failed
 * (`error`, null when it answered). A poll not answered within the timeout is given up; one at a time.
 */
import type { Result } from '../../../protocol/result.ts';

export class Polled<T> {
  view = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight = false;

  constructor(
    private readonly url: string,
    private readonly parse: (body: unknown) => Result<T>,
    private readonly everyMs: number,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 4000,
  ) {}

  start(): void {
    void this.load();
    this.timer = setInterval(() => void this.load(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Polls now (after an action whose effect the next answer shows); skipped while one is in flight. */
  async load(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const res = await fetch(this.url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const r = this.parse(await res.json());
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
