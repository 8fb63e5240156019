/**
 * Part of the composition root (server/main.ts): the telemetry sources — the `hallwatch/v1` MQTT
 * ingest (a hall shard's halls only) and, with `--dsx-root`, the DSX Exchange BMS feed — and the
 * WebSocket hub's settings, which the campus view shares.
 */
import { hostname } from 'node:os';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Journal } from '../ingest/journal.ts';
import type { Readings } from '../ingest/readings.ts';
import { MqttIngest, ingestClientId } from '../ingest/mqtt-ingest.ts';
import { DsxIngest } from '../dsx/dsx-ingest.ts';

export interface IngestPartsDeps {
  readings: Readings;
  mqttUrls: string[];
  metrics: Metrics;
  log: Logger;
  clock: () => number;
  journal: Journal | null;
}

export function ingestParts(cfg: ServerConfig, d: IngestPartsDeps): { ingest: MqttIngest; dsx: DsxIngest | null } {
  const { readings, metrics, log, clock, journal } = d;
  const bus = { username: cfg.mqttUsername, password: cfg.mqttPassword, caPem: cfg.mqttCaPem };
  const clientId = ingestClientId(cfg.mqttClientId, cfg.ingestDelivery, cfg.clusterUrls ? cfg.serverName! : hostname(), process.pid);
  const ingest = new MqttIngest(
    {
      bus: { ...bus, urls: d.mqttUrls, clientId }, delivery: cfg.ingestDelivery, halls: cfg.halls, topicRoot: cfg.topicRoot,
      maxPayloadBytes: cfg.maxPayloadBytes, maxClockSkewMs: cfg.maxClockSkewMs,
    },
    { readings, metrics, log, clock, journal },
  );
  const dsx = cfg.dsxRoot
    ? new DsxIngest({
        bus: { ...bus, urls: cfg.dsxMqttUrls ?? d.mqttUrls, clientId: `hallwatch-dsx-${hostname()}-${process.pid}` },
        root: cfg.dsxRoot.replace(/\/+$/, ''), integration: cfg.dsxIntegration,
        staleAfterMs: cfg.dsxStaleS * 1000, heartbeatTimeoutMs: cfg.dsxHeartbeatTimeoutS * 1000,
      }, { readings, metrics, log, clock, journal: null })
    : null;
  return { ingest, dsx };
}

/** The WebSocket hub's settings from the server's options. */
export function hubConfig(cfg: ServerConfig) {
  return {
    tickMs: cfg.tickMs, flushMs: cfg.wsFlushMs, heartbeatMs: 15_000, maxBufferedBytes: cfg.wsMaxBufferedBytes, maxPerAddress: cfg.wsMaxPerAddress,
    trustedProxies: cfg.trustedProxies,
  };
}
