/**
 * A JetStream key-value watch kept running until it is stopped. nats.js's watch is an ordered
 * consumer: it can fail to start (a consumer-create request that times out on a busy cluster) and
 * it ends when the server drops the consumer or a reset fails. A watch that just ended would leave
 * this server blind to what the other one writes, so it is started again, 0.5 s after the first
 * failure and up to every 10 s after more. Each start delivers every key's last value again:
 * `each` must skip revisions it has seen (all callers keep the revision they know per key).
 */
import type { KvEntry } from 'nats';

/** What a watch needs of a bucket (nats.js's KV has it). */
export interface Watchable {
  watch(opts: { key: string }): Promise<AsyncIterable<KvEntry> & { stop(): void }>;
}

export interface KeptWatch {
  /** Resolves once the first watch is open, or it is stopped, or the connection closed (failures are retried, never thrown). */
  readonly started: Promise<void>;
  stop(): void;
}

export interface KeepWatchingOptions {
  /** Told when the watch stopped and is being started again, and when it runs again. */
  onTrouble?: (message: string) => void;
  /** Delay before the first retry; doubled each failure in a row, up to 10 s. */
  retryMs?: number;
}

const MAX_RETRY_MS = 10_000;

/** nats.js's code for a request on a closed connection: the server is shutting down, nothing to retry. */
const isClosed = (e: unknown) => (e as { code?: string })?.code === 'CONNECTION_CLOSED';

export function keepWatching(kv: Watchable, key: string, each: (e: KvEntry) => void, opts: KeepWatchingOptions = {}): KeptWatch {
  let stopped = false;
  let iter: { stop(): void } | null = null;
  let wake: (() => void) | null = null;
  let opened!: () => void;
  const started = new Promise<void>((r) => (opened = r));
  const pause = (ms: number) => new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    wake = () => {
      clearTimeout(t);
      r();
    };
  });
  void (async () => {
    let failures = 0;
    while (!stopped) {
      let reason = 'it ended';
      try {
        const it = await kv.watch({ key });
        iter = it;
        if (stopped) return it.stop();
        opened();
        if (failures > 0) opts.onTrouble?.(`watch of ${key} runs again`);
        failures = 0;
        for await (const e of it) each(e);
      } catch (e) {
        // Nothing to wait for: a caller awaiting `started` goes on and finds the connection closed.
        if (isClosed(e)) return opened();
        reason = (e as Error).message;
      }
      if (stopped) return;
      failures++;
      if (failures === 1) opts.onTrouble?.(`watch of ${key} stopped (${reason}); starting it again`);
      await pause(Math.min((opts.retryMs ?? 500) * 2 ** (failures - 1), MAX_RETRY_MS));
    }
  })();
  return {
    started,
    stop: () => {
      stopped = true;
      iter?.stop();
      wake?.();
      opened();
    },
  };
}
