/**
 * `npm run bench:resume -- --racks 20000`: what reading back where the last run's history ends
 * costs a restart before its ingest starts (resume.ts). Debian's InfluxDB is filled as a site of
 * N racks leaves it after an hour — 60 minute points for every rack, CDU and total, a raw block
 * and a GPU window per rack — then the real Recorder reads it back, three times; each rack
 * statement is also timed on its own.
 */
import { buildSiteIndex } from '../server/site/site-index.ts';
import { LiveState } from '../server/state/live-state.ts';
import { MemoryWindow } from '../server/history/memory-window.ts';
import { Recorder } from '../server/history/recorder.ts';
import { PointFormat } from '../server/history/line-protocol.ts';
import { CDU_HISTORY, RACK_HISTORY, TOTALS_HISTORY } from '../protocol/history.ts';
import { storedName, type EntityKind } from '../server/history/history-fields.ts';
import { GPU_PACKED, MEASUREMENT, ROLLUP_SAMPLES, ROLLUP_STATS, TAG, blockMeasurement, tierMeasurement } from '../server/history/schema.ts';
import { floorStatements } from '../server/history/resume.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { benchSite } from './bench-site.ts';

const argv = process.argv.slice(2);
const RACKS = Number(argv[argv.indexOf('--racks') + 1] || 20_000);
const HOUR_MS = 3_600_000;

const { spec } = benchSite(RACKS);
const site = buildSiteIndex(spec);
const influx = await startInfluxd();
try {
  const setup = [
    'CREATE DATABASE hallwatch',
    'CREATE RETENTION POLICY "raw" ON hallwatch DURATION 7d REPLICATION 1 DEFAULT',
    'CREATE RETENTION POLICY "m1" ON hallwatch DURATION 30d REPLICATION 1',
    'CREATE RETENTION POLICY "h1" ON hallwatch DURATION 365d REPLICATION 1',
  ];
  for (const q of setup) {
    await fetch(`${influx.url}/query?${new URLSearchParams({ q })}`, { method: 'POST' });
  }
  // The previous hour, 59.5 minutes in (it must stay in retention).
  const hourMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
  const nowMs = hourMs + 59 * 60_000 + 30_000;
  type Entity = { kind: EntityKind; measurement: string; fields: readonly string[]; tags: Record<string, string> };
  /** A site, hall or row totals series: its scope tag is its kind. */
  const totals = (kind: 'site' | 'hall' | 'row', id: string): Entity =>
    ({ kind, measurement: MEASUREMENT.totals, fields: TOTALS_HISTORY, tags: { [TAG.scope]: kind, [TAG.id]: id } });
  const entities: Entity[] = [
    ...site.racks.map((r) => ({
      kind: 'rack' as const, measurement: MEASUREMENT.rack, fields: RACK_HISTORY,
      tags: { [TAG.hall]: r.hallId, [TAG.row]: r.rowId, [TAG.rack]: r.id },
    })),
    ...site.cdus.map((c) => ({
      kind: 'cdu' as const, measurement: MEASUREMENT.cdu, fields: CDU_HISTORY,
      tags: { [TAG.hall]: c.hallId, [TAG.row]: c.rowId, [TAG.cdu]: c.id },
    })),
    totals('site', 'site'),
    ...site.view.halls.map((h) => totals('hall', h.id)),
    ...site.rows.map((r) => totals('row', r.id)),
  ];
  let batch: string[] = [];
  let written = 0;
  const startedMs = Date.now();
  const flush = async () => {
    if (!batch.length) return;
    const rp = batch[0].startsWith('raw:') ? 'raw' : 'm1';
    const body = batch.map((l) => l.replace(/^(raw|m1):/, '')).join('\n');
    const res = await fetch(`${influx.url}/write?db=hallwatch&rp=${rp}&precision=ms`, { method: 'POST', body });
    if (res.status !== 204) throw new Error(`write: HTTP ${res.status} ${await res.text()}`);
    written += batch.length;
    batch = [];
  };
  const push = async (rp: 'raw' | 'm1', line: string | null) => {
    if (!line) return;
    if (batch.length && !batch[0].startsWith(`${rp}:`)) await flush();
    batch.push(`${rp}:${line}`);
    if (batch.length >= 5000) await flush();
  };
  const totalSeries = entities.length - site.racks.length - site.cdus.length;
  console.log(`${RACKS} racks, ${site.cdus.length} CDUs, ${totalSeries} totals: writing 60 minutes of each, a block and a GPU window per rack`);
  for (let m = 0; m <= 59; m++) {
    for (const e of entities) {
      const keys = [...e.fields.flatMap((f) => ROLLUP_STATS.map((s) => `${storedName(e.kind, f)}_${s}`)), ROLLUP_SAMPLES];
      const values = [...e.fields.flatMap((_, k) => [100 + k + m / 60, 90 + k, 110 + k + m]), m === 59 ? 30 : 60];
      await push('m1', new PointFormat(tierMeasurement(e.measurement, 'm1'), e.tags, keys).line(values, hourMs + m * 60_000));
    }
    if (m % 10 === 9) console.log(`  minute ${m + 1}: ${written.toLocaleString('en-US')} points written, ${((Date.now() - startedMs) / 1000).toFixed(0)} s`);
  }
  /** One 10 s block of a rack at a steady 120 kW. */
  const BLOCK_FIELDS = 'ts_ms="0,1000,2000,3000,4000,5000,6000,7000,8000,9000",rack_kw="120,120,120,120,120,120,120,120,120,120"';
  for (const r of site.racks) {
    const tags = `hall=${r.hallId},rack=${r.id},row=${r.rowId}`;
    await push('raw', `${blockMeasurement(MEASUREMENT.rack)},${tags} ${BLOCK_FIELDS} ${nowMs - 15_000}`);
    await push('raw', `${MEASUREMENT.gpu},${tags} ${GPU_PACKED.meanW}="1500",${GPU_PACKED.maxW}="1600" ${nowMs - 90_000}`);
  }
  await flush();
  console.log(`written: ${written.toLocaleString('en-US')} points in ${((Date.now() - startedMs) / 1000).toFixed(0)} s; resuming`);
  // Each statement on its own, for the racks: which part of the read costs what.
  const rackTarget = { measurement: MEASUREMENT.rack, idTag: TAG.rack, fields: RACK_HISTORY.map((f) => storedName('rack', f)), keyOf: () => 0 };
  for (const [k, q] of floorStatements(rackTarget, nowMs).entries()) {
    const t0 = performance.now();
    const answer = await influx.query(q);
    const answerMb = JSON.stringify(answer).length / 1e6;
    console.log(`  rack statement ${k + 1}: ${(performance.now() - t0).toFixed(0)} ms, ${answerMb.toFixed(1)} MB answer: ${q.slice(0, 90)}…`);
  }
  const query = (q: string) => influx.query(q);
  for (let run = 1; run <= 3; run++) {
    const recorder = new Recorder({ state: new LiveState(site, 3000), writer: null, memory: new MemoryWindow(60), clock: () => nowMs });
    const t0 = performance.now();
    const floors = await recorder.resume(query);
    const resumeMs = performance.now() - t0;
    const perKind = floors.map((r) => `${r.kind}: ${r.entities}`).join(', ');
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    console.log(`resume ${run}: ${resumeMs.toFixed(0)} ms before the ingest starts (${perKind} entities); bench RSS ${rssMb.toFixed(0)} MB`);
  }
} finally {
  await influx.stop();
}
