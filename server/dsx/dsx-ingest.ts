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
import type { MqttClient } from 'mqtt';
import type { BusConnection } from '../../protocol/bus-connection.ts';
import { DSX_INTEGRATION_HEARTBEAT } from '../../protocol/dsx-points.ts';
import type { Readings } from '../ingest/readings.ts';
import { Intake } from '../ingest/intake.ts';
import { MqttLink } from '../ingest/mqtt-link.ts';
import type { Source, SourceParts } from '../ingest/source.ts';
import { SourceTally } from '../ingest/tally.ts';
import type { Logger } from '../logger.ts';
import { DSX_REJECT_REASONS, DsxPoints, type DsxOutcome, type DsxRejectReason } from './dsx-points.ts';

export interface DsxIngestConfig {
  /** The bus's broker(s), credentials, CA and client ID; a clean session (DSX values are QoS 0). */
  bus: Omit<BusConnection, 'clean'>;
  root: string;
  /** Hallwatch's integration identifier on the bus. */
  integration: string;
  staleAfterMs: number;
  heartbeatTimeoutMs: number;
}

const HEARTBEAT_EVERY_MS = 10_000;

export class DsxIngest implements Source {
  private readonly points: DsxPoints;
  private readonly readings: Readings;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly tally: SourceTally<'metadata' | 'rack' | 'cdu' | 'heartbeat', DsxRejectReason>;
  private readonly countIgnored: (by?: number) => void;
  private readonly intake: Intake;
  private readonly link: MqttLink;
  /** Point types ignored so far (each logged once). */
  private readonly ignoredTypes = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** Value topics the BMS assigned to this integration, by what they carry. */
  private readonly ownTopics = { heartbeat: new Set<string>(), echo: new Set<string>() };
  private lastBmsHeartbeatMs = Number.NaN;
  private lastBmsHeartbeatValue: number | null = null;
  private lastPublishMs = 0;
  private heartbeatLost = false;

  constructor(private readonly cfg: DsxIngestConfig, parts: SourceParts) {
    const { metrics, log, clock } = parts;
    this.readings = parts.readings;
    this.log = log;
    this.clock = clock;
    this.points = new DsxPoints(this.readings.site, cfg.root);
    this.tally = new SourceTally(metrics, log, {
      accepted: {
        name: 'hallwatch_dsx_accepted_total', help: 'DSX point messages taken, by kind', label: 'kind', values: ['metadata', 'rack', 'cdu', 'heartbeat'],
      },
      rejected: {
        name: 'hallwatch_dsx_rejected_total', help: 'DSX point messages not taken as readings, by reason', label: 'reason', values: DSX_REJECT_REASONS,
      },
    });
    const ignoredHelp = 'DSX values of points Hallwatch does not use (air sensors, power meters, setpoints…)';
    this.countIgnored = metrics.counter('hallwatch_dsx_ignored_total', ignoredHelp).with({});
    this.intake = new Intake((topic, payload) => this.handle(topic, payload.toString('utf8')), parts.journal, log);
    const onConnect = (client: MqttClient) => {
      log.info(`DSX: connected, reading ${cfg.root}/… as integration ${cfg.integration}`);
      client.subscribe([`${cfg.root}/+/Metadata/#`, `${cfg.root}/+/Value/#`], { qos: 0 }, (err) => {
        if (err) log.error(`DSX: subscribe failed: ${err.message}`);
      });
    };
    this.link = new MqttLink({ connection: { ...cfg.bus, clean: true }, label: 'DSX' }, this.intake, onConnect, log, clock);
    metrics.gauge('hallwatch_dsx_connected', 'Whether the DSX ingest is connected to the bus', () => [[{}, this.connected ? 1 : 0]]);
    metrics.gauge('hallwatch_dsx_values_waiting_for_metadata', 'DSX values held until their point\'s metadata arrives', () => [[{}, this.points.pendingCount]]);
    metrics.gauge('hallwatch_dsx_bms_heartbeat_age_seconds', 'Age of the last BMS heartbeat (NaN before the first)', () => [[{}, this.bmsHeartbeatAgeS()]]);
  }

  get connected(): boolean {
    return this.link.connected;
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
    // First, as it throws on a bad URL; nothing arrives before the journal's replay, which runs synchronously.
    this.link.start();
    this.tally.start();
    this.intake.start();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.link.stop();
    this.intake.stop();
    this.tally.stop();
  }

  private handle(topic: string, payload: string): void {
    // Our own heartbeats come back through the subscription: not readings.
    if (topic.startsWith(`${this.cfg.root}/${this.cfg.integration}/`)) return;
    for (const o of this.points.handle(topic, payload, this.clock())) this.apply(o);
  }

  private apply(o: DsxOutcome): void {
    const nowMs = this.clock();
    if (!o.ok) {
      this.tally.rejected(o.reason, o.message);
      return;
    }
    switch (o.kind) {
      case 'metadata':
        this.tally.accepted.metadata();
        if (o.integration === this.cfg.integration && o.objectType === 'System') {
          const valueTopic = `${this.cfg.root}/${this.cfg.integration}/Value/${o.pointKey}`;
          if (o.pointType === DSX_INTEGRATION_HEARTBEAT) this.ownTopics.heartbeat.add(valueTopic);
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
        this.tally.accepted.heartbeat();
        this.lastBmsHeartbeatMs = nowMs;
        this.lastBmsHeartbeatValue = o.tsMs;
        return;
      case 'rack':
        this.readings.staleAfter('rack', o.index, this.heartbeatLost ? 0 : this.cfg.staleAfterMs);
        if (this.readings.rack(o.index, o.sample, nowMs) === 'applied') this.tally.accepted.rack();
        return;
      case 'cdu':
        this.readings.staleAfter('cdu', o.index, this.heartbeatLost ? 0 : this.cfg.staleAfterMs);
        if (this.readings.cdu(o.index, o.sample, nowMs) === 'applied') this.tally.accepted.cdu();
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
      for (const i of this.points.fedRacks) this.readings.staleAfter('rack', i, lost ? 0 : this.cfg.staleAfterMs);
      for (const j of this.points.fedCdus) this.readings.staleAfter('cdu', j, lost ? 0 : this.cfg.staleAfterMs);
    }
    if (this.connected && nowMs - this.lastPublishMs >= HEARTBEAT_EVERY_MS) {
      this.lastPublishMs = nowMs;
      const send = (topic: string, value: number) => this.link.client?.publish(topic, JSON.stringify({ value, timestamp: nowMs, quality: 1 }), { qos: 0 });
      for (const t of this.ownTopics.heartbeat) send(t, nowMs);
      if (this.lastBmsHeartbeatValue !== null) for (const t of this.ownTopics.echo) send(t, this.lastBmsHeartbeatValue);
    }
  }
}
