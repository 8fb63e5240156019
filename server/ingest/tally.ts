/**
 * A source's counters: messages taken by kind and refused by reason, one bound series each so
 * counting a message is one addition, and the refusals also in the rate-limited reject log.
 */
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import { RejectLog } from './reject-log.ts';

/** A counter with one label whose every value is known up front. */
export interface CounterSpec<V extends string> {
  name: string;
  help: string;
  label: string;
  values: readonly V[];
}

/** Declares `spec` and binds a series per value: `count[value]()` adds one. */
export function labelledCounters<V extends string>(metrics: Metrics, spec: CounterSpec<V>): Record<V, (by?: number) => void> {
  const counter = metrics.counter(spec.name, spec.help, [spec.label]);
  return Object.fromEntries(spec.values.map((v) => [v, counter.with({ [spec.label]: v })])) as Record<V, (by?: number) => void>;
}

export class SourceTally<K extends string, R extends string> {
  /** Adds one to the messages taken as kind `k`. */
  readonly accepted: Record<K, (by?: number) => void>;
  private readonly countRejected: Record<R, (by?: number) => void>;
  private readonly rejectLog: RejectLog<R>;

  constructor(metrics: Metrics, log: Logger, specs: { accepted: CounterSpec<K>; rejected: CounterSpec<R> }) {
    this.accepted = labelledCounters(metrics, specs.accepted);
    this.countRejected = labelledCounters(metrics, specs.rejected);
    this.rejectLog = new RejectLog<R>(log);
  }

  start(): void {
    this.rejectLog.start();
  }

  /** Counts and logs (rate-limited) one refused message. */
  rejected(reason: R, message: string): void {
    this.countRejected[reason]();
    this.rejectLog.record(reason, message);
  }

  /** Stops the reject log's timer after logging what it still holds. */
  stop(): void {
    this.rejectLog.stop();
  }
}
