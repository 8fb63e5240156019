/**
 * The server's only reader of argv and the environment. Every flag has a HALLWATCH_* twin;
 * a flag wins over its variable, which wins over the default. Bad values fail naming the flag.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { LogLevel } from './logger.ts';
import { RAW_FORMATS, type RawFormat } from './history/schema.ts';
import { OPTIONS, REFUSED_OPTIONS } from './config-options.ts';
import { targetPolicy, urlRefusal } from './alerts/channels/target-policy.ts';
import { clusterSettings } from './cluster/cluster-config.ts';
import { campusSettings } from './campus/campus-config.ts';
import { busUrlList, parseBusUrls } from '../protocol/bus-connection.ts';
import { topicRootRefusal } from '../protocol/topic-levels.ts';
import { parseTrustedProxies } from './http/client-address.ts';
import type { IpRange } from './http/ip-address.ts';

export interface ServerConfig {
  sitePath: string;
  /** Broker URLs of the ingest: one, or the nodes of one clustered broker (tried in turn on each reconnect). */
  mqttUrls: string[];
  mqttUsername?: string;
  mqttPassword?: string;
  mqttCaPem?: string;
  /** Client ID of the ingest; unset = `hallwatch-server-{host}-{pid}` (at-least-once: `hallwatch-ingest-{host}`). */
  mqttClientId?: string;
  /** at-most-once (QoS 0, clean session) or at-least-once (QoS 1, persistent session, journal). */
  ingestDelivery: 'at-most-once' | 'at-least-once';
  /** Start an embedded aedes broker on this port and ingest from it (0 = any free port). */
  embeddedBrokerPort: number | null;
  topicRoot: string;
  host: string;
  port: number;
  webDir: string;
  tickMs: number;
  /** Per-GPU history window (mean and max per GPU), s. Default 60. */
  gpuWindowS: number;
  historyBlockS: number;
  /** Raw tier as blocks (default) or one numeric point per sample (server/history/schema.ts, `RawFormat`). */
  historyRawFormat: RawFormat;
  /** Shortest time between two WebSocket deltas, ms. Default 20. */
  wsFlushMs: number;
  /** A WebSocket client with more than this buffered is skipped, then resynced by snapshot. */
  wsMaxBufferedBytes: number;
  /** Open WebSockets allowed from one client address (a NAT counts as one; behind a trusted proxy, the client it names). Default 100. */
  wsMaxPerAddress: number;
  /** Proxies whose X-Forwarded-For names the client (`--trusted-proxies`); default empty: the socket's peer is the client. */
  trustedProxies: IpRange[];
  staleIntervals: number;
  maxPayloadBytes: number;
  maxClockSkewMs: number;
  logLevel: LogLevel;
  /** InfluxDB base URL (v1-compatible API); unset keeps history in memory only. */
  influxUrl?: string;
  influxDb: string;
  influxToken?: string;
  influxUsername?: string;
  influxPassword?: string;
  /** Retention per tier as InfluxQL durations. */
  retentionRaw: string;
  retention1m: string;
  retention1h: string;
  /** Seconds of 1 Hz history kept in memory per entity (capped by historyMemoryMb). */
  historyWindowS: number;
  /** Memory budget of the history window, MB. */
  historyMemoryMb: number;
  /** Spill files and dead-letter log. */
  storageDir: string;
  /** Memory buffer of unwritten lines before spilling to disk. */
  storageBufferLines: number;
  /** History this many seconds behind (oldest unsent line) makes /healthz degraded. Default 30. */
  storageMaxBehindS: number;
  /** Alert rules file (docs/alerts.md). */
  alertRulesPath: string;
  /** Webhook that receives incident notifications; unset = none. */
  alertWebhookUrl?: string;
  /** 1 allows HTTP notification targets resolving to link-local/metadata addresses. */
  alertWebhookAllowLinkLocal: number;
  /** `host:port` notification targets exempt from the address rules (lower case). */
  alertAllowTargets: string[];
  /** Slack-compatible incoming webhook URL; unset = none. */
  alertSlackUrl?: string;
  /** Alertmanager base URL (alerts are pushed to {url}/api/v2/alerts); unset = none. */
  alertAlertmanagerUrl?: string;
  /** 1: publish incident state, retained, on {topicRoot}/alerts/… of the ingest broker. */
  alertMqtt: number;
  /** Dashboard URL as people reach it, for links in notifications; unset = no links. */
  publicUrl?: string;
  /** How often each WebSocket's credentials are checked again (revoked tokens, ended sessions), ms. */
  wsAuthRecheckMs: number;
  /** `off` lets everyone in as admin: local trials only. */
  auth: 'on' | 'off';
  /** Accepted as `Authorization: Bearer …` with the admin role. */
  adminToken?: string;
  /** Set a fresh random password for user `admin` at start and print it (the demo). */
  printAdminLogin: number;
  /** DSX Exchange topic root to read (docs/dsx.md); unset = off. */
  dsxRoot?: string;
  /** Broker URLs of the DSX bus (one, or its nodes); unset = the ingest broker. */
  dsxMqttUrls?: string[];
  /** Hallwatch's integration identifier on the DSX bus. */
  dsxIntegration: string;
  /** A DSX point is stale after this long without a change or its 100 s republish, s. */
  dsxStaleS: number;
  /** Every DSX-fed entity is stale when the BMS heartbeat is older than this, s. */
  dsxHeartbeatTimeoutS: number;
  /** The NATS cluster's nodes, comma-separated nats:// URLs; unset = one server on local files. */
  clusterUrls?: string;
  /** Copies of each bucket and stream on the cluster (default: the number of URLs, at most 3). */
  clusterReplicas: number;
  /** This server's name on the cluster (default `{hostname}:{port}`). */
  serverName?: string;
  /** 1: this server's site file replaces the one the cluster holds (a deliberate site change). */
  clusterAdoptSite: number;
  /** A hall shard's halls (`--halls`); undefined = every hall of the site. */
  halls?: string[];
  /** 1: the campus view (no telemetry; the shards' derived state over the cluster). */
  campus: number;
  /** 1: the fleet view on a hub of sites (the sites' derived state over their leaf connections). */
  fleet: number;
}

export function serverHelp(): string {
  const lines = ['Usage: npm run serve -- [options]', '', 'Options (flag, environment variable, default):'];
  for (const o of OPTIONS) {
    lines.push(`  --${o.flag.padEnd(22)} ${o.env.padEnd(32)} ${o.dflt ?? '(unset)'}`, `      ${o.help}`);
  }
  return lines.join('\n');
}

/** Options that name where notifications go: checked against the target policy. */
const NOTIFICATION_URL_OPTIONS = [
  ['alert-webhook', 'alertWebhookUrl'],
  ['alert-slack', 'alertSlackUrl'],
  ['alert-alertmanager', 'alertAlertmanagerUrl'],
] as const;
/** Options that must be http:// or https:// URLs. */
const HTTP_URL_OPTIONS = [...NOTIFICATION_URL_OPTIONS, ['public-url', 'publicUrl']] as const;

/** Parses argv (without node and script) and env; throws an Error naming the bad option. */
export function loadServerConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const fromArgs = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (see --help)`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const refused = REFUSED_OPTIONS.find((o) => o.flag === name);
    if (refused) throw new Error(`--${name} is no longer supported: ${refused.why}`);
    if (!OPTIONS.some((o) => o.flag === name)) throw new Error(`unknown option --${name} (see --help)`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    fromArgs.set(name, value);
  }
  for (const o of REFUSED_OPTIONS) {
    if (env[o.env]) throw new Error(`${o.env} (--${o.flag}) is no longer supported: ${o.why}`);
  }
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const raw = fromArgs.get(o.flag) ?? (env[o.env] !== undefined && env[o.env] !== '' ? env[o.env] : undefined) ?? o.dflt;
    if (raw === undefined) {
      out[o.key] = o.kind === 'int' ? null : undefined;
      continue;
    }
    const where = fromArgs.has(o.flag) ? `--${o.flag}` : env[o.env] ? o.env : `default of --${o.flag}`;
    if (o.kind === 'int') {
      const v = Number(raw);
      if (!Number.isInteger(v) || v < (o.min ?? -Infinity) || v > (o.max ?? Infinity)) {
        throw new Error(`${where}: must be an integer in [${o.min}, ${o.max}], got "${raw}"`);
      }
      out[o.key] = v;
    } else if (o.kind === 'duration') {
      if (!/^(\d+[hdw]|INF)$/.test(raw)) throw new Error(`${where}: must be an InfluxQL duration such as 7d, 12w, 48h or INF, got "${raw}"`);
      out[o.key] = raw;
    } else if (o.kind === 'onoff') {
      if (raw !== 'on' && raw !== 'off') throw new Error(`${where}: must be on or off, got "${raw}"`);
      out[o.key] = raw;
    } else if (o.kind === 'level') {
      if (!['debug', 'info', 'warn', 'error'].includes(raw)) throw new Error(`${where}: must be debug, info, warn or error, got "${raw}"`);
      out[o.key] = raw;
    } else {
      out[o.key] = raw;
    }
  }
  for (const [flag, key] of HTTP_URL_OPTIONS) {
    const v = out[key];
    if (v === undefined) continue;
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(v as string).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`--${flag}: must be an http:// or https:// URL, got "${v}"`);
  }
  if (out.ingestDelivery !== 'at-most-once' && out.ingestDelivery !== 'at-least-once') {
    throw new Error(`--ingest-delivery: must be at-most-once or at-least-once, got "${out.ingestDelivery}"`);
  }
  if (!RAW_FORMATS.includes(out.historyRawFormat as RawFormat)) {
    throw new Error(`--history-raw-format: must be ${RAW_FORMATS.join(' or ')}, got "${out.historyRawFormat}"`);
  }
  out.alertAllowTargets = String(out.alertAllowTargets ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  for (const t of out.alertAllowTargets as string[]) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/.test(t)) throw new Error(`--alert-allow-targets: "${t}" is not host:port`);
  }
  const trusted = parseTrustedProxies(String(out.trustedProxies ?? ''));
  if (!trusted.ok) throw new Error(`--trusted-proxies: ${trusted.error}`);
  out.trustedProxies = trusted.value;
  const policy = targetPolicy(out as unknown as Pick<ServerConfig, 'alertWebhookAllowLinkLocal' | 'alertAllowTargets'>);
  for (const [flag, key] of NOTIFICATION_URL_OPTIONS) {
    const why = out[key] === undefined ? null : urlRefusal(out[key] as string, policy);
    if (why) throw new Error(`--${flag}: refused: ${why}; a trusted target can be allowed with --alert-allow-targets host:port`);
  }
  if (out.mqttCa) {
    try {
      out.mqttCaPem = readFileSync(out.mqttCa as string, 'utf8');
    } catch (e) {
      throw new Error(`--mqtt-ca: cannot read ${out.mqttCa} (${(e as Error).message})`);
    }
  }
  delete out.mqttCa;
  if (out.influxUrl && !/^https?:\/\//.test(out.influxUrl as string)) {
    throw new Error(`--influx: must start with http:// or https://, got "${out.influxUrl}"`);
  }
  if (out.alertWebhookUrl && !/^https?:\/\//.test(out.alertWebhookUrl as string)) {
    throw new Error(`--alert-webhook: must start with http:// or https://, got "${out.alertWebhookUrl}"`);
  }
  const rootRefusal = topicRootRefusal(out.topicRoot as string);
  if (rootRefusal) throw new Error(`--topic-root: ${rootRefusal}`);
  for (const [flag, key] of [['mqtt', 'mqttUrls'], ['dsx-mqtt', 'dsxMqttUrls']] as const) {
    if (out[key] === undefined) continue;
    const checked = parseBusUrls(out[key] as string);
    if (!checked.ok) throw new Error(`--${flag}: ${checked.message}`);
    out[key] = busUrlList(out[key] as string);
  }
  Object.assign(out, clusterSettings(
    { cluster: out.clusterUrls as string | undefined, replicas: out.clusterReplicas as number | null, serverName: out.serverName as string | undefined },
    { hostname: hostname(), port: out.port as number },
  ));
  Object.assign(out, campusSettings({
    halls: out.halls as string | undefined, campus: out.campus === 1, fleet: out.fleet === 1, cluster: out.clusterUrls !== undefined,
    embeddedBroker: out.embeddedBrokerPort !== null, dsx: out.dsxRoot !== undefined,
  }));
  return out as unknown as ServerConfig;
}
