/**
 * `GET /api/history/hall` against a real InfluxDB: a minute older than the memory window comes
 * back from the minute rollups with every rack, every CDU's kept values and the hall totals, and
 * agrees with the single-entity history of the same minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type Influxd } from '../helpers/influxd.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';
import type { HallSnapshot } from '../../protocol/history.ts';
import type { SiteView } from '../../protocol/site-view.ts';

const MINUTE_MS = 60_000;

describe('hall replay minute from InfluxDB', () => {
  const sites = writeTestSites();
  let influx: Influxd;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let site: SiteView;
  let startMs: number;

  beforeAll(async () => {
    influx = await startInfluxd();
    // The smallest memory window (60 samples at 1 Hz): a minute ago is InfluxDB's.
    server = await startServer(['--site', sites.simulated, '--embedded-broker-port', '0', '--influx', influx.url, '--history-window-s', '60']);
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', server.mqttUrl, '--seed', '3']);
    site = await getJson(`${server.baseUrl}/api/site`);
    startMs = Date.now();
  });

  afterAll(async () => {
    await sim?.stop();
    await server?.stop();
    await influx?.stop();
  });

  it('brings racks, CDUs and totals of a minute past the memory window from the minute rollups', async () => {
    // The first whole minute the simulator published through.
    const atMs = Math.ceil(startMs / MINUTE_MS) * MINUTE_MS;
    const hallRacks = site.racks.filter((r) => r.hallId === 'hall-1');
    const hallCdus = site.cdus.filter((c) => c.hallId === 'hall-1');
    const url = `${server.baseUrl}/api/history/hall?hall=hall-1&field=returnC&at=${atMs + 12_345}`;
    const snap: HallSnapshot = await waitFor('the minute from InfluxDB, whole', async () => {
      const s: HallSnapshot = await getJson(url);
      const whole = s.source === 'influx' && Object.keys(s.racks).length === hallRacks.length
        && Object.keys(s.cdus).length === hallCdus.length && s.totals.itKw !== undefined;
      return whole ? s : notYet({ source: s.source, racks: Object.keys(s.racks).length, cdus: Object.keys(s.cdus).length, totals: s.totals });
    }, 200_000, 2000);
    expect(snap.atMs).toBe(atMs);
    const one = (entity: string, field: string) =>
      getJson(`${server.baseUrl}/api/history?entity=${entity}&fields=${field}&from=${atMs}&to=${atMs + MINUTE_MS}&step=60s`);
    const rack = await one(`rack:${hallRacks[0].id}`, 'returnC');
    expect(rack.source).toBe('influx');
    expect(snap.racks[hallRacks[0].id]).toBeCloseTo(rack.values.returnC[0], 3);
    const cdu = await one(`cdu:${hallCdus[0].id}`, 'headroomPct');
    expect(snap.cdus[hallCdus[0].id].headroomPct).toBeCloseTo(cdu.values.headroomPct[0], 3);
    expect(snap.cdus[hallCdus[0].id].capacityKw).toBeGreaterThan(0);
    const totals = await one('hall:hall-1', 'itKw');
    expect(snap.totals.itKw).toBeCloseTo(totals.values.itKw[0], 3);
    expect(snap.totals.itKw).toBeGreaterThan(100);
  }, 240_000);
});
