/**
 * Simulator composition root: loads the site, builds the rack/CDU models, connects the
 * publisher and steps the whole site once per telemetry interval.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { parseSite, type SiteSpec } from '../protocol/site.ts';
import { simulatorControlTopic } from '../protocol/topics.ts';
import { redactBusUrl } from '../protocol/bus-connection.ts';
import { siteTopicRefusal } from '../protocol/topic-levels.ts';
import { loadSimConfig, SIM_USAGE, type SimConfig } from './config.ts';
import { parseFault } from './faults.ts';
import { SiteSim } from './site-sim.ts';
import { Publisher, type Entity } from './publisher.ts';
import { DsxPublisher } from './dsx-publisher.ts';
import { ControlServer, controlCommand } from './control.ts';
import { connectMqttAsync } from './mqtt-client.ts';

export interface RunningSimulator {
  sim: SiteSim;
  /** The hallwatch/v1 publisher (null in the DSX dialect). */
  publisher: Publisher | null;
  controlPort: number | null;
  /** Applies a fault command; resolves to an error text or null. */
  command(text: string): Promise<string | null>;
  stop(): Promise<void>;
}

function loadSite(path: string): SiteSpec {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`site file ${path}: ${(e as Error).message}`);
  }
  const r = parseSite(json);
  if (!r.ok) throw new Error(`site file ${path}: ${r.message}`);
  const refusal = siteTopicRefusal(r.value);
  if (refusal) throw new Error(`site file ${path}: ${refusal}`);
  return r.value;
}

export async function startSimulator(
  cfg: SimConfig,
  log: (msg: string) => void = (m) => console.error(`simulator: ${m}`),
  clock: () => number = Date.now,
): Promise<RunningSimulator> {
  const site = loadSite(cfg.sitePath);
  const sim = new SiteSim(site, cfg.seed, { drift: cfg.drift });
  const entities: Entity[] = [
    ...[...sim.racks].map(([id, r]) => ({ kind: 'rack' as const, hallId: r.hallId, id })),
    ...[...sim.cdus].map(([id, c]) => ({ kind: 'cdu' as const, hallId: c.hallId, id })),
  ];
  const entityById = new Map(entities.map((e) => [e.id, e]));
  // The hallwatch/v1 contract (a connection per entity, Last Wills), or the site as a DSX BMS.
  const bus = { urls: cfg.mqttUrls, username: cfg.mqttUsername, password: cfg.mqttPassword, caPem: cfg.mqttCaPem };
  const dsx = cfg.dialect === 'dsx'
    ? new DsxPublisher({ bus: { ...bus, clientId: `hallwatch-sim-dsx-${process.pid}` }, root: cfg.dsxRoot, integration: cfg.dsxIntegration }, site)
    : null;
  const publisher = dsx
    ? null
    : new Publisher({ bus, topicRoot: cfg.topicRoot, mode: cfg.connections, qos: cfg.qos, clientIdPrefix: `hallwatch-sim-${process.pid}` }, entities);
  await (dsx ?? publisher!).start();

  const syncConnections = async () => {
    if (!publisher) return;
    for (const [id, r] of sim.racks) if (r.offline !== publisher.isOffline(id)) await publisher.setOffline(entityById.get(id)!, r.offline);
    for (const [id, c] of sim.cdus) if (c.offline !== publisher.isOffline(id)) await publisher.setOffline(entityById.get(id)!, c.offline);
  };
  const command = async (text: string): Promise<string | null> => {
    const parsed = parseFault(text);
    if (!parsed.ok) return parsed.message;
    const err = sim.apply(parsed.value);
    if (err) return `fault "${text}": ${err}`;
    await syncConnections();
    log(`fault applied: ${text}`);
    return null;
  };
  for (const f of cfg.faults) {
    const err = await command(f);
    if (err) {
      await (dsx ?? publisher!).stop();
      throw new Error(err);
    }
  }

  const control: MqttClient = await connectMqttAsync({ ...bus, clientId: `hallwatch-sim-control-${process.pid}` });
  await control.subscribeAsync(simulatorControlTopic(cfg.topicRoot), { qos: 1 });
  control.on('message', (_topic, payload) => {
    void command(controlCommand(payload.toString())).then((err) => err && log(err));
  });
  const controlServer = cfg.controlPort === null ? null : new ControlServer(cfg.controlPort, command, () => Object.fromEntries(sim.active));
  const controlPort = controlServer ? await controlServer.start() : null;

  const intervalMs = cfg.intervalMs ?? site.telemetryIntervalMs;
  let last = clock();
  const tick = () => {
    const now = clock();
    const dtS = Math.min(10, (now - last) / 1000);
    last = now;
    const out = sim.step(now, dtS);
    if (dsx) {
      // A DSX point has no Last Will: an offline rack or CDU just goes quiet.
      dsx.tick(now);
      for (const [id, sample] of out.racks) if (!sim.isSilent(id) && !sim.racks.get(id)!.offline) dsx.rack(id, sample);
      for (const [id, sample] of out.cdus) if (!sim.isSilent(id) && !sim.cdus.get(id)!.offline) dsx.cdu(id, sample);
      return;
    }
    for (const [id, sample] of out.racks) {
      if (sim.isSilent(id)) continue;
      if (cfg.noGpuDetail) delete sample.gpuW;
      publisher!.publish(entityById.get(id)!, JSON.stringify(sample));
    }
    for (const [id, sample] of out.cdus) if (!sim.isSilent(id)) publisher!.publish(entityById.get(id)!, JSON.stringify(sample));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  const dsxNote = dsx ? ` as DSX Exchange points under ${cfg.dsxRoot}/ (${dsx.pointCount} points)` : '';
  const controlNote = controlPort ? `; fault control on http://127.0.0.1:${controlPort}/faults` : '';
  log(`${sim.racks.size} racks and ${sim.cdus.size} CDUs publishing every ${intervalMs} ms to ${redactBusUrl(cfg.mqttUrls)}` + dsxNote + controlNote);
  for (const d of sim.drifting) {
    log(`${d.id}: cold plates fouling from ${Math.round(d.startS / 60)} min, flow −${d.lossPctPerMin} %/min up to −${d.holdLossPct} % (--drift off for none)`);
  }

  return {
    sim,
    publisher,
    controlPort,
    command,
    async stop() {
      clearInterval(timer);
      await controlServer?.stop();
      await control.endAsync();
      await (dsx ?? publisher!).stop();
    },
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(SIM_USAGE);
    return;
  }
  let cfg: SimConfig;
  try {
    cfg = loadSimConfig(argv, process.env);
  } catch (e) {
    console.error(`simulator: ${(e as Error).message}`);
    process.exit(2);
  }
  let running: RunningSimulator;
  try {
    running = await startSimulator(cfg);
  } catch (e) {
    console.error(`simulator: ${(e as Error).message}`);
    process.exit(1);
  }
  process.stdout.write('HALLWATCH_SIM_READY' + (running.controlPort ? ` control=${running.controlPort}` : '') + '\n');
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
