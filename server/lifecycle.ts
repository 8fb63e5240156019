/**
 * The server's stops, run in reverse order of registration. A stop is registered before its
 * part starts (`start()`), so a start that fails halfway still has everything it began undone.
 * `stopAll` runs once: later and concurrent calls share its promise.
 */
import type { Logger } from './logger.ts';

/** Undoes what a part's start did (timers, listeners, sockets). */
export type Stop = () => Promise<void> | void;

export class Stops {
  private readonly stops: [string, Stop][] = [];
  private stopping: Promise<void> | null = null;

  constructor(private readonly log: Logger) {}

  /** Registers a stop with its name (for the debug log and error messages), as the list of stops it replaced took them. */
  push(entry: [name: string, stop: Stop]): void {
    this.stops.push(entry);
  }

  /** Registers `stop`, then runs `start`: a start that throws halfway is still stopped. */
  async start(name: string, start: () => Promise<void> | void, stop: Stop): Promise<void> {
    this.push([name, stop]);
    await start();
  }

  /**
   * Runs every stop, newest first; one that throws is logged and the rest still run (storage,
   * registered early, flushes last). Rejects with the first failure once all have run.
   */
  stopAll(): Promise<void> {
    this.stopping ??= this.run();
    return this.stopping;
  }

  private async run(): Promise<void> {
    let first: Error | null = null;
    for (const [name, stop] of this.stops.splice(0).reverse()) {
      const t0 = Date.now();
      try {
        await stop();
        this.log.debug(`stopped ${name} in ${Date.now() - t0} ms`);
      } catch (e) {
        first ??= new Error(`stopping ${name}: ${(e as Error).message}`);
        this.log.error(`stopping ${name}: ${(e as Error).message}`);
      }
    }
    if (first) throw first;
  }
}
