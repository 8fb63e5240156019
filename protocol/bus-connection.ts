/**
 * How every Hallwatch program connects to an MQTT bus (docs/protocol.md): one broker URL or a
 * list tried in turn (an array, or the comma-separated text `--mqtt` takes), TLS with an optional private CA, credentials, keepalive, reconnect period,
 * client ID and session. `busClientOptions` turns that into the plain options object an MQTT.js
 * client takes (its `servers` list); each program's one client factory hands it to
 * `mqtt.connect`. Pure: no MQTT library here.
 */
import { fail, ok, type Result } from './result.ts';

/** URL schemes a broker is reached by. */
export const BUS_PROTOCOLS = ['mqtt', 'mqtts', 'ws', 'wss'] as const;
export type BusProtocol = (typeof BUS_PROTOCOLS)[number];

/** Port of each scheme when the URL names none (MQTT 3.1.1 §4.2: 1883, and 8883 for TLS). */
const DEFAULT_PORTS: Record<BusProtocol, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

export interface BusConnection {
  /**
   * Broker URL (`mqtt://`, `mqtts://`, `ws://`, `wss://`), or several — an array or one
   * comma-separated string — of which each reconnect tries the next.
   */
  urls: string | readonly string[];
  clientId: string;
  /** Username; credentials in a URL (`mqtt://user:pass@host`) take precedence, as MQTT.js always did. */
  username?: string;
  password?: string;
  /** PEM CA bundle for TLS brokers with a private CA (it replaces the system's trusted CAs). */
  caPem?: string;
  /** Clean session (default true); false keeps the session, and its queued QoS 1 messages, across connections. */
  clean?: boolean;
  /** Keepalive, s (default 60, MQTT.js's). */
  keepaliveS?: number;
  /** Wait between reconnects, ms (default 1000); 0 = never reconnect. */
  reconnectPeriodMs?: number;
  /** How long a connection attempt may take, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Last Will: published by the broker when the connection drops without a DISCONNECT (MQTT 3.1.1 §3.1.2.5). */
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
}

/** One broker of the list. */
export interface BusServer {
  protocol: BusProtocol;
  host: string;
  port: number;
}

/** The options object an MQTT.js client takes (a structural subset of its `IClientOptions`). */
export interface BusClientOptions {
  servers: BusServer[];
  /** The first server's scheme and WebSocket path: MQTT.js picks its transport by them before it reads `servers`. */
  protocol: BusProtocol;
  path: string;
  /** MQTT 3.1.1: the embedded aedes broker speaks it, so every Hallwatch client does. */
  protocolVersion: 4;
  clientId: string;
  username?: string;
  password?: string;
  ca?: string;
  clean: boolean;
  keepalive: number;
  reconnectPeriod: number;
  /**
   * MQTT.js gives up for good on a refused CONNACK (bad credentials, "server unavailable" while a
   * broker restarts) unless told otherwise: a client that reconnects keeps retrying, so fixing the
   * broker's side is enough.
   */
  reconnectOnConnackError: boolean;
  connectTimeout: number;
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
}

/** One broker URL taken apart. */
export interface ParsedUrl {
  server: BusServer;
  path: string;
  username?: string;
  password?: string;
}

/** One broker URL; the message names the URL (with any password in it masked). */
export function parseBusUrl(url: string): Result<ParsedUrl> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail('bad_url', `broker URL "${redactBusUrl(url)}" is not a URL`);
  }
  const protocol = u.protocol.replace(/:$/, '') as BusProtocol;
  if (!BUS_PROTOCOLS.includes(protocol)) {
    return fail('bad_url', `broker URL "${redactBusUrl(url)}" must start with mqtt://, mqtts://, ws:// or wss://`);
  }
  if (!u.hostname) return fail('bad_url', `broker URL "${redactBusUrl(url)}" names no host`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : DEFAULT_PORTS[protocol];
  const path = protocol === 'ws' || protocol === 'wss' ? u.pathname || '/' : '/';
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  return ok({ server: { protocol, host, port }, path, username, password });
}

/** The URLs of `urls`: a comma-separated string is split and trimmed; an array is taken as it is. */
export function busUrlList(urls: string | readonly string[]): string[] {
  return typeof urls === 'string' ? urls.split(',').map((u) => u.trim()) : urls.map((u) => u.trim());
}

/**
 * Every broker of `urls`, checked as one client's list: each a URL of a known scheme with a host,
 * all with the same WebSocket path and credentials. The message names the first bad URL.
 */
export function parseBusUrls(urls: string | readonly string[]): Result<ParsedUrl[]> {
  const list = busUrlList(urls);
  if (list.length === 0 || (list.length === 1 && list[0] === '')) return fail('no_url', 'no broker URL given');
  if (list.includes('')) return fail('bad_url', `broker URL list "${redactBusUrl(list)}" has an empty entry`);
  const parsed: ParsedUrl[] = [];
  for (const url of list) {
    const p = parseBusUrl(url);
    if (!p.ok) return p;
    const first = parsed[0];
    // One client has one path and one login for all its servers.
    if (first && p.value.path !== first.path) {
      return fail('bad_url', `broker URL "${redactBusUrl(url)}": every URL of a list must have the same path (${first.path})`);
    }
    if (first && (p.value.username !== first.username || p.value.password !== first.password)) {
      return fail('bad_url', `broker URL "${redactBusUrl(url)}": every URL of a list must carry the same credentials`);
    }
    parsed.push(p.value);
  }
  return ok(parsed);
}

/** Client options for `c`; a bad URL, or a list MQTT.js cannot serve as one client, fails naming the URL. */
export function busClientOptions(c: BusConnection): Result<BusClientOptions> {
  const checked = parseBusUrls(c.urls);
  if (!checked.ok) return checked;
  const parsed = checked.value;
  const { server, path, username, password } = parsed[0];
  return ok({
    servers: parsed.map((p) => p.server),
    protocol: server.protocol,
    path,
    protocolVersion: 4,
    clientId: c.clientId,
    username: username ?? c.username,
    password: password ?? c.password,
    ...(c.caPem === undefined ? {} : { ca: c.caPem }),
    clean: c.clean ?? true,
    keepalive: c.keepaliveS ?? 60,
    reconnectPeriod: c.reconnectPeriodMs ?? 1000,
    reconnectOnConnackError: (c.reconnectPeriodMs ?? 1000) > 0,
    connectTimeout: c.connectTimeoutMs ?? 10_000,
    ...(c.will ? { will: c.will } : {}),
  });
}

/** The URL(s) for a log line: a password in them is masked. */
export function redactBusUrl(urls: string | readonly string[]): string {
  return busUrlList(urls).map((u) => u.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@')).join(', ');
}
