/**
 * History against a real InfluxDB 1.6 and a real Mosquitto: the real server and simulator,
 * round trips per measurement, rollups checked against a reference, a 60 s database outage
 * under load with every accepted sample stored exactly once, and the history API's tiers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { heatKw } from '../../protocol/coolant.ts';
import { startInfluxd, type Influxd } from '../helpers/influxd.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, notYet, seen, sleep, waitFor } from '../helpers/wait.ts';
import { countSamples, rawSamples } from '../helpers/raw-history.ts';

const OUTAGE_MS = 60_000;

describe('history in InfluxDB', () => {
  const sites = writeTestSites();
  const storageDir = mkdtempSync(join(tmpdir(), 'hallwatch-storage-'));
  let influx: Influxd;
  let broker: Mosquitto;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  /** When the simulator was stopped (the outage test): the memory window's last samples are from then. */
  let simStoppedMs: number | undefined;
  let pub: MqttClient;
  const q = async (sql: string) => (await influx.query(sql)).results?.[0]?.series ?? [];
  const serverArgs = () => [
    '--site', sites.server, '--mqtt', broker.url, '--influx', influx.url, '--storage-dir', storageDir,
    '--history-window-s', '60', '--gpu-window-s', '10',
  ];
  const metric = async (series: string) => {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    return Number(text.split('\n').find((l) => l.startsWith(series + ' '))?.split(' ')[1] ?? Number.NaN);
  };

  beforeAll(async () => {
    influx = await startInfluxd();
    broker = await startMosquitto();
    server = await startServer(serverArgs());
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', broker.url, '--seed', '5']);
    pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  });

  afterAll(async () => {
    await pub?.endAsync();
    await sim?.stop();
    await server?.stop();
    await broker?.stop();
    await influx?.stop();
  });

  it('stores a published rack sample exactly, at its source time, with its derived values', async () => {
    const ts = Date.now();
    const sample = { ts, rackKw: 135, supplyC: 40, returnC: 50.5, flowLpm: 180, dpKpa: 101, valvePct: 66 };
    await pub.publishAsync('hallwatch/v1/hall-1/rack/probe-1/telemetry', JSON.stringify(sample));
    // Raw samples reach InfluxDB in 10 s blocks per rack, once the block's window has ended.
    const series = await waitFor('probe-1 in raw.rack_block', async () => {
      const s = await q(`SELECT * FROM "raw"."rack_block" WHERE "rack" = 'probe-1'`);
      return s.length ? s[0] : notYet(s);
    }, 30_000);
    const row = Object.fromEntries(series.columns.map((c: string, k: number) => [c, series.values[0][k]]));
    // A lone sample may lack others a second server has: unless it is its window's last second, its
    // block is stored apart, just before its time (blockKeyShiftMs; where it falls in its window is
    // chance, the rule's cases are in raw-block.test.ts). Its time is exact either way.
    expect(row.time + Number(row.ts_ms)).toBe(ts);
    expect(ts - row.time).toBeGreaterThanOrEqual(0);
    expect(ts - row.time).toBeLessThan(1000);
    expect(row).toMatchObject({
      hall: 'hall-1', row: 'h1-probe', rack: 'probe-1',
      rack_kw: '135', supply_c: '40', return_c: '50.5', flow_lpm: '180', dp_kpa: '101', valve_pct: '66', leak: '0',
    });
    expect(Number(row.heat_kw)).toBeCloseTo(heatKw('water', 180, 40, 50.5), 3);
    expect(Number(row.delta_t_k)).toBeCloseTo(10.5, 9);
    const decoded = (await rawSamples(influx.query, 'rack', ['rack_kw', 'heat_kw'], 'rack', `"rack" = 'probe-1'`)).get('probe-1')!;
    expect(decoded.tsMs).toEqual([ts]);
    expect(decoded.cols[0]).toEqual([135]);
  });

  it('stores CDU samples, per-GPU 10 s power and row, hall and site totals', async () => {
    await waitFor('every measurement', async () => {
      const seenNow = { measurements: await q('SHOW MEASUREMENTS'), gpu: await q(`SELECT count("mean_w") FROM "raw"."gpu" WHERE "rack" = 'h1-r01-k01'`) };
      return (seenNow.measurements.length > 0 && seenNow.gpu.length > 0) || notYet(seenNow);
    }, 30_000);
    // The unit's first block may close after one sample (block windows are shifted per entity), and
    // its load is derived with its group's within a second of the first samples: wait for both.
    const cdu = await waitFor('two CDU samples in blocks, the last with its load', async () => {
      const c = (await rawSamples(influx.query, 'cdu', ['load_kw', 'capacity_kw'], 'cdu', `"cdu" = 'h1-r01-cdu-a'`)).get('h1-r01-cdu-a');
      return c && c.tsMs.length > 1 && (c.cols[0].at(-1) ?? 0) > 0 ? c : notYet(c && { samples: c.tsMs.length, lastLoadKw: c.cols[0].at(-1) });
    }, 30_000);
    expect(cdu.tsMs.length).toBeGreaterThan(1);
    expect(cdu.cols[0].at(-1)).toBeGreaterThan(0);
    expect(cdu.cols[1].at(-1)).toBe(400);
    const gpu = await q(`SELECT * FROM "raw"."gpu" WHERE "rack" = 'h1-r01-k01' ORDER BY time DESC LIMIT 1`);
    const g = Object.fromEntries(gpu[0].columns.map((c: string, k: number) => [c, gpu[0].values[0][k]]));
    expect(g.time % 10_000).toBe(0); // rack 0's GPU windows are not shifted: whole 10 s
    const means = String(g.mean_w).split(',').map(Number);
    const maxes = String(g.max_w).split(',').map(Number);
    expect(means).toHaveLength(72);
    expect(maxes).toHaveLength(72);
    means.forEach((m, k) => expect(maxes[k]).toBeGreaterThanOrEqual(m));
    expect(means[71]).toBeGreaterThan(100);
    // Every scope with a rack heard gets totals. The probe row's only rack heard is probe-1 (one
    // sample, above): its totals start once the start-up grace ends (a row never heard gets none:
    // recorder-totals.test.ts), so it may or may not be there yet.
    const simulated = ['hall:hall-1', 'row:h1-r01', 'row:h1-r02', 'site:site'];
    const ids = await waitFor('totals blocks of the hall, its simulated rows and the site', async () => {
      const scopes = await q(`SELECT count("ts_ms") FROM "raw"."totals_block" GROUP BY "scope", "id"`);
      const got: string[] = scopes.map((s: any) => `${s.tags.scope}:${s.tags.id}`).sort();
      return simulated.every((id) => got.includes(id)) ? got : notYet(got);
    }, 30_000);
    expect(ids.filter((id) => !simulated.includes(id))).toEqual(ids.includes('row:h1-probe') ? ['row:h1-probe'] : []);
    const site = (await rawSamples(influx.query, 'totals', ['it_kw'], 'scope', `"scope" = 'site'`)).get('site')!;
    expect(site.cols[0].at(-1)).toBeGreaterThan(100);
  });

  it('writes 1 min rollups that match mean, min and max computed here', async () => {
    const minuteMs = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const values = Array.from({ length: 60 }, (_, s) => 40 + ((s * 37) % 23) / 2);
    for (let s = 0; s < 60; s++) {
      const sample = { ts: minuteMs + s * 1000, rackKw: 100 + s, supplyC: 38, returnC: values[s], flowLpm: 170 };
      pub.publish('hallwatch/v1/hall-1/rack/probe-2/telemetry', JSON.stringify(sample));
    }
    const series = await waitFor('probe-2 1 min rollup', async () => {
      const s = await q(`SELECT * FROM "m1"."rack_1m" WHERE "rack" = 'probe-2'`);
      return s.length ? s[0] : notYet(s);
    }, 20_000);
    const row = Object.fromEntries(series.columns.map((c: string, k: number) => [c, series.values[0][k]]));
    expect(row.time).toBe(minuteMs);
    expect(row.return_c_mean).toBeCloseTo(values.reduce((a, b) => a + b) / 60, 6);
    expect(row.return_c_min).toBe(Math.min(...values));
    expect(row.return_c_max).toBe(Math.max(...values));
    expect(row.rack_kw_mean).toBeCloseTo(129.5, 6);
    expect(row.samples).toBe(60);
    const raw = (await rawSamples(influx.query, 'rack', ['return_c'], 'rack', `"rack" = 'probe-2'`)).get('probe-2')!;
    expect(raw.tsMs).toEqual(values.map((_, s) => minuteMs + s * 1000));
    expect(raw.cols[0]).toEqual(values);
  });

  it(`loses nothing through a ${OUTAGE_MS / 1000} s InfluxDB outage under load: every accepted sample stored exactly once`, { timeout: 240_000 }, async () => {
    // Under load: history is being written when InfluxDB goes away.
    const writtenBefore = await metric('hallwatch_storage_lines_written_total');
    await waitFor('more history written', async () => seen((await metric('hallwatch_storage_lines_written_total')) - writtenBefore, (n) => n > 8), 30_000, 250);
    await influx.kill();
    const health = await waitFor('storage degraded', async () => {
      const res = await fetch(`${server.baseUrl}/healthz`);
      const body = await res.json();
      return res.status === 503 && /degraded/.test(body.checks.storage) ? body : notYet({ status: res.status, body });
    }, 15_000);
    expect(health.checks.mqtt).toBe('connected');
    await sleep(OUTAGE_MS);
    // 8 racks in 10 s raw blocks: at least 5 blocks each over the outage, besides CDUs and totals.
    expect(await metric('hallwatch_storage_lines_buffered')).toBeGreaterThan(8 * 5);
    await influx.start();
    await waitFor('storage ok again', async () => seen((await fetch(`${server.baseUrl}/healthz`)).status, (v) => v === 200), 60_000, 250);
    await sim.stop();
    simStoppedMs = Date.now();
    // Each simulated rack's `offline` goodbye follows its last sample on its connection: once all are in, so are the samples.
    await waitFor('every simulated rack offline', async () =>
      seen((await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksOffline, (n) => n === 8), 15_000, 250);
    await waitFor('blocks written and buffer drained', async () => {
      const left = {
        blockSamples: await metric('hallwatch_storage_block_samples{kind="rack"}'),
        linesBuffered: await metric('hallwatch_storage_lines_buffered'),
      };
      return (left.blockSamples === 0 && left.linesBuffered === 0) || notYet(left);
    }, 60_000, 250);
    const accepted = await metric('hallwatch_messages_accepted_total{kind="rack"}');
    const samples = await rawSamples(influx.query, 'rack', ['rack_kw'], 'rack');
    // Exactly once: no rack has two samples at one time.
    for (const s of samples.values()) expect(new Set(s.tsMs).size).toBe(s.tsMs.length);
    expect(countSamples(samples)).toBe(accepted);
    expect([...samples.keys()].filter((id) => !id.startsWith('probe'))).toHaveLength(8);
    expect(await metric('hallwatch_storage_lines_dropped_total{reason="buffer_full"}')).toBe(0);
    expect(await metric('hallwatch_storage_lines_dead_lettered_total')).toBe(0);
    expect(await metric('hallwatch_storage_write_retries_total')).toBeGreaterThan(0);
  });

  it('serves recent history from memory and older history from InfluxDB, with the same values', async () => {
    // Memory keeps a rack's last 60 samples, the last of them taken when the simulator stopped: the
    // ranges are against that, however long the block flush before took.
    const now = simStoppedMs ?? Date.now();
    // A range starting 90 s before must come from InfluxDB's raw tier.
    const from = Math.floor((now - 90_000) / 10_000) * 10_000;
    const old = await getJson(`${server.baseUrl}/api/history?entity=rack:h1-r01-k01&fields=returnC,heatKw&from=${from}&to=${from + 60_000}&step=10s`);
    expect(old).toMatchObject({ source: 'influx', tier: 'raw', stepMs: 10_000, fields: [{ name: 'returnC', unit: '°C' }, { name: 'heatKw', unit: 'kW' }] });
    expect(old.tsMs.length).toBeGreaterThan(0);
    const recentFrom = Math.ceil((now - 40_000) / 10_000) * 10_000;
    const history = `${server.baseUrl}/api/history?entity=rack:h1-r01-k01&fields=returnC,heatKw`;
    const recent = await getJson(`${history}&from=${recentFrom}&to=${recentFrom + 20_000}&step=10s`);
    expect(recent.source).toBe('memory');
    const fromDb = await getJson(`${history}&from=${recentFrom - 60_000}&to=${recentFrom + 20_000}&step=10s`);
    expect(fromDb.source).toBe('influx');
    expect(recent.tsMs.length).toBeGreaterThan(0);
    for (const [k, t] of recent.tsMs.entries()) {
      const j = fromDb.tsMs.indexOf(t);
      expect(j).toBeGreaterThanOrEqual(0);
      expect(recent.values.returnC[k]).toBeCloseTo(fromDb.values.returnC[j], 3);
    }
    const hall = await getJson(`${server.baseUrl}/api/history?entity=hall:hall-1&fields=itKw&from=now-3m`);
    expect(hall.source).toBe('influx');
    expect(hall.values.itKw.some((v: number | null) => v !== null && v > 100)).toBe(true);
    // Per-row figures over a range older than memory: from the minute rollups, every rack of the row counted.
    const rows = await getJson(`${server.baseUrl}/api/history/rows?hall=hall-1&from=now-3m`);
    expect(rows).toMatchObject({ source: 'influx', stepMs: 60_000 });
    expect(rows.rows[0].racksReporting).toBeGreaterThan(0);
    expect(rows.rows[0].returnC.p95).toBeGreaterThan(20);
    expect(rows.rows[0].hottestRackId).toMatch(/^h1-/);
    const gpu = await getJson(`${server.baseUrl}/api/history/gpu?rack=h1-r01-k01&from=${now - 150_000}&to=${now}`);
    expect(gpu.source).toBe('influx');
    expect(gpu.gpuW).toHaveLength(72);
    expect(gpu.tsMs.length).toBeGreaterThan(3);
    expect(gpu.gpuW[71]).toHaveLength(gpu.tsMs.length);
    expect(gpu.gpuW[71].every((w: number | null) => w !== null && w > 100)).toBe(true);
    const bad = await fetch(`${server.baseUrl}/api/history?entity=rack:h1-r01-k01&fields=colour`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/^fields:/);
  });

  it('reads raw points written before blocks (one numeric field per value) alongside blocks', async () => {
    // Half an hour ago, in the raw tier's retention: a rack point and a GPU point as written before.
    const t = Math.floor((Date.now() - 1_800_000) / 10_000) * 10_000;
    const gpuField = (g: number) => `g${String(g).padStart(2, '0')}_mean_w=${500 + g},g${String(g).padStart(2, '0')}_max_w=${600 + g}`;
    const gpuFields = Array.from({ length: 72 }, (_, g) => gpuField(g)).join(',');
    const body = [
      `rack,hall=hall-1,rack=h1-r01-k01,row=h1-r01 rack_kw=111,return_c=44 ${t}`,
      `rack,hall=hall-1,rack=h1-r01-k01,row=h1-r01 rack_kw=113,return_c=46 ${t + 1000}`,
      `gpu,hall=hall-1,rack=h1-r01-k01,row=h1-r01 ${gpuFields} ${t}`,
    ].join('\n');
    expect((await fetch(`${influx.url}/write?db=hallwatch&rp=raw&precision=ms`, { method: 'POST', body })).status).toBe(204);
    const old = await getJson(`${server.baseUrl}/api/history?entity=rack:h1-r01-k01&fields=rackKw,returnC&from=${t - 60_000}&to=${t + 60_000}&step=10s`);
    expect(old).toMatchObject({ source: 'influx', tier: 'raw', tsMs: [t], values: { rackKw: [112], returnC: [45] } });
    const gpu = await getJson(`${server.baseUrl}/api/history/gpu?rack=h1-r01-k01&from=${t - 60_000}&to=${t + 60_000}`);
    expect(gpu.tsMs).toEqual([t]);
    expect(gpu.gpuW[0]).toEqual([500]);
    expect(gpu.gpuW[71]).toEqual([571]);
  });
});
