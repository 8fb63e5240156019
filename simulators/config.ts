/** The simulator's only reader of argv and the environment (HALLWATCH_* twins). */
import { readFileSync } from 'node:fs';
import { DEFAULT_TOPIC_ROOT } from '../protocol/topics.ts';
import { busUrlList, parseBusUrls } from '../protocol/bus-connection.ts';
import { topicRootRefusal } from '../protocol/topic-levels.ts';

export interface SimConfig {
  sitePath: string;
  /** Broker URLs: one, or the nodes of one clustered broker (each reconnect tries the next). */
  mqttUrls: string[];
  mqttUsername?: string;
  mqttPassword?: string;
  /** PEM CA bundle for an mqtts:// broker with a private CA. */
  mqttCaPem?: string;
  topicRoot: string;
  seed: number;
  /** Publishing interval, ms (default: the site's telemetryIntervalMs). */
  intervalMs: number | null;
  faults: string[];
  /** HTTP control port (POST /faults); null = no HTTP control. */
  controlPort: number | null;
  connections: 'entity' | 'shared';
  /** QoS of telemetry publishes: 1 lets a persistent-session ingest (at-least-once) get what it missed. */
  qos: 0 | 1;
  /** Leave out the 72-entry gpuW array (smaller payloads for load tests). */
  noGpuDetail: boolean;
  /** `hallwatch`: the hallwatch/v1 contract; `dsx`: the site as an NVIDIA DSX Exchange BMS publishes it. */
  dialect: 'hallwatch' | 'dsx';
  dsxRoot: string;
  dsxIntegration: string;
  /** One or two racks per hall whose cold plates foul over the first hour (docs/simulator.md); default true. */
  drift: boolean;
}

export const SIM_USAGE = `Usage: npm run simulate -- [options]
  --site FILE            HALLWATCH_SITE              sites/demo.json
  --mqtt URL[,URL…]      HALLWATCH_MQTT_URL          mqtt://127.0.0.1:1883 (a list: the nodes of one cluster, failover)
  --mqtt-username U      HALLWATCH_MQTT_USERNAME
  --mqtt-password P      HALLWATCH_MQTT_PASSWORD
  --mqtt-ca FILE         HALLWATCH_MQTT_CA           PEM CA of the broker's certificate (mqtts://)
  --topic-root ROOT      HALLWATCH_TOPIC_ROOT        ${DEFAULT_TOPIC_ROOT}
  --seed N               HALLWATCH_SIM_SEED          1
  --interval-ms N        HALLWATCH_SIM_INTERVAL_MS   (site's telemetryIntervalMs)
  --fault SPEC           HALLWATCH_SIM_FAULTS        (repeatable; env: comma-separated) see simulators/faults.ts
  --control-port N       HALLWATCH_SIM_CONTROL_PORT  (off) HTTP: GET/POST /faults
  --connections MODE     HALLWATCH_SIM_CONNECTIONS   entity (one MQTT connection per rack/CDU) | shared
  --qos 0|1              HALLWATCH_SIM_QOS           telemetry QoS (default 0; 1 for an at-least-once ingest)
  --no-gpu-detail        HALLWATCH_SIM_NO_GPU_DETAIL leave the per-GPU array out of payloads
  --dialect D            HALLWATCH_SIM_DIALECT       hallwatch | dsx (DSX Exchange BMS points, docs/dsx.md)
  --dsx-root ROOT        HALLWATCH_DSX_ROOT          BMS/v1
  --dsx-integration ID   HALLWATCH_DSX_INTEGRATION   HALLWATCH (whose heartbeat point the BMS declares)
  --drift on|off         HALLWATCH_SIM_DRIFT         on: one or two racks per hall foul their cold plates (docs/simulator.md)`;

export function loadSimConfig(argv: string[], env: NodeJS.ProcessEnv): SimConfig {
  const args = new Map<string, string>();
  const faults: string[] = (env.HALLWATCH_SIM_FAULTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let noGpuDetail = env.HALLWATCH_SIM_NO_GPU_DETAIL === '1';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-gpu-detail') {
      noGpuDetail = true;
      continue;
    }
    const known = [
      '--site', '--mqtt', '--mqtt-username', '--mqtt-password', '--mqtt-ca', '--topic-root', '--seed', '--interval-ms',
      '--fault', '--control-port', '--connections', '--dialect', '--dsx-root', '--dsx-integration', '--qos', '--drift',
    ];
    if (!known.includes(a)) throw new Error(`unknown option ${a} (see --help)`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--fault') faults.push(v);
    else args.set(a.slice(2), v);
  }
  const get = (flag: string, envName: string, dflt?: string) => args.get(flag) ?? (env[envName] || undefined) ?? dflt;
  const int = (flag: string, envName: string, min: number, max: number, dflt?: string): number | null => {
    const raw = get(flag, envName, dflt);
    if (raw === undefined) return null;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${flag}: must be an integer in [${min}, ${max}], got "${raw}"`);
    return v;
  };
  const connections = get('connections', 'HALLWATCH_SIM_CONNECTIONS', 'entity');
  if (connections !== 'entity' && connections !== 'shared') throw new Error(`--connections: must be entity or shared, got "${connections}"`);
  const qos = int('qos', 'HALLWATCH_SIM_QOS', 0, 1, '0') as 0 | 1;
  const dialect = get('dialect', 'HALLWATCH_SIM_DIALECT', 'hallwatch');
  if (dialect !== 'hallwatch' && dialect !== 'dsx') throw new Error(`--dialect: must be hallwatch or dsx, got "${dialect}"`);
  const drift = get('drift', 'HALLWATCH_SIM_DRIFT', 'on');
  if (drift !== 'on' && drift !== 'off') throw new Error(`--drift: must be on or off, got "${drift}"`);
  const caPath = get('mqtt-ca', 'HALLWATCH_MQTT_CA');
  let mqttCaPem: string | undefined;
  if (caPath) {
    try {
      mqttCaPem = readFileSync(caPath, 'utf8');
    } catch (e) {
      throw new Error(`--mqtt-ca: cannot read ${caPath} (${(e as Error).message})`);
    }
  }
  const topicRoot = get('topic-root', 'HALLWATCH_TOPIC_ROOT', DEFAULT_TOPIC_ROOT)!;
  const rootRefusal = topicRootRefusal(topicRoot);
  if (rootRefusal) throw new Error(`--topic-root: ${rootRefusal}`);
  const mqtt = get('mqtt', 'HALLWATCH_MQTT_URL', 'mqtt://127.0.0.1:1883')!;
  const brokers = parseBusUrls(mqtt);
  if (!brokers.ok) throw new Error(`--mqtt: ${brokers.message}`);
  return {
    mqttCaPem,
    sitePath: get('site', 'HALLWATCH_SITE', 'sites/demo.json')!,
    mqttUrls: busUrlList(mqtt),
    mqttUsername: get('mqtt-username', 'HALLWATCH_MQTT_USERNAME'),
    mqttPassword: get('mqtt-password', 'HALLWATCH_MQTT_PASSWORD'),
    topicRoot,
    seed: int('seed', 'HALLWATCH_SIM_SEED', 0, 2 ** 32 - 1, '1')!,
    intervalMs: int('interval-ms', 'HALLWATCH_SIM_INTERVAL_MS', 50, 600_000),
    faults,
    controlPort: int('control-port', 'HALLWATCH_SIM_CONTROL_PORT', 0, 65535),
    connections,
    qos,
    noGpuDetail,
    dialect,
    dsxRoot: get('dsx-root', 'HALLWATCH_DSX_ROOT', 'BMS/v1')!.replace(/\/+$/, ''),
    dsxIntegration: get('dsx-integration', 'HALLWATCH_DSX_INTEGRATION', 'HALLWATCH')!,
    drift: drift === 'on',
  };
}
