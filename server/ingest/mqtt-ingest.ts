/**
 * Subscribes to every rack and CDU topic, classifies each message and applies the accepted
 * ones to the live state. A bad message costs one counter increment and, rate-limited, one
 * log line; it never throws out of the handler.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { subscriptionFilters } from '../../protocol/topics.ts';
import { REJECT_REASONS, type RejectReason } from '../../protocol/telemetry.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { LiveState } from '../state/live-state.ts';
import { classifyMessage, type ValidationLimits } from './validate.ts';
import { RejectLog } from './reject-log.ts';
import { SampleAgeWindow } from './sample-age.ts';
import type { Journal } from './journal.ts';

export interface MqttIngestConfig extends ValidationLimits {
  url: string;
  username?: string;
  password?: string;
  /** PEM CA bundle for mqtts:// brokers with a private CA. */
  caPem?: string;
  /** MQTT 5 shared-subscription group; several servers then split the stream. */
  sharedGroup?: string;
  clientId: string;
  /**
   * `at-least-once`: QoS 1 subscription on a persistent session (fixed client ID, clean = false),
   * each message journaled before it is processed and acknowledged; the broker keeps what
   * arrives while the server is down. `at-most-once` (default): QoS 0, clean session.
   */
  delivery?: 'at-most-once' | 'at-least-once';
  journal?: Journal | null;
}

/** Longest run of message handling before the event loop gets a turn, ms. */
const SLICE_MS = 10;

export class MqttIngest {
  private client: MqttClient | null = null;
  private readonly rejectLog: RejectLog;
  /** One bound counter series per kind and per reason: counting a message is one addition. */
  private readonly countAccepted: Record<'rack' | 'cdu' | 'status', (by?: number) => void>;
  /** Told each accepted sample's source time (the server's clock judges host clock steps by it). */
  sourceTime: ((tsMs: number) => void) | null = null;
  private readonly countLate: Record<'rack' | 'cdu', (by?: number) => void>;
  private readonly ages = new SampleAgeWindow();
  private readonly countRejected: Map<RejectReason, (by?: number) => void>;
  connected = false;
  private lastError: string | null = null;
  private repeatedErrors = 0;
  private lastErrorLogMs = 0;

  constructor(
    private readonly cfg: MqttIngestConfig,
    private readonly state: LiveState,
    metrics: Metrics,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {
    this.rejectLog = new RejectLog(log);
    const accepted = metrics.counter('hallwatch_messages_accepted_total', 'MQTT messages taken as readings, by kind', ['kind']);
    const rejected = metrics.counter('hallwatch_messages_rejected_total', 'MQTT messages rejected, by reason', ['reason']);
    this.countRejected = new Map(REJECT_REASONS.map((reason) => [reason, rejected.with({ reason })]));
    this.countAccepted = { rack: accepted.with({ kind: 'rack' }), cdu: accepted.with({ kind: 'cdu' }), status: accepted.with({ kind: 'status' }) };
    const late = metrics.counter('hallwatch_messages_late_total', 'Samples older than their entity\'s latest: kept in history, not shown live, by kind', ['kind']);
    this.countLate = { rack: late.with({ kind: 'rack' }), cdu: late.with({ kind: 'cdu' }) };
    // Age of the samples taken in the last complete 10 s (server clock − source ts): time spent before Hallwatch.
    for (const [name, q] of [['p50', 0.5], ['p99', 0.99], ['max', 1]] as const) {
      metrics.gauge(`hallwatch_ingest_sample_age_${name}_seconds`, `${name} age of the samples taken in the last complete 10 s (server clock − source ts): time spent in gateways, the broker and the unread socket`, () => [[{}, this.ages.quantileS(q, this.clock())]]);
    }
    metrics.gauge('hallwatch_mqtt_connected', 'Whether the ingest is connected to the broker', () => [[{}, this.connected ? 1 : 0]]);
  }

  async start(): Promise<void> {
    this.rejectLog.start();
    const atLeastOnce = this.cfg.delivery === 'at-least-once';
    const journal = this.cfg.journal ?? null;
    if (journal) {
      // What a killed server had taken but not yet written: replayed before new messages.
      const left = journal.recover();
      for (const m of left) this.handle(m.topic, m.payload);
      if (left.length) this.log.info(`ingest: replayed ${left.length} journaled messages from before the last stop`);
    }
    const options: IClientOptions = {
      clientId: this.cfg.clientId,
      username: this.cfg.username,
      password: this.cfg.password,
      ca: this.cfg.caPem,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      // MQTT.js gives up for good on a refused CONNACK (bad credentials, "server unavailable" while a broker
      // restarts) unless told otherwise: keep retrying, so fixing the broker's side is enough.
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      clean: !atLeastOnce,
      // MQTT.js's debug logging costs per packet even when off (2 % of the server at 1 GW).
      log: () => {},
    };
    const client = mqtt.connect(this.cfg.url, options);
    this.client = client;
    client.on('connect', () => {
      this.connected = true;
      this.lastError = null;
      this.repeatedErrors = 0;
      this.log.info(`connected to MQTT broker ${redact(this.cfg.url)}`);
      const filters = subscriptionFilters(this.cfg.topicRoot).map((f) =>
        this.cfg.sharedGroup ? `$share/${this.cfg.sharedGroup}/${f}` : f,
      );
      client.subscribe(filters, { qos: atLeastOnce ? 1 : 0 }, (err) => {
        if (err) this.log.error(`subscribe failed: ${err.message}`);
      });
    });
    client.on('close', () => {
      if (this.connected) this.log.warn('MQTT connection closed; reconnecting');
      this.connected = false;
    });
    client.on('error', (err) => this.connectionError(err.message));
    // QoS 1: this handler runs before MQTT.js sends the PUBACK, so a message is journaled and
    // processed (its history line queued) before the broker forgets it.
    client.on('message', journal ? (topic, payload) => (journal.append(topic, payload), this.handle(topic, payload)) : (topic, payload) => this.handle(topic, payload));
    // MQTT.js handles every packet of a socket read before anything else runs (one process.nextTick
    // after another): after a stall, a read of a thousand messages was a second-long task that held
    // back the WebSocket deltas. Every SLICE_MS of handling, the next packet waits for the event loop.
    let sliceStartMs = performance.now();
    client.handleMessage = (_packet, done) => {
      if (performance.now() - sliceStartMs < SLICE_MS) return done();
      setImmediate(() => {
        sliceStartMs = performance.now();
        done();
      });
    };
  }

  /** Classifies and applies one message; public so benchmarks can drive it without a broker. */
  handle(topic: string, payload: Uint8Array): void {
    const nowMs = this.clock();
    const c = classifyMessage(this.state.site, this.cfg, topic, payload, nowMs);
    if (!c.ok) {
      if (c.rackIndex !== undefined) this.state.sensors.rejected(c.rackIndex, nowMs);
      return this.rejected(c.reason, c.message);
    }
    if (c.kind === 'status') {
      this.state.applyStatus(c.entity, c.index, c.status, nowMs);
      this.countAccepted.status();
      return;
    }
    const outcome = c.kind === 'rack' ? this.state.applyRack(c.index, c.sample, nowMs) : this.state.applyCdu(c.index, c.sample, nowMs);
    if (outcome === 'duplicate') return this.rejected('duplicate', `${topic}: ts ${c.sample.ts} was already taken (a redelivery)`);
    if (outcome === 'late') return void this.countLate[c.kind]();
    this.countAccepted[c.kind]();
    this.ages.add(nowMs - c.sample.ts, nowMs);
    this.sourceTime?.(c.sample.ts);
  }

  /** Logs a broker error once, then at most one reminder with a count every 30 s while it repeats. */
  private connectionError(message: string): void {
    const now = this.clock();
    if (message !== this.lastError) {
      this.lastError = message;
      this.repeatedErrors = 0;
      this.lastErrorLogMs = now;
      this.log.warn(`MQTT: ${message}`);
      return;
    }
    this.repeatedErrors++;
    if (now - this.lastErrorLogMs >= 30_000) {
      this.log.warn(`MQTT: ${message} (${this.repeatedErrors} more times; still retrying every second)`);
      this.lastErrorLogMs = now;
      this.repeatedErrors = 0;
    }
  }

  private rejected(reason: RejectReason, message: string): void {
    this.countRejected.get(reason)!();
    this.rejectLog.record(reason, message);
  }

  async stop(): Promise<void> {
    this.rejectLog.stop();
    this.cfg.journal?.close();
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) await client.endAsync(true);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
