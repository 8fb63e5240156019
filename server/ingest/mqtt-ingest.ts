/**
 * The `hallwatch/v1` source on an MQTT broker: subscribes to every rack and CDU topic (QoS 1 on
 * a persistent session with at-least-once delivery, else QoS 0 on a clean one) and hands each
 * message to the contract's handler through the shared intake.
 */
import type { MqttClient } from 'mqtt';
import type { BusConnection } from '../../protocol/bus-connection.ts';
import { brokerOf } from '../broker/mqtt-client.ts';
import { subscriptionFilters } from '../../protocol/topics.ts';
import type { ValidationLimits } from './validate.ts';
import { Intake } from './intake.ts';
import { MqttLink } from './mqtt-link.ts';
import type { Source, SourceParts } from './source.ts';
import { TelemetryMessages } from './telemetry-messages.ts';

export interface MqttIngestConfig extends ValidationLimits {
  /** The broker(s), credentials, CA and client ID; the session follows `delivery`. */
  bus: Omit<BusConnection, 'clean'>;
  /**
   * `at-least-once`: QoS 1 subscription on a persistent session (fixed client ID, clean = false),
   * each message journaled before it is processed and acknowledged; the broker keeps what
   * arrives while the server is down. `at-most-once` (default): QoS 0, clean session.
   */
  delivery?: 'at-most-once' | 'at-least-once';
  /** A hall shard's halls: only their topics are subscribed; undefined = every hall. */
  halls?: readonly string[];
}

/**
 * The ingest's MQTT client ID: `configured` when set; else fixed per host for at-least-once (its
 * persistent session must be found again after a restart), per process otherwise.
 */
export function ingestClientId(configured: string | undefined, delivery: MqttIngestConfig['delivery'], host: string, pid: number): string {
  return configured ?? (delivery === 'at-least-once' ? `hallwatch-ingest-${host}` : `hallwatch-server-${host}-${pid}`);
}

export class MqttIngest implements Source {
  private readonly messages: TelemetryMessages;
  private readonly intake: Intake;
  private readonly link: MqttLink;

  constructor(cfg: MqttIngestConfig, parts: SourceParts) {
    const { readings, metrics, log, clock, journal } = parts;
    const atLeastOnce = cfg.delivery === 'at-least-once';
    this.messages = new TelemetryMessages(cfg, readings, metrics, log, clock);
    this.intake = new Intake((topic, payload) => this.messages.handle(topic, payload), journal, log);
    const onConnect = (client: MqttClient) => {
      log.info(`connected to MQTT broker ${brokerOf(client)}`);
      // Plain subscriptions, never a shared one: every server holds every rack (README, "Deployment: a redundant pair").
      client.subscribe(subscriptionFilters(cfg.topicRoot, cfg.halls), { qos: atLeastOnce ? 1 : 0 }, (err) => {
        if (err) log.error(`subscribe failed: ${err.message}`);
      });
    };
    const connection = { ...cfg.bus, clean: !atLeastOnce };
    this.link = new MqttLink({ connection, label: 'MQTT', closedLine: 'MQTT connection closed; reconnecting' }, this.intake, onConnect, log, clock);
    metrics.gauge('hallwatch_mqtt_connected', 'Whether the ingest is connected to the broker', () => [[{}, this.connected ? 1 : 0]]);
  }

  get connected(): boolean {
    return this.link.connected;
  }

  async start(): Promise<void> {
    // First, as it throws on a bad URL; nothing arrives before the journal's replay, which runs synchronously.
    this.link.start();
    this.messages.start();
    this.intake.start();
  }

  async stop(): Promise<void> {
    await this.link.stop();
    this.intake.stop();
    this.messages.stop();
  }
}
