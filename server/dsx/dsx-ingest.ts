/**
 * Reads a DSX Exchange bus as it is (docs/dsx.md): subscribes to `{root}/+/Metadata/#` and
 * `{root}/+/Value/#`, turns points into rack and CDU readings through `DsxPoints`, and applies
 * them to the live state next to the `hallwatch/v1` ingest. Staleness follows the contract: a
 * DSX-fed entity is stale when nothing (change or 100 s republish) came for `staleAfterMs`, and
 * every DSX-fed entity is stale while the BMS heartbeat, once seen, is older than
 * `heartbeatTimeoutMs`. Publishes Hallwatch's own `HeartbeatTimestampIntegration` every 10 s on
 * the value topics the BMS's metadata assigns to `integration` (and echoes the BMS heartbeat
 * where it asks for `HeartbeatEchoIntegration`), never anywhere else.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { LiveState } from '../state/live-state.ts';
import { RejectLog } from '../ingest/reject-log.ts';
import { DSX_REJECT_REASONS, DsxPoints, type DsxOutcome, type DsxRejectReason } from './dsx-points.ts';

export interface DsxIngestConfig {
  url: string;
  username?: string;
  password?: string;
  root: string;
  clientId: string;
  /** Hallwatch's integration identifier on the bus. */
  integration: string;
  staleAfterMs: number;
  heartbeatTimeoutMs: number;
}

const HEARTBEAT_EVERY_MS = 10_000;

export class DsxIngest {
  private client: MqttClient | null = null;
  private readonly points: DsxPoints;
  private readonly rejectLog: RejectLog<DsxRejectReason>;
  private readonly countRejected: Map<DsxRejectReason, (by?: number) => void>;
  private readonly countAccepted: Record<'metadata' | 'rack' | 'cdu' | 'heartbeat', (by?: number) => void>;
  private readonly countIgnored: (by?: number) => void;
  /** Point types ignored so far (each logged once). */
  private readonly ignoredTypes = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** Value topics the BMS assigned to this integration, by what they carry. */
  private readonly ownTopics = { heartbeat: new Set<string>(), echo: new Set<string>() };
  private lastBmsHeartbeatMs = Number.NaN;
  private lastBmsHeartbeatValue: number | null = null;
  private lastPublishMs = 0;
  private heartbeatLost = false;
  connected = false;

  constructor(
    private readonly cfg: DsxIngestConfig,
    private readonly state: LiveState,
    metrics: Metrics,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {
    this.points = new DsxPoints(state.site, cfg.root);
    this.rejectLog = new RejectLog<DsxRejectReason>(log);
    const rejected = metrics.counter('hallwatch_dsx_rejected_total', 'DSX point messages not taken as readings, by reason', ['reason']);
    this.countRejected = new Map(DSX_REJECT_REASONS.map((reason) => [reason, rejected.with({ reason })]));
    const accepted = metrics.counter('hallwatch_dsx_accepted_total', 'DSX point messages taken, by kind', ['kind']);
    this.countAccepted = { metadata: accepted.with({ kind: 'metadata' }), rack: accepted.with({ kind: 'rack' }), cdu: accepted.with({ kind: 'cdu' }), heartbeat: accepted.with({ kind: 'heartbeat' }) };
    this.countIgnored = metrics.counter('hallwatch_dsx_ignored_total', 'DSX values of points Hallwatch does not use (air sensors, power meters, setpoints…)').with({});
    metrics.gauge('hallwatch_dsx_connected', 'Whether the DSX ingest is connected to the bus', () => [[{}, this.connected ? 1 : 0]]);
    metrics.gauge('hallwatch_dsx_values_waiting_for_metadata', 'DSX values held until their point\'s metadata arrives', () => [[{}, this.points.pendingCount]]);
    metrics.gauge('hallwatch_dsx_bms_heartbeat_age_seconds', 'Age of the last BMS heartbeat (NaN before the first)', () => [[{}, this.bmsHeartbeatAgeS()]]);
  }

  /** 1 while the BMS heartbeat is older than the timeout, else 0; NaN before one is seen (the `bmsHeartbeatLost` alert signal). */
  bmsHeartbeatLost(): number {
    const age = this.bmsHeartbeatAgeS();
    return Number.isNaN(age) ? Number.NaN : age > this.cfg.heartbeatTimeoutMs / 1000 ? 1 : 0;
  }

  /** Seconds since the BMS heartbeat (NaN before one is seen). */
  bmsHeartbeatAgeS(): number {
    return Number.isNaN(this.lastBmsHeartbeatMs) ? Number.NaN : (this.clock() - this.lastBmsHeartbeatMs) / 1000;
  }

  async start(): Promise<void> {
    this.rejectLog.start();
    const client = mqtt.connect(this.cfg.url, {
      clientId: this.cfg.clientId, username: this.cfg.username, password: this.cfg.password,
      protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 10_000, clean: true,
    });
    this.client = client;
    client.on('connect', () => {
      this.connected = true;
      this.log.info(`DSX: connected, reading ${this.cfg.root}/… as integration ${this.cfg.integration}`);
      client.subscribe([`${this.cfg.root}/+/Metadata/#`, `${this.cfg.root}/+/Value/#`], { qos: 0 }, (err) => {
        if (err) this.log.error(`DSX: subscribe failed: ${err.message}`);
      });
    });
    client.on('close', () => (this.connected = false));
    client.on('error', (e) => this.log.warn(`DSX: ${e.message}`));
    client.on('message', (topic, payload) => this.handle(topic, payload.toString('utf8')));
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.rejectLog.stop();
    await this.client?.endAsync();
  }

  /** One message; public for tests and benchmarks. */
  handle(topic: string, payload: string): void {
    // Our own heartbeats come back through the subscription: not readings.
    if (topic.startsWith(`${this.cfg.root}/${this.cfg.integration}/`)) return;
    for (const o of this.points.handle(topic, payload, this.clock())) this.apply(o);
  }

  private apply(o: DsxOutcome): void {
    const nowMs = this.clock();
    if (!o.ok) {
      this.countRejected.get(o.reason)?.();
      this.rejectLog.record(o.reason, o.message);
      return;
    }
    switch (o.kind) {
      case 'metadata':
        this.countAccepted.metadata();
        if (o.integration === this.cfg.integration && o.objectType === 'System') {
          const valueTopic = `${this.cfg.root}/${this.cfg.integration}/Value/${o.pointKey}`;
          if (o.pointType === 'HeartbeatTimestampIntegration') this.ownTopics.heartbeat.add(valueTopic);
          if (o.pointType === 'HeartbeatEchoIntegration') this.ownTopics.echo.add(valueTopic);
        }
        return;
      case 'pending':
        return;
      case 'ignored':
        this.countIgnored();
        if (!this.ignoredTypes.has(o.pointType)) {
          this.ignoredTypes.add(o.pointType);
          this.log.info(`DSX: ignoring ${o.pointType} points: ${o.why}`);
        }
        return;
      case 'heartbeat':
        this.countAccepted.heartbeat();
        this.lastBmsHeartbeatMs = nowMs;
        this.lastBmsHeartbeatValue = o.tsMs;
        return;
      case 'rack':
        this.state.setStaleAfter('rack', o.index, this.heartbeatLost ? 0 : this.cfg.staleAfterMs);
        if (this.state.applyRack(o.index, o.sample, nowMs) === 'applied') this.countAccepted.rack();
        return;
      case 'cdu':
        this.state.setStaleAfter('cdu', o.index, this.heartbeatLost ? 0 : this.cfg.staleAfterMs);
        if (this.state.applyCdu(o.index, o.sample, nowMs) === 'applied') this.countAccepted.cdu();
        return;
    }
  }

  private tick(): void {
    const nowMs = this.clock();
    for (const o of this.points.expire(nowMs)) this.apply(o);
    const lost = this.bmsHeartbeatAgeS() > this.cfg.heartbeatTimeoutMs / 1000;
    if (lost !== this.heartbeatLost) {
      this.heartbeatLost = lost;
      if (lost) this.log.warn(`DSX: BMS heartbeat lost (none for ${Math.round(this.bmsHeartbeatAgeS())} s): every DSX-fed rack and CDU is stale`);
      else this.log.info('DSX: BMS heartbeat back');
      // Stale after 0 ms while the heartbeat is lost: the next refresh marks them all.
      for (const i of this.points.fedRacks) this.state.setStaleAfter('rack', i, lost ? 0 : this.cfg.staleAfterMs);
      for (const j of this.points.fedCdus) this.state.setStaleAfter('cdu', j, lost ? 0 : this.cfg.staleAfterMs);
    }
    if (this.connected && nowMs - this.lastPublishMs >= HEARTBEAT_EVERY_MS) {
      this.lastPublishMs = nowMs;
      const send = (topic: string, value: number) => this.client?.publish(topic, JSON.stringify({ value, timestamp: nowMs, quality: 1 }), { qos: 0 });
      for (const t of this.ownTopics.heartbeat) send(t, nowMs);
      if (this.lastBmsHeartbeatValue !== null) for (const t of this.ownTopics.echo) send(t, this.lastBmsHeartbeatValue);
    }
  }
}
