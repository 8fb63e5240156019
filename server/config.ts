/**
 * The server's only reader of argv and the environment. Every flag has a HALLWATCH_* twin;
 * a flag wins over its variable, which wins over the default. Bad values fail naming the flag.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_TOPIC_ROOT } from '../protocol/topics.ts';
import type { LogLevel } from './logger.ts';

export interface ServerConfig {
  sitePath: string;
  mqttUrl: string;
  mqttUsername?: string;
  mqttPassword?: string;
  mqttCaPem?: string;
  mqttSharedGroup?: string;
  /** Start an embedded aedes broker on this port and ingest from it (0 = any free port). */
  embeddedBrokerPort: number | null;
  topicRoot: string;
  host: string;
  port: number;
  webDir: string;
  tickMs: number;
  /** A WebSocket client with more than this buffered is skipped, then resynced by snapshot. */
  wsMaxBufferedBytes: number;
  staleIntervals: number;
  maxPayloadBytes: number;
  maxClockSkewMs: number;
  logLevel: LogLevel;
}

type Kind = 'string' | 'int' | 'level';
interface Option {
  flag: string;
  env: string;
  key: keyof ServerConfig | 'mqttCa';
  kind: Kind;
  dflt?: string;
  help: string;
  min?: number;
  max?: number;
}

const OPTIONS: Option[] = [
  { flag: 'site', env: 'HALLWATCH_SITE', key: 'sitePath', kind: 'string', dflt: 'sites/demo.json', help: 'site file (JSON, docs/site-file.md)' },
  { flag: 'mqtt', env: 'HALLWATCH_MQTT_URL', key: 'mqttUrl', kind: 'string', dflt: 'mqtt://127.0.0.1:1883', help: 'broker URL: mqtt://, mqtts://, ws://, wss://' },
  { flag: 'mqtt-username', env: 'HALLWATCH_MQTT_USERNAME', key: 'mqttUsername', kind: 'string', help: 'broker username' },
  { flag: 'mqtt-password', env: 'HALLWATCH_MQTT_PASSWORD', key: 'mqttPassword', kind: 'string', help: 'broker password' },
  { flag: 'mqtt-ca', env: 'HALLWATCH_MQTT_CA', key: 'mqttCa', kind: 'string', help: 'PEM file of the CA that signed the broker certificate (mqtts://)' },
  { flag: 'mqtt-shared-group', env: 'HALLWATCH_MQTT_SHARED_GROUP', key: 'mqttSharedGroup', kind: 'string', help: 'MQTT 5 shared-subscription group ($share/GROUP/...) to split ingest over servers' },
  { flag: 'embedded-broker-port', env: 'HALLWATCH_EMBEDDED_BROKER_PORT', key: 'embeddedBrokerPort', kind: 'int', min: 0, max: 65535, help: 'run an embedded aedes broker on this port and ingest from it (0 = free port); unset = use --mqtt' },
  { flag: 'topic-root', env: 'HALLWATCH_TOPIC_ROOT', key: 'topicRoot', kind: 'string', dflt: DEFAULT_TOPIC_ROOT, help: 'MQTT topic root' },
  { flag: 'host', env: 'HALLWATCH_HOST', key: 'host', kind: 'string', dflt: '127.0.0.1', help: 'HTTP listen address (0.0.0.0 to serve other machines)' },
  { flag: 'port', env: 'HALLWATCH_PORT', key: 'port', kind: 'int', dflt: '8080', min: 0, max: 65535, help: 'HTTP port for dashboard, API and WebSocket (0 = free port)' },
  { flag: 'web-dir', env: 'HALLWATCH_WEB_DIR', key: 'webDir', kind: 'string', dflt: 'dist/web', help: 'built dashboard directory' },
  { flag: 'tick-ms', env: 'HALLWATCH_TICK_MS', key: 'tickMs', kind: 'int', dflt: '100', min: 20, max: 10_000, help: 'WebSocket delta interval, ms' },
  { flag: 'ws-max-buffered-bytes', env: 'HALLWATCH_WS_MAX_BUFFERED_BYTES', key: 'wsMaxBufferedBytes', kind: 'int', dflt: '4194304', min: 1024, max: 1_073_741_824, help: 'per-client send buffer above which deltas are skipped and a snapshot follows once drained' },
  { flag: 'stale-intervals', env: 'HALLWATCH_STALE_INTERVALS', key: 'staleIntervals', kind: 'int', dflt: '3', min: 1, max: 100, help: 'telemetry intervals without a sample before a rack is stale' },
  { flag: 'max-payload-bytes', env: 'HALLWATCH_MAX_PAYLOAD_BYTES', key: 'maxPayloadBytes', kind: 'int', dflt: '16384', min: 256, max: 1_048_576, help: 'largest accepted MQTT payload, bytes' },
  { flag: 'max-clock-skew-ms', env: 'HALLWATCH_MAX_CLOCK_SKEW_MS', key: 'maxClockSkewMs', kind: 'int', dflt: '300000', min: 1000, max: 86_400_000, help: 'largest accepted distance of a sample ts from server time, ms' },
  { flag: 'log-level', env: 'HALLWATCH_LOG_LEVEL', key: 'logLevel', kind: 'level', dflt: 'info', help: 'debug, info, warn or error' },
];

export function serverHelp(): string {
  const lines = ['Usage: npm run serve -- [options]', '', 'Options (flag, environment variable, default):'];
  for (const o of OPTIONS) {
    lines.push(`  --${o.flag.padEnd(22)} ${o.env.padEnd(32)} ${o.dflt ?? '(unset)'}`, `      ${o.help}`);
  }
  return lines.join('\n');
}

/** Parses argv (without node and script) and env; throws an Error naming the bad option. */
export function loadServerConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const fromArgs = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (see --help)`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!OPTIONS.some((o) => o.flag === name)) throw new Error(`unknown option --${name} (see --help)`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    fromArgs.set(name, value);
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
    } else if (o.kind === 'level') {
      if (!['debug', 'info', 'warn', 'error'].includes(raw)) throw new Error(`${where}: must be debug, info, warn or error, got "${raw}"`);
      out[o.key] = raw;
    } else {
      out[o.key] = raw;
    }
  }
  if (out.mqttCa) {
    try {
      out.mqttCaPem = readFileSync(out.mqttCa as string, 'utf8');
    } catch (e) {
      throw new Error(`--mqtt-ca: cannot read ${out.mqttCa} (${(e as Error).message})`);
    }
  }
  delete out.mqttCa;
  if (!/^(mqtts?|wss?):\/\//.test(out.mqttUrl as string)) {
    throw new Error(`--mqtt: must start with mqtt://, mqtts://, ws:// or wss://, got "${out.mqttUrl}"`);
  }
  return out as unknown as ServerConfig;
}
