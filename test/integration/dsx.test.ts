/**
 * A DSX Exchange bus as a first-class source, with Debian's Mosquitto: the exemplar recording of
 * a GB300 pod discovered into a site file by `npm run site -- --from-dsx`, replayed by
 * `npm run replay`, read by the server with `--dsx-root BMS/v1`: racks live with heat from the
 * replayed flow and temperatures, the CDU's secondary side, staleness by the DSX republish rule,
 * and the BMS heartbeat (Hallwatch's own published back, its loss making everything stale).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { heatKw } from '../../protocol/coolant.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { execFileSync } from 'node:child_process';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, notYet, seen, waitFor } from '../helpers/wait.ts';
import { parseRecording, stamp } from '../../simulators/dsx-recording.ts';

const EXEMPLAR = join(import.meta.dirname, '..', 'fixtures', 'dsx', 'dsx_exemplar.csv');
const STALE_S = 6;
const ROOT = join(import.meta.dirname, '..', '..');
/** Runs one of the project's commands to its end, as a user would; its stdout. */
const run = (script: string, args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

/** The last value the recording gives each point (by topic), as the server should end up holding. */
function lastValues(): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of parseRecording(readFileSync(EXEMPLAR, 'utf8'))) {
    if (!m.topic.includes('/Value/')) continue;
    const v = JSON.parse(stamp(m.payload, 1)).value;
    if (typeof v === 'number') out.set(m.topic, v);
  }
  return out;
}
const rackTopic = (rack: string, point: string, tail: string) =>
  `BMS/v1/PUB/Value/Rack/${point}/nvidia/titan/pod1C/rowE/${rack}/energyValve/${tail}/feedback/value`;

describe('DSX Exchange bus through Mosquitto', () => {
  let broker: Mosquitto;
  let server: Awaited<ReturnType<typeof startServer>>;
  let discovery: string;
  let bms: MqttClient;
  const sitePath = join(mkdtempSync(join(tmpdir(), 'hallwatch-dsx-')), 'site.json');

  beforeAll(async () => {
    broker = await startMosquitto();
    discovery = run('simulators/site-cli.ts', ['--from-dsx', EXEMPLAR, '--out', sitePath]);
    server = await startServer([
      '--site', sitePath, '--mqtt', broker.url, '--dsx-root', 'BMS/v1', '--dsx-stale-s', String(STALE_S), '--dsx-heartbeat-timeout-s', '3',
    ]);
    bms = await mqtt.connectAsync(broker.url, { clientId: `hallwatch-test-bms-${process.pid}` });
  }, 60_000);

  afterAll(async () => {
    await bms?.endAsync();
    await server?.stop();
    await broker?.stop();
  });

  it('discovers the pod: its racks, the CDU with the racks it serves, and what is left to fill in', () => {
    expect(discovery).toMatch(/wrote .*site\.json: 6 racks and 1 CDUs from 166 DSX points/);
    expect(discovery).toMatch(/C-F00-CDU-05: capacityKw and ratedFlowLpm unknown \(null\)/);
    const site = JSON.parse(readFileSync(sitePath, 'utf8'));
    expect(site.halls[0].cdus[0]).toMatchObject({ id: 'C-F00-CDU-05', capacityKw: null, ratedFlowLpm: null });
  });

  it('shows the replayed racks live with heat = k·V̇·ΔT from the replayed flow and temperatures (within 1 %)', async () => {
    const replayed = run('simulators/replay.ts', [EXEMPLAR, '--mqtt', broker.url, '--speed', '25']);
    expect(replayed).toMatch(/HALLWATCH_REPLAY_READY messages=4711/);
    expect(replayed).toMatch(/pass 1 done, 4711 messages over 4\.0 s/);
    const last = lastValues();
    for (const [rackId, rack] of [['Pod1C-E02', 'rack02'], ['Pod1C-E05', 'rack05']]) {
      const supplyC = last.get(rackTopic(rack, 'RackLiquidSupplyTemperature', 'supplyTemperature'))!;
      const returnC = last.get(rackTopic(rack, 'RackLiquidReturnTemperature', 'returnTemperature'))!;
      const flowLpm = last.get(rackTopic(rack, 'RackLiquidFlow', 'flow'))!;
      const expected = heatKw('water', flowLpm, supplyC, returnC);
      const r = await waitFor(`${rackId} with the recording's last values`, async () => {
        const v = await getJson(`${server.baseUrl}/api/racks/${rackId}`);
        return v.state === 'live' && v.flowLpm === flowLpm && v.returnC === returnC && v.supplyC === supplyC ? v : notYet(v);
      }, 10_000);
      expect(expected).toBeGreaterThan(5);
      expect(Math.abs(r.heatKw - expected) / expected).toBeLessThan(0.01);
    }
    // A rack with only a power point shows its power and nothing invented.
    const e01 = await getJson(`${server.baseUrl}/api/racks/Pod1C-E01`);
    expect(e01.rackKw).toBeGreaterThan(0);
    expect(e01.heatKw).toBeNull();
    expect(e01.flowLpm).toBeNull();
    // The CDU's secondary side, and no headroom from a capacity nobody gave.
    const cdu = await getJson(`${server.baseUrl}/api/cdus/C-F00-CDU-05`);
    expect(cdu).toMatchObject({
      state: 'live', supplyC: 31.3, returnC: 31.7, flowLpm: 0, facilitySupplyC: 14.1, facilityReturnC: 33, pumpPct: 44, running: true,
      capacityKw: null, headroomKw: null, headroomPct: null, n1HeadroomKw: null,
    });
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/hallwatch_dsx_accepted_total\{kind="rack"\} [1-9]\d*/);
    expect(metrics).toMatch(/hallwatch_dsx_ignored_total [1-9]\d*/);
  });

  it('keeps a DSX rack live between republishes longer than the hallwatch/v1 stale time, stale only after the DSX one', async () => {
    const sentAt = Date.now();
    await bms.publishAsync(rackTopic('rack03', 'RackLiquidFlow', 'flow'), JSON.stringify({ value: 49.5, timestamp: sentAt, quality: 1 }));
    await waitFor('E03 flow updated', async () => seen((await getJson(`${server.baseUrl}/api/racks/Pod1C-E03`)).flowLpm, (v) => v === 49.5));
    // Older than three site telemetry intervals (3 s) and a tick on the server's clock: a hallwatch/v1 rack would be stale by now.
    const aged = await waitFor('E03 older than the hallwatch/v1 stale time', async () => {
      const r = await getJson(`${server.baseUrl}/api/racks/Pod1C-E03`);
      return r.ageMs > 3300 ? r : notYet({ ageMs: r.ageMs, state: r.state });
    }, 10_000, 100);
    expect(aged.state).toBe('live');
    await waitFor('E03 stale after the DSX stale time', async () =>
      seen((await getJson(`${server.baseUrl}/api/racks/Pod1C-E03`)).state, (v) => v === 'stale'), 10_000, 100);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(STALE_S * 1000);
    // Quality 0 and null are refused and counted, never taken as readings.
    await bms.publishAsync(rackTopic('rack03', 'RackLiquidFlow', 'flow'), JSON.stringify({ value: 12, timestamp: Date.now(), quality: 0 }));
    await bms.publishAsync(rackTopic('rack03', 'RackLiquidFlow', 'flow'), JSON.stringify({ value: null, timestamp: Date.now(), quality: 1 }));
    await waitFor('quality and null counted', async () => {
      const m = await (await fetch(`${server.baseUrl}/metrics`)).text();
      const rejected = m.split('\n').filter((l) => l.startsWith('hallwatch_dsx_rejected_total{'));
      const counted = (reason: string) => rejected.includes(`hallwatch_dsx_rejected_total{reason="${reason}"} 1`);
      return (counted('bad_quality') && counted('null_value')) || notYet(rejected);
    });
    expect((await getJson(`${server.baseUrl}/api/racks/Pod1C-E03`)).flowLpm).toBe(49.5);
  });

  it('publishes its own heartbeat where the BMS assigns it, and turns every DSX rack stale with an alert when the BMS heartbeat stops', async () => {
    const ours = 'BMS/v1/HALLWATCH/Value/System/HeartbeatTimestampIntegration/site/integrations/HALLWATCH/heartbeat';
    const watcher = await mqtt.connectAsync(broker.url, { clientId: `hallwatch-test-watch-${process.pid}` });
    const beats: number[] = [];
    watcher.on('message', (t, p) => t === ours && beats.push(JSON.parse(p.toString()).value));
    await watcher.subscribeAsync(ours);
    await bms.publishAsync(
      'BMS/v1/PUB/Metadata/System/HeartbeatTimestampIntegration/site/integrations/HALLWATCH/heartbeat',
      JSON.stringify({ objectType: 'System', pointType: 'HeartbeatTimestampIntegration', objectId: 'HALLWATCH', integration: 'HALLWATCH' }),
      { retain: true },
    );
    await bms.publishAsync(
      'BMS/v1/PUB/Metadata/System/HeartbeatTimestampBms/site/bms/heartbeat',
      JSON.stringify({ objectType: 'System', pointType: 'HeartbeatTimestampBms', objectId: 'BMS' }),
      { retain: true },
    );
    // The BMS beats (faster than its 10 s here) and keeps a rack fresh.
    let lastBeatMs = 0;
    const beat = setInterval(() => {
      lastBeatMs = Date.now();
      const value = JSON.stringify({ value: Date.now(), timestamp: Date.now(), quality: 1 });
      void bms.publishAsync('BMS/v1/PUB/Value/System/HeartbeatTimestampBms/site/bms/heartbeat', value);
      void bms.publishAsync(rackTopic('rack02', 'RackLiquidFlow', 'flow'), JSON.stringify({ value: 50 + Math.random(), timestamp: Date.now(), quality: 1 }));
    }, 1000);
    try {
      await waitFor('Hallwatch heartbeat on its assigned topic', () => seen(beats.length, (v) => v > 0), 15_000, 200);
      expect(Math.abs(beats[0] - Date.now())).toBeLessThan(15_000);
      await waitFor('E02 live with the BMS beating', async () => seen((await getJson(`${server.baseUrl}/api/racks/Pod1C-E02`)).state, (v) => v === 'live'));
    } finally {
      clearInterval(beat);
    }
    await waitFor('E02 stale after the heartbeat stopped', async () =>
      seen((await getJson(`${server.baseUrl}/api/racks/Pod1C-E02`)).state, (v) => v === 'stale'), 10_000, 100);
    expect(Date.now() - lastBeatMs).toBeGreaterThanOrEqual(3000);
    const alerts = await waitFor('BMS heartbeat alert', async () => {
      const a = await getJson(`${server.baseUrl}/api/alerts`);
      return a.incidents.find((i: any) => i.roots.some((r: any) => r.rule === 'bms-heartbeat-lost')) ?? notYet(a.incidents.map((i: any) => i.title));
    }, 10_000);
    expect(alerts).toMatchObject({ severity: 'critical', title: expect.stringMatching(/^site: BMS heartbeat lost/) });
    await watcher.endAsync();
  });
});

describe('the simulator speaking DSX Exchange, through Mosquitto', () => {
  let broker: Mosquitto;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  const sites = writeTestSites();

  beforeAll(async () => {
    broker = await startMosquitto();
    // The server reads only the DSX bus: the hallwatch/v1 root is one nothing publishes to.
    server = await startServer(['--site', sites.simulated, '--mqtt', broker.url, '--topic-root', 'unused/v1', '--dsx-root', 'BMS/v1']);
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', broker.url, '--dialect', 'dsx', '--control-port', '0']);
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await server?.stop();
    await broker?.stop();
  });

  it('brings every simulated rack and CDU live from DSX points, with physics from the points, and a BMS heartbeat', async () => {
    const racks = sites.spec.halls[0].rows.filter((r) => r.id !== 'h1-probe').flatMap((r) => r.racks.map((k) => k.id));
    const live = await waitFor('every rack live over DSX', async () => {
      const all = await Promise.all(racks.map((id) => getJson(`${server.baseUrl}/api/racks/${id}`)));
      return all.every((r) => r.state === 'live' && r.heatKw !== null) ? all : notYet(all.map((r) => ({ id: r.id, state: r.state, heatKw: r.heatKw })));
    }, 20_000, 250);
    for (const r of live) {
      expect(r.rackKw).toBeGreaterThan(15);
      expect(Math.abs(r.heatKw - heatKw('water', r.flowLpm, r.supplyC, r.returnC)) / r.heatKw).toBeLessThan(0.01);
    }
    const cdu = await waitFor('the first CDU live with its group\'s N+1', async () => {
      const c = await getJson(`${server.baseUrl}/api/cdus/${sites.spec.halls[0].cdus[0].id}`);
      return c.state === 'live' && c.n1HeadroomKw !== null ? c : notYet(c);
    });
    expect(cdu.running).toBe(true);
    const m = await (await fetch(`${server.baseUrl}/metrics`)).text();
    const age = Number(/^hallwatch_dsx_bms_heartbeat_age_seconds (\S+)$/m.exec(m)![1]);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(12);
    expect(m).toMatch(/hallwatch_dsx_rejected_total\{reason="no_metadata"\} 0\b/);
  });

  it('discovers a site file from the live bus', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hallwatch-dsx-live-')), 'site.json');
    const printed = run('simulators/site-cli.ts', ['--from-dsx', broker.url, '--listen-s', '2', '--out', out]);
    expect(printed).toMatch(/: 8 racks and 6 CDUs from \d+ DSX points \(mqtt:/);
    const site = JSON.parse(readFileSync(out, 'utf8'));
    const racks = site.halls[0].rows.flatMap((r: any) => r.racks.map((k: any) => `${k.id}@${k.position}`));
    expect(racks).toEqual(sites.spec.halls[0].rows.filter((r) => r.id !== 'h1-probe').flatMap((r) => r.racks.map((k) => `${k.id}@${k.position}`)));
    const cdu = sites.spec.halls[0].cdus[0];
    expect(site.halls[0].cdus.find((c: any) => c.id === cdu.id)).toMatchObject({ rackIds: cdu.rackIds, capacityKw: null });
  });

  it('shows a CDU trip from its DSX Status point as one incident', async () => {
    const cduId = sites.spec.halls[0].cdus[0].id;
    const res = await fetch(`http://127.0.0.1:${/control=(\d+)/.exec(sim.readyLine)![1]}/faults`, { method: 'POST', body: `cdu-trip:${cduId}` });
    expect(res.ok).toBe(true);
    const inc = await waitFor('CDU trip incident', async () => {
      const a = await getJson(`${server.baseUrl}/api/alerts`);
      return a.incidents.find((i: any) => i.roots.some((r: any) => r.rule === 'cdu-tripped' && r.entity === `cdu:${cduId}`))
        ?? notYet(a.incidents.map((i: any) => i.title));
    }, 15_000);
    expect(inc.title).toMatch(new RegExp(`^${cduId}: CDU tripped`));
  });
});
