/**
 * The one shape of a telemetry source (MQTT, DSX, and the NATS and Kafka ones to come): it
 * connects somewhere, turns what arrives into readings, and puts them into the shared
 * `Readings`. What every source needs besides its transport comes from the shared parts below,
 * so a new source is one file: `Readings` (live state, sample age, steady-clock feed), `Intake`
 * (at-least-once journal, event-loop slicing), `SourceTally` (counters and the reject log) and,
 * for MQTT buses, `MqttLink` (one connection through the server's client factory).
 */
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Journal } from './journal.ts';
import type { Readings } from './readings.ts';

export interface Source {
  /** Whether the source is connected to where its readings come from. */
  readonly connected: boolean;
  start(): Promise<void>;
  /** Undoes every timer and listener of `start()` and closes the connection. */
  stop(): Promise<void>;
}

/** The shared parts a source is built from; `server/main.ts` makes them. */
export interface SourceParts {
  /** Where readings go; shared by every source. */
  readings: Readings;
  metrics: Metrics;
  log: Logger;
  clock: () => number;
  /** The at-least-once journal this source writes every message to first, or null (at-most-once). */
  journal: Journal | null;
}
