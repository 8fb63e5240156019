/**
 * A source's connection to an MQTT bus, made by the server's client factory: every message goes
 * through the source's `Intake` (journal, then handling, in event-loop slices), `onConnect` runs
 * on each (re)connection so the source subscribes again, and a broker error is logged once, then
 * at most one reminder with a count every 30 s while it repeats.
 */
import type { MqttClient } from 'mqtt';
import type { BusConnection } from '../../protocol/bus-connection.ts';
import { connectMqtt } from '../broker/mqtt-client.ts';
import type { Logger } from '../logger.ts';
import type { Intake } from './intake.ts';

export interface MqttLinkOptions {
  connection: BusConnection;
  /** Prefix of its log lines (`MQTT`, `DSX`). */
  label: string;
  /** Logged when an established connection drops (nothing when unset). */
  closedLine?: string;
}

const ERROR_REMINDER_MS = 30_000;

export class MqttLink {
  /** The client while started. */
  client: MqttClient | null = null;
  /** Between the broker's CONNACK and the connection's close. */
  connected = false;
  private lastError: string | null = null;
  private repeatedErrors = 0;
  private lastErrorLogMs = 0;

  constructor(
    private readonly opts: MqttLinkOptions,
    private readonly intake: Intake,
    private readonly onConnect: (client: MqttClient) => void,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {}

  /** Starts connecting (MQTT.js retries on its own); throws, naming the URL, when one is bad. */
  start(): void {
    const client = connectMqtt(this.opts.connection);
    this.client = client;
    client.on('connect', () => {
      this.connected = true;
      this.lastError = null;
      this.repeatedErrors = 0;
      this.onConnect(client);
    });
    client.on('close', () => {
      if (this.connected && this.opts.closedLine) this.log.warn(this.opts.closedLine);
      this.connected = false;
    });
    client.on('error', (err) => this.connectionError(err.message));
    // QoS 1: this handler runs before MQTT.js sends the PUBACK, so a message is journaled and
    // processed (its history line queued) before the broker forgets it.
    client.on('message', this.intake.take);
    // MQTT.js handles every packet of a socket read before anything else runs (one process.nextTick
    // after another): each packet after a spent slice waits for the event loop.
    client.handleMessage = (_packet, done) => this.intake.pass(done);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) await client.endAsync(true);
  }

  private connectionError(message: string): void {
    const now = this.clock();
    if (message !== this.lastError) {
      this.lastError = message;
      this.repeatedErrors = 0;
      this.lastErrorLogMs = now;
      this.log.warn(`${this.opts.label}: ${message}`);
      return;
    }
    this.repeatedErrors++;
    if (now - this.lastErrorLogMs >= ERROR_REMINDER_MS) {
      this.log.warn(`${this.opts.label}: ${message} (${this.repeatedErrors} more times; still retrying every second)`);
      this.lastErrorLogMs = now;
      this.repeatedErrors = 0;
    }
  }
}
