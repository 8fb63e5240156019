/**
 * The raw tier as one numeric point per sample (`--history-raw-format points`) against a real
 * InfluxDB 1.6 and Mosquitto: the real server and simulator, the history API's raw answer per
 * sample, the plain InfluxQL a Grafana panel runs, blocks written before a switch still read,
 * and where stored history ends (resume) read from points. The blocks format's API answers are
 * history-influx.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { heatKw } from '../../protocol/coolant.ts';
import { readFloors } from '../../server/history/resume.ts';
import { startInfluxd, type Influxd } from '../helpers/influxd.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';

describe('history in InfluxDB as one point per sample', () => {
  const sites = writeTestSites();
  const storageDir = mkdtempSync(join(tmpdir(), 'hallwatch-storage-'));
  let influx: Influxd;
  let broker: Mosquitto;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let pub: MqttClient;
  const q = async (sql: string) => (await influx.query(sql)).results?.[0]?.series ?? [];

  beforeAll(async () => {
    influx = await startInfluxd();
    broker = await startMosquitto();
    server = await startServer([
      '--site', sites.server, '--mqtt', broker.url, '--influx', influx.url, '--storage-dir', storageDir,
      '--history-window-s', '60', '--history-raw-format', 'points',
    ]);
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', broker.url, '--seed', '7']);
    pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  });

  afterAll(async () => {
    await pub?.endAsync();
    await sim?.stop();
    await server?.stop();
    await broker?.stop();
    await influx?.stop();
  });

  it('answers the raw history API with each published sample, read from InfluxDB', async () => {
    const baseMs = Math.floor(Date.now() / 1000) * 1000 - 8_000;
    const published = Array.from({ length: 5 }, (_, k) => ({
      ts: baseMs + k * 1000, rackKw: 120 + k * 2.5, supplyC: 40, returnC: 50.125 + k, flowLpm: 180, dpKpa: 101, valvePct: 66,
    }));
    for (const s of published) await pub.publishAsync('hallwatch/v1/hall-1/rack/probe-1/telemetry', JSON.stringify(s));
    // From before the memory window's first sample of the rack: the API reads InfluxDB.
    const url = `${server.baseUrl}/api/history?entity=rack:probe-1&fields=rackKw,returnC,flowLpm,heatKw&from=${baseMs - 1000}&to=${baseMs + 5000}&step=1s`;
    const got = await waitFor('five raw samples of probe-1 from InfluxDB', async () => {
      const r = await getJson(url);
      return r.source === 'influx' && r.tsMs.length === 5 ? r : notYet({ source: r.source, tsMs: r.tsMs });
    }, 20_000, 250);
    expect(got).toMatchObject({ tier: 'raw', stepMs: 1000 });
    expect(got.tsMs).toEqual(published.map((s) => s.ts));
    expect(got.values.rackKw).toEqual(published.map((s) => s.rackKw));
    expect(got.values.returnC).toEqual(published.map((s) => s.returnC));
    expect(got.values.flowLpm).toEqual([180, 180, 180, 180, 180]);
    got.values.heatKw.forEach((v: number, k: number) => expect(v).toBeCloseTo(heatKw('water', 180, 40, published[k].returnC), 2));
    // Stored as plain numeric points in `rack`, no block.
    const rows = await q(`SELECT "rack_kw", "return_c", "leak" FROM "raw"."rack" WHERE "rack" = 'probe-1'`);
    expect(rows[0].values).toEqual(published.map((s) => [s.ts, s.rackKw, s.returnC, 0]));
    const measurements = (await q('SHOW MEASUREMENTS')).flatMap((s: any) => s.values.map((v: string[]) => v[0]));
    expect(measurements.filter((m: string) => m.endsWith('_block'))).toEqual([]);
  });

  it('answers the InfluxQL a Grafana panel runs on racks, CDUs and totals', async () => {
    const panel = async (sql: string) => {
      const s = await q(sql);
      const numbers = (s[0]?.values ?? []).map((v: unknown[]) => v[1]).filter((v: unknown) => typeof v === 'number');
      return numbers.length >= 2 ? numbers : notYet(s);
    };
    const rackKw = await waitFor('mean(rack_kw) per 10 s of a simulated rack', () =>
      panel(`SELECT mean("rack_kw") FROM "raw"."rack" WHERE "rack" = 'h1-r01-k01' AND time > now() - 5m GROUP BY time(10s) fill(none)`), 40_000, 500);
    rackKw.forEach((v: number) => expect(v).toBeGreaterThan(10));
    const loadKw = await waitFor('mean(load_kw) of a CDU', () =>
      panel(`SELECT mean("load_kw") FROM "raw"."cdu" WHERE "cdu" = 'h1-r01-cdu-a' AND time > now() - 5m GROUP BY time(10s) fill(none)`), 40_000, 500);
    expect(Math.max(...loadKw)).toBeGreaterThan(0);
    const itKw = await waitFor('mean(it_kw) of the site', () =>
      panel(`SELECT mean("it_kw") FROM "raw"."totals" WHERE "scope" = 'site' AND time > now() - 5m GROUP BY time(10s) fill(none)`), 40_000, 500);
    expect(Math.max(...itKw)).toBeGreaterThan(100);
  });

  it('reads blocks written before the switch to points alongside the points', async () => {
    // Half an hour ago, in the raw tier's retention: a block of two samples as the blocks format wrote it.
    const t = Math.floor((Date.now() - 1_800_000) / 10_000) * 10_000;
    const body = `rack_block,hall=hall-1,rack=h1-r01-k01,row=h1-r01 ts_ms="0,1000",rack_kw="111,113",return_c="44,46" ${t}`;
    expect((await fetch(`${influx.url}/write?db=hallwatch&rp=raw&precision=ms`, { method: 'POST', body })).status).toBe(204);
    const old = await getJson(`${server.baseUrl}/api/history?entity=rack:h1-r01-k01&fields=rackKw,returnC&from=${t - 60_000}&to=${t + 60_000}&step=10s`);
    expect(old).toMatchObject({ source: 'influx', tier: 'raw', tsMs: [t], values: { rackKw: [112], returnC: [45] } });
    // Now: steps from points, as many as the rack has 10 s steps with samples.
    const nowMs = Date.now();
    const recent = await getJson(`${server.baseUrl}/api/history?entity=rack:h1-r01-k01&fields=rackKw&from=${nowMs - 120_000}&to=${nowMs}&step=10s`);
    expect(recent.source).toBe('influx');
    expect(recent.tsMs.length).toBeGreaterThan(1);
    expect(recent.values.rackKw.every((v: number | null) => v !== null && v > 10)).toBe(true);
    // Totals too: the hall's, from its points.
    const hall = await getJson(`${server.baseUrl}/api/history?entity=hall:hall-1&fields=itKw&from=${nowMs - 120_000}&to=${nowMs}&step=10s`);
    expect(hall).toMatchObject({ source: 'influx', tier: 'raw' });
    expect(hall.values.itKw.some((v: number | null) => v !== null && v > 100)).toBe(true);
  });

  it('finds where each rack\'s stored raw history ends from its newest point (resume)', async () => {
    const ids = ['probe-1', 'h1-r01-k01'];
    const target = { measurement: 'rack', idTag: 'rack', fields: ['rack_kw'], keyOf: (id: string) => (ids.includes(id) ? ids.indexOf(id) : undefined), rawFormat: 'points' as const };
    const floors = await readFloors(influx.query, target, Date.now());
    const newest = await q(`SELECT "rack_kw" FROM "raw"."rack" WHERE "rack" = 'probe-1' ORDER BY time DESC LIMIT 1`);
    expect(floors.get(0)?.rawThroughMs).toBe(newest[0].values[0][0]);
    expect(floors.get(1)?.rawThroughMs).toBeGreaterThan(Date.now() - 60_000);
  });
});
