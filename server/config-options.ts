/**
 * The server's options: flag, environment variable, default, bounds and help line of each
 * (`server/config.ts` reads them; `--help` prints them).
 */
import { DEFAULT_TOPIC_ROOT } from '../protocol/topics.ts';
import type { ServerConfig } from './config.ts';

/** How an option's text is read: as it is, an integer in [min, max], a log level, an InfluxQL duration, on/off. */
export type OptionKind = 'string' | 'int' | 'level' | 'duration' | 'onoff';
/** One server option: its flag, its HALLWATCH_* variable, the config key it sets and its help line. */
export interface Option {
  flag: string;
  env: string;
  key: keyof ServerConfig | 'mqttCa';
  kind: OptionKind;
  dflt?: string;
  help: string;
  min?: number;
  max?: number;
}

/** Every server option, in the order `--help` lists them. */
export const OPTIONS: readonly Option[] = [
  { flag: 'site', env: 'HALLWATCH_SITE', key: 'sitePath', kind: 'string', dflt: 'sites/demo.json', help: 'site file (JSON, docs/site-file.md)' },
  {
    flag: 'mqtt', env: 'HALLWATCH_MQTT_URL', key: 'mqttUrls', kind: 'string', dflt: 'mqtt://127.0.0.1:1883',
    help: 'broker URL (mqtt://, mqtts://, ws://, wss://), or a comma-separated list of the nodes of one clustered broker: each reconnect tries the next',
  },
  { flag: 'mqtt-username', env: 'HALLWATCH_MQTT_USERNAME', key: 'mqttUsername', kind: 'string', help: 'broker username' },
  { flag: 'mqtt-password', env: 'HALLWATCH_MQTT_PASSWORD', key: 'mqttPassword', kind: 'string', help: 'broker password' },
  { flag: 'mqtt-ca', env: 'HALLWATCH_MQTT_CA', key: 'mqttCa', kind: 'string', help: 'PEM file of the CA that signed the broker certificate (mqtts://)' },
  {
    flag: 'embedded-broker-port', env: 'HALLWATCH_EMBEDDED_BROKER_PORT', key: 'embeddedBrokerPort', kind: 'int', min: 0, max: 65535,
    help: 'run an embedded aedes broker on this port and ingest from it (0 = free port); unset = use --mqtt',
  },
  { flag: 'topic-root', env: 'HALLWATCH_TOPIC_ROOT', key: 'topicRoot', kind: 'string', dflt: DEFAULT_TOPIC_ROOT, help: 'MQTT topic root' },
  { flag: 'host', env: 'HALLWATCH_HOST', key: 'host', kind: 'string', dflt: '127.0.0.1', help: 'HTTP listen address (0.0.0.0 to serve other machines)' },
  {
    flag: 'port', env: 'HALLWATCH_PORT', key: 'port', kind: 'int', dflt: '8080', min: 0, max: 65535,
    help: 'HTTP port for dashboard, API and WebSocket (0 = free port)',
  },
  { flag: 'web-dir', env: 'HALLWATCH_WEB_DIR', key: 'webDir', kind: 'string', dflt: 'dist/web', help: 'built dashboard directory' },
  {
    flag: 'tick-ms', env: 'HALLWATCH_TICK_MS', key: 'tickMs', kind: 'int', dflt: '100', min: 20, max: 10_000,
    help: 'live-state refresh (stale marks, totals, N+1) and the longest time between two WebSocket frames, ms',
  },
  {
    flag: 'ws-flush-ms', env: 'HALLWATCH_WS_FLUSH_MS', key: 'wsFlushMs', kind: 'int', dflt: '20', min: 5, max: 10_000,
    help: 'shortest time between two WebSocket deltas, ms: changes in between coalesce into one frame',
  },
  {
    flag: 'mqtt-client-id', env: 'HALLWATCH_MQTT_CLIENT_ID', key: 'mqttClientId', kind: 'string',
    help: 'MQTT client ID of the ingest (default hallwatch-server-{host}-{pid}; with ' +
      'at-least-once hallwatch-ingest-{host}, fixed so the broker keeps the session)',
  },
  {
    flag: 'ingest-delivery', env: 'HALLWATCH_INGEST_DELIVERY', key: 'ingestDelivery', kind: 'string', dflt: 'at-most-once',
    help: 'at-most-once (QoS 0) or at-least-once (QoS 1, persistent session, a journal ' +
      'in {storage-dir}/journal: nothing lost across a kill; docs/reliability.md)',
  },
  {
    flag: 'ws-max-per-address', env: 'HALLWATCH_WS_MAX_PER_ADDRESS', key: 'wsMaxPerAddress', kind: 'int', dflt: '100', min: 1, max: 100_000,
    help: 'open WebSockets allowed from one client address (behind a proxy: the address it forwards, see --trusted-proxies)',
  },
  {
    flag: 'trusted-proxies', env: 'HALLWATCH_TRUSTED_PROXIES', key: 'trustedProxies', kind: 'string', dflt: '',
    help: 'comma-separated addresses or CIDR ranges (127.0.0.1,10.0.0.0/8,::1) of proxies whose X-Forwarded-For ' +
      'names the client (HAProxy); empty = the connection\'s peer is the client',
  },
  {
    flag: 'ws-max-buffered-bytes', env: 'HALLWATCH_WS_MAX_BUFFERED_BYTES', key: 'wsMaxBufferedBytes', kind: 'int',
    dflt: '4194304', min: 1024, max: 1_073_741_824,
    help: 'per-client send buffer above which deltas are skipped and a snapshot follows once drained',
  },
  {
    flag: 'stale-intervals', env: 'HALLWATCH_STALE_INTERVALS', key: 'staleIntervals', kind: 'int', dflt: '3', min: 1, max: 100,
    help: 'telemetry intervals without a sample before a rack is stale',
  },
  {
    flag: 'max-payload-bytes', env: 'HALLWATCH_MAX_PAYLOAD_BYTES', key: 'maxPayloadBytes', kind: 'int', dflt: '16384', min: 256, max: 1_048_576,
    help: 'largest accepted MQTT payload, bytes',
  },
  {
    flag: 'max-clock-skew-ms', env: 'HALLWATCH_MAX_CLOCK_SKEW_MS', key: 'maxClockSkewMs', kind: 'int', dflt: '300000', min: 1000, max: 86_400_000,
    help: 'largest accepted distance of a sample ts from server time, ms',
  },
  {
    flag: 'influx', env: 'HALLWATCH_INFLUX_URL', key: 'influxUrl', kind: 'string',
    help: 'InfluxDB URL (1.x, 2.x or 3.x, through the v1-compatible /write and /query); unset = history in memory only',
  },
  {
    flag: 'influx-db', env: 'HALLWATCH_INFLUX_DB', key: 'influxDb', kind: 'string', dflt: 'hallwatch',
    help: 'database (1.x, created if missing) or bucket mapped to it (2.x/3.x)',
  },
  { flag: 'influx-token', env: 'HALLWATCH_INFLUX_TOKEN', key: 'influxToken', kind: 'string', help: 'API token (2.x/3.x)' },
  { flag: 'influx-username', env: 'HALLWATCH_INFLUX_USERNAME', key: 'influxUsername', kind: 'string', help: 'username (1.x auth)' },
  { flag: 'influx-password', env: 'HALLWATCH_INFLUX_PASSWORD', key: 'influxPassword', kind: 'string', help: 'password (1.x auth)' },
  {
    flag: 'retention-raw', env: 'HALLWATCH_RETENTION_RAW', key: 'retentionRaw', kind: 'duration', dflt: '7d',
    help: 'how long 1 s samples are kept (InfluxQL duration: h, d, w, or INF)',
  },
  { flag: 'retention-1m', env: 'HALLWATCH_RETENTION_1M', key: 'retention1m', kind: 'duration', dflt: '90d', help: 'how long 1 min rollups are kept' },
  { flag: 'retention-1h', env: 'HALLWATCH_RETENTION_1H', key: 'retention1h', kind: 'duration', dflt: '104w', help: 'how long 1 h rollups are kept' },
  {
    flag: 'history-window-s', env: 'HALLWATCH_HISTORY_WINDOW_S', key: 'historyWindowS', kind: 'int', dflt: '3600', min: 60, max: 86_400,
    help: 'seconds of 1 Hz history kept in memory per rack, CDU, row and hall',
  },
  {
    flag: 'history-memory-mb', env: 'HALLWATCH_HISTORY_MEMORY_MB', key: 'historyMemoryMb', kind: 'int', dflt: '256', min: 8, max: 65_536,
    help: 'memory budget of that window; the window shrinks to fit',
  },
  {
    flag: 'gpu-window-s', env: 'HALLWATCH_GPU_WINDOW_S', key: 'gpuWindowS', kind: 'int', dflt: '60', min: 10, max: 3600,
    help: 'per-GPU history window (mean and max of each GPU), s',
  },
  {
    flag: 'history-block-s', env: 'HALLWATCH_HISTORY_BLOCK_S', key: 'historyBlockS', kind: 'int', dflt: '10', min: 1, max: 60,
    help: 'raw history is written to InfluxDB in blocks of this many seconds per rack, CDU and total (one value per field per block), s',
  },
  {
    flag: 'history-raw-format', env: 'HALLWATCH_HISTORY_RAW_FORMAT', key: 'historyRawFormat', kind: 'string', dflt: 'blocks',
    help: 'raw history in InfluxDB: blocks (rack_block, cdu_block, totals_block: one point per entity per block, read by Hallwatch) ' +
      'or points (rack, cdu, totals: one point of numeric fields per sample, for Grafana and any InfluxQL query); blocks by default: ' +
      'InfluxDB 1.x pays per field value and points cost it several times the CPU (docs/benchmarks.md) — choose points for an InfluxDB of the shard\'s own',
  },
  {
    flag: 'storage-dir', env: 'HALLWATCH_STORAGE_DIR', key: 'storageDir', kind: 'string', dflt: '.hallwatch',
    help: 'spill files of unwritten history and the dead-letter log',
  },
  {
    flag: 'storage-buffer-lines', env: 'HALLWATCH_STORAGE_BUFFER_LINES', key: 'storageBufferLines', kind: 'int', dflt: '200000', min: 1000, max: 100_000_000,
    help: 'unwritten lines held in memory before spilling to disk (a raw block line is about 1 KB)',
  },
  {
    flag: 'storage-max-behind-s', env: 'HALLWATCH_STORAGE_MAX_BEHIND_S', key: 'storageMaxBehindS', kind: 'int', dflt: '30', min: 1, max: 86_400,
    help: 'seconds the oldest unwritten line may wait before /healthz says history is behind',
  },
  {
    flag: 'alert-rules', env: 'HALLWATCH_ALERT_RULES', key: 'alertRulesPath', kind: 'string', dflt: 'config/alert-rules.json',
    help: 'alert rules file (docs/alerts.md); SIGHUP reloads it',
  },
  {
    flag: 'alert-webhook', env: 'HALLWATCH_ALERT_WEBHOOK_URL', key: 'alertWebhookUrl', kind: 'string',
    help: 'URL that receives incident notifications (JSON POST, docs/alerts.md)',
  },
  {
    flag: 'alert-webhook-allow-link-local', env: 'HALLWATCH_ALERT_WEBHOOK_ALLOW_LINK_LOCAL', key: 'alertWebhookAllowLinkLocal', kind: 'int',
    dflt: '0', min: 0, max: 1,
    help: '1 allows notification targets (webhook, Slack, Alertmanager) on link-local or cloud-metadata addresses',
  },
  {
    flag: 'alert-allow-targets', env: 'HALLWATCH_ALERT_ALLOW_TARGETS', key: 'alertAllowTargets', kind: 'string', dflt: '',
    help: 'comma-separated host:port notification targets allowed although on this ' +
      'machine or otherwise refused (e.g. 127.0.0.1:9093 for a local Alertmanager)',
  },
  {
    flag: 'alert-slack', env: 'HALLWATCH_ALERT_SLACK_URL', key: 'alertSlackUrl', kind: 'string',
    help: 'Slack-compatible incoming-webhook URL for incident notifications',
  },
  {
    flag: 'alert-alertmanager', env: 'HALLWATCH_ALERT_ALERTMANAGER_URL', key: 'alertAlertmanagerUrl', kind: 'string',
    help: 'Alertmanager base URL; incidents are pushed to {url}/api/v2/alerts',
  },
  {
    flag: 'dsx-root', env: 'HALLWATCH_DSX_ROOT', key: 'dsxRoot', kind: 'string',
    help: 'read a DSX Exchange BMS bus under this topic root, e.g. BMS/v1 (docs/dsx.md); unset = off',
  },
  {
    flag: 'dsx-mqtt', env: 'HALLWATCH_DSX_MQTT_URL', key: 'dsxMqttUrls', kind: 'string',
    help: 'broker of the DSX bus (mqtt://…), or a comma-separated list of its nodes; unset = the ingest broker',
  },
  {
    flag: 'dsx-integration', env: 'HALLWATCH_DSX_INTEGRATION', key: 'dsxIntegration', kind: 'string', dflt: 'HALLWATCH',
    help: 'Hallwatch\'s integration identifier on the DSX bus (its heartbeat topics)',
  },
  {
    flag: 'dsx-stale-s', env: 'HALLWATCH_DSX_STALE_S', key: 'dsxStaleS', kind: 'int', dflt: '130', min: 1, max: 86_400,
    help: 'a DSX point is stale after this long without a change or its 100 s republish, s',
  },
  {
    flag: 'dsx-heartbeat-timeout-s', env: 'HALLWATCH_DSX_HEARTBEAT_TIMEOUT_S', key: 'dsxHeartbeatTimeoutS', kind: 'int', dflt: '30', min: 1, max: 86_400,
    help: 'every DSX-fed rack and CDU is stale when the BMS heartbeat (once seen) is older than this, s',
  },
  {
    flag: 'alert-mqtt', env: 'HALLWATCH_ALERT_MQTT', key: 'alertMqtt', kind: 'int', dflt: '0', min: 0, max: 1,
    help: '1: publish each incident\'s state, retained, on {topic-root}/alerts/{kind}/{id}',
  },
  { flag: 'public-url', env: 'HALLWATCH_PUBLIC_URL', key: 'publicUrl', kind: 'string', help: 'dashboard URL as users reach it, for links in notifications' },
  {
    flag: 'ws-auth-recheck-ms', env: 'HALLWATCH_WS_AUTH_RECHECK_MS', key: 'wsAuthRecheckMs', kind: 'int', dflt: '15000', min: 100, max: 60_000,
    help: 'how often open WebSockets are re-authenticated (revoked display tokens, ended sessions)',
  },
  {
    flag: 'auth', env: 'HALLWATCH_AUTH', key: 'auth', kind: 'onoff', dflt: 'on',
    help: 'on: every API and the WebSocket need a login or token; off: open to anyone (local trials only)',
  },
  {
    flag: 'admin-token', env: 'HALLWATCH_ADMIN_TOKEN', key: 'adminToken', kind: 'string',
    help: 'token accepted as "Authorization: Bearer …" with the admin role (scripts, tests)',
  },
  {
    flag: 'print-admin-login', env: 'HALLWATCH_PRINT_ADMIN_LOGIN', key: 'printAdminLogin', kind: 'int', dflt: '0', min: 0, max: 1,
    help: '1: set a fresh password for user "admin" at start and print it (the demo)',
  },
  {
    flag: 'cluster', env: 'HALLWATCH_CLUSTER', key: 'clusterUrls', kind: 'string',
    help: 'the NATS cluster two servers share (nats://a:4222,nats://b:4222,nats://c:4222): users, tokens, acknowledgements, silences, rules ' +
      'and wall layouts live in its key-value store; unset = one server on local files',
  },
  {
    flag: 'cluster-replicas', env: 'HALLWATCH_CLUSTER_REPLICAS', key: 'clusterReplicas', kind: 'int', min: 1, max: 5,
    help: 'copies of each key-value bucket and stream on the cluster (default: the number of --cluster URLs, at most 3)',
  },
  {
    flag: 'server-name', env: 'HALLWATCH_SERVER_NAME', key: 'serverName', kind: 'string',
    help: 'this server\'s name on the cluster, unique per server (default {hostname}:{port})',
  },
  {
    flag: 'cluster-adopt-site', env: 'HALLWATCH_CLUSTER_ADOPT_SITE', key: 'clusterAdoptSite', kind: 'int', dflt: '0', min: 0, max: 1,
    help: '1: this server\'s site file becomes the cluster\'s (after changing the site file of both servers; see README)',
  },
  {
    flag: 'halls', env: 'HALLWATCH_HALLS', key: 'halls', kind: 'string',
    help: 'run as a hall shard: ingest, live state, rules and history of these halls only (h1,h2), published to the campus view over --cluster; ' +
      'refused when a hall is not in the site file or another live shard holds it',
  },
  {
    flag: 'campus', env: 'HALLWATCH_CAMPUS', key: 'campus', kind: 'int', dflt: '0', min: 0, max: 1,
    help: '1: run as the campus view: no telemetry; every hall\'s live state, totals, incidents and history from the hall shards over --cluster',
  },
  {
    flag: 'fleet', env: 'HALLWATCH_FLEET', key: 'fleet', kind: 'int', dflt: '0', min: 0, max: 1,
    help: '1: run as the fleet view on a hub of sites (--cluster: the hub\'s NATS): every site\'s halls and incidents from its leaf connection (docs/multi-site.md)',
  },
  { flag: 'log-level', env: 'HALLWATCH_LOG_LEVEL', key: 'logLevel', kind: 'level', dflt: 'info', help: 'debug, info, warn or error' },
];

/** An option Hallwatch no longer takes: given as a flag or set in the environment, the server refuses to start, saying why. */
export interface RefusedOption {
  flag: string;
  env: string;
  why: string;
}

export const REFUSED_OPTIONS: readonly RefusedOption[] = [
  {
    flag: 'mqtt-shared-group', env: 'HALLWATCH_MQTT_SHARED_GROUP',
    why: 'a shared subscription ($share/GROUP/…) hands out messages, not racks: each server would see part of every rack\'s samples, ' +
      'racks would look stale, a Last Will would reach one server, and totals, N+1 and alerts would be computed on a partial site. ' +
      'Run a redundant pair instead: every server takes the whole stream with plain subscriptions, on a NATS cluster ' +
      '(README, "Deployment: a redundant pair")',
  },
];
