/**
 * `npm run bench:trip`: how long a CDU trip takes to become an incident, on the pipeline as it is
 * deployed — the real server with the shipped alert rules, the real simulator publishing the
 * site once a second, through the server's embedded broker (the demo) or, with `--mosquitto`,
 * Debian's Mosquitto (as a large site runs it: the embedded broker does not keep up there). Each trial trips one CDU of its own redundancy
 * group through the simulator's fault port (`cdu-trip:ID`), waits for its incident, then clears
 * the fault. A trial's time runs from the first tripped sample (`running: false`, as this
 * process receives it from the broker) to the first `GET /api/alerts` that shows the incident,
 * polled every `POLL_MS`; `fired` is to the incident's `startedMs`, the firing time of its alert
 * on the server's clock (slightly negative when the server took the sample before this process).
 *
 *   --racks N (0: the demo site, sites/demo.json; else a generated site of N racks)
 *   --trials T (10)  --warmup S (10)  --mosquitto
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { connectMqttAsync } from '../simulators/mqtt-client.ts';
import { benchSite } from './bench-site.ts';
import { quantile } from './bench-probe.ts';
import { entityTopic } from '../protocol/topics.ts';
import type { SiteSpec } from '../protocol/site.ts';
import { startServer, startSimulator } from '../test/helpers/programs.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const RACKS = opt('racks', 0);
const TRIALS = opt('trials', 10);
const WARMUP_S = opt('warmup', 10);
const MOSQUITTO = argv.includes('--mosquitto');
/** How often the alerts API is polled while a trial waits, ms: the resolution of `seen`. */
const POLL_MS = 10;
/** A trial that shows no incident within this long fails the run, ms. */
const TRIAL_TIMEOUT_MS = 15_000;

interface Trial {
  cduId: string;
  /** First tripped sample → incident in the API, as polled; and → its alert's firing on the server. */
  seenMs: number;
  firedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One CDU per redundancy group, spread over the site: a trial's incident never joins another's. */
function pickCdus(spec: SiteSpec, n: number): { id: string; hallId: string }[] {
  const seen = new Set<string>();
  const firstOfGroup = (g: string) => !seen.has(g) && Boolean(seen.add(g));
  const all = spec.halls.flatMap((h) => h.cdus.filter((c) => firstOfGroup(c.redundancyGroup ?? c.id)).map((c) => ({ id: c.id, hallId: h.id })));
  const step = Math.max(1, Math.floor(all.length / n));
  return Array.from({ length: n }, (_, k) => all[(k * step) % all.length]);
}

async function incidentOf(baseUrl: string, cduId: string): Promise<{ startedMs: number } | null> {
  const body = (await (await fetch(`${baseUrl}/api/alerts`)).json()) as { incidents: { startedMs: number; roots: { rule: string; entity: string }[] }[] };
  return body.incidents.find((i) => i.roots.some((r) => r.rule === 'cdu-tripped' && r.entity === `cdu:${cduId}`)) ?? null;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-trip-bench-'));
  const spec: SiteSpec = RACKS > 0 ? benchSite(RACKS).spec : JSON.parse(readFileSync('sites/demo.json', 'utf8'));
  const sitePath = join(dir, 'site.json');
  writeFileSync(sitePath, JSON.stringify(spec));
  const racks = spec.halls.reduce((n, h) => n + h.rows.reduce((m, r) => m + r.racks.length, 0), 0);
  console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`);
  const via = MOSQUITTO ? 'Mosquitto' : 'the embedded broker';
  const cdus = spec.halls.reduce((n, h) => n + h.cdus.length, 0);
  console.log(`site "${spec.name}": ${racks} racks, ${cdus} CDUs via ${via}; ${TRIALS} trials after ${WARMUP_S} s of warm-up`);
  const broker = MOSQUITTO ? await startMosquitto() : null;
  const brokerArgs = broker ? ['--mqtt', broker.url] : ['--embedded-broker-port', '0'];
  const server = await startServer(['--site', sitePath, ...brokerArgs, '--storage-dir', join(dir, 'storage')]);
  const sim = await startSimulator(['--site', sitePath, '--mqtt', server.mqttUrl, '--control-port', '0']);
  const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
  const fault = async (text: string) => {
    const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: text });
    if (!res.ok) throw new Error(`fault "${text}": ${res.status} ${await res.text()}`);
  };
  const bus = await connectMqttAsync({ urls: server.mqttUrl, clientId: `hallwatch-trip-bench-${process.pid}` });
  /** Receive time of the first tripped sample per CDU topic since it was armed. */
  const tripped = new Map<string, number>();
  bus.on('message', (topic, payload) => {
    if (tripped.get(topic) !== Number.NEGATIVE_INFINITY) return;
    if ((JSON.parse(payload.toString()) as { running?: boolean }).running === false) tripped.set(topic, Date.now());
  });
  const trials: Trial[] = [];
  try {
    console.log(`warming up ${WARMUP_S} s…`);
    await sleep(WARMUP_S * 1000);
    for (const [k, cdu] of pickCdus(spec, TRIALS).entries()) {
      const topic = entityTopic('hallwatch/v1', cdu.hallId, 'cdu', cdu.id, 'telemetry');
      await bus.subscribeAsync(topic);
      // A random phase against the server's once-a-second rounds.
      await sleep(500 + Math.random() * 1000);
      tripped.set(topic, Number.NEGATIVE_INFINITY);
      await fault(`cdu-trip:${cdu.id}`);
      const t0 = Date.now();
      let incident: { startedMs: number } | null = null;
      while (!incident) {
        if (Date.now() - t0 > TRIAL_TIMEOUT_MS) {
          const sample = Number.isFinite(tripped.get(topic)!) ? 'its tripped sample arrived' : 'no tripped sample arrived';
          throw new Error(`trial ${k + 1}: no incident for ${cdu.id} after ${TRIAL_TIMEOUT_MS} ms (${sample})`);
        }
        await sleep(POLL_MS);
        incident = await incidentOf(server.baseUrl, cdu.id);
      }
      const seenAt = Date.now();
      const sampleAt = tripped.get(topic)!;
      if (!Number.isFinite(sampleAt)) throw new Error(`trial ${k + 1}: the incident for ${cdu.id} came before its tripped sample reached this process`);
      const t: Trial = { cduId: cdu.id, seenMs: seenAt - sampleAt, firedMs: incident.startedMs - sampleAt };
      trials.push(t);
      const ms = (v: number) => `${String(v).padStart(5)} ms`;
      console.log(`trial ${String(k + 1).padStart(2)}/${TRIALS}  ${t.cduId.padEnd(16)} seen ${ms(t.seenMs)}   fired ${ms(t.firedMs)}`);
      await fault(`clear:${cdu.id}`);
      await bus.unsubscribeAsync(topic);
    }
  } finally {
    await bus.endAsync();
    await sim.stop();
    await server.stop();
    await broker?.stop();
  }
  const seen = trials.map((t) => t.seenMs).sort((a, b) => a - b);
  const fired = trials.map((t) => t.firedMs).sort((a, b) => a - b);
  console.log(`\ntrip → incident over ${trials.length} trials at ${racks} racks (ms): seen p50 ${quantile(seen, 0.5)} max ${Math.max(...seen)};` +
    ` fired p50 ${quantile(fired, 0.5)} max ${Math.max(...fired)}`);
}

await main();
