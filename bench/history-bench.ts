/**
 * `npm run bench:history`: history queries against Debian's InfluxDB with 7 days of the demo
 * site (416 racks) stored in the 1 min and 1 h tiers, plus the last hour at 1 s (in 10 s raw
 * blocks, as the server writes it). Times
 * `GET /api/history` on the real server for one rack over 24 h and 7 days (all 10 fields,
 * and 2 fields), served from InfluxDB (the memory window is set to 60 s).
 * Options: --days D (7) --runs N (20).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSite } from '../protocol/site.ts';
import { formatPoint } from '../server/history/line-protocol.ts';
import { BlockFormat, OpenBlock } from '../server/history/raw-block.ts';
import { MEASUREMENT, RACK_FIELDS, ROLLUP_STATS, blockMeasurement, tierMeasurement, type Tier } from '../server/history/schema.ts';
import { RACK_HISTORY } from '../protocol/history.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { startServer } from '../test/helpers/programs.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DAYS = arg('days', 7);
const RUNS = arg('runs', 20);

const site = parseSite(JSON.parse(readFileSync('sites/demo.json', 'utf8')));
if (!site.ok) throw new Error(site.message);
const racks = site.value.halls.flatMap((h) => h.rows.flatMap((r) => r.racks.map((k) => ({ hall: h.id, row: r.id, rack: k.id }))));

function values(k: number, t: number): number[] {
  const load = 0.6 + 0.3 * Math.sin(t / 3_600_000 + k);
  return [135 * load, 40, 40 + 9 * load, 182, 9 * load, 121 * load, 60 * (1 - load), 60 - 50 * load, 132 - 135 * load, 10];
}

async function post(url: string, db: string, rp: Tier, lines: string[]): Promise<void> {
  const res = await fetch(`${url}/write?db=${db}&rp=${rp}&precision=ms`, { method: 'POST', body: lines.join('\n') });
  if (res.status !== 204) throw new Error(`write ${res.status}: ${await res.text()}`);
}

async function main(): Promise<void> {
  const influx = await startInfluxd();
  const storage = mkdtempSync(join(tmpdir(), 'hallwatch-hbench-'));
  // Start the server once so it creates the database and retention policies.
  const serverArgs = ['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--influx', influx.url, '--storage-dir', storage, '--history-window-s', '60'];
  let server = await startServer(serverArgs);
  await new Promise((r) => setTimeout(r, 2000));
  await server.stop();
  const now = Date.now();
  const start = Math.floor((now - DAYS * 86_400_000) / 3_600_000) * 3_600_000;
  const t0 = Date.now();
  let points = 0;
  const rollupLine = (tier: Tier, r: (typeof racks)[number], k: number, t: number) => {
    const v = values(k, t);
    const fields: Record<string, number> = {};
    RACK_HISTORY.forEach((f, n) => {
      const name = RACK_FIELDS[f];
      fields[`${name}_${ROLLUP_STATS[0]}`] = v[n];
      fields[`${name}_${ROLLUP_STATS[1]}`] = v[n] * 0.98;
      fields[`${name}_${ROLLUP_STATS[2]}`] = v[n] * 1.02;
    });
    return formatPoint(tierMeasurement(MEASUREMENT.rack, tier), r, fields, t)!;
  };
  let batch: string[] = [];
  const flush = async (rp: Tier) => {
    if (batch.length) await post(influx.url, 'hallwatch', rp, batch);
    points += batch.length;
    batch = [];
  };
  for (let t = start; t < now; t += 60_000) {
    racks.forEach((r, k) => batch.push(rollupLine('m1', r, k, t)));
    if (batch.length >= 5000) await flush('m1');
  }
  await flush('m1');
  for (let t = start; t < now; t += 3_600_000) {
    racks.forEach((r, k) => batch.push(rollupLine('h1', r, k, t)));
    if (batch.length >= 5000) await flush('h1');
  }
  await flush('h1');
  // The last hour at 1 s, in 10 s raw blocks per rack, as the server writes it.
  const keys = RACK_HISTORY.map((f) => RACK_FIELDS[f]);
  const formats = racks.map((r) => new BlockFormat(blockMeasurement(MEASUREMENT.rack), r, keys));
  const block = new OpenBlock(10, keys.length);
  for (let t0s = now - 3_600_000; t0s < now; t0s += 10_000) {
    racks.forEach((r, k) => {
      block.clear();
      for (let t = t0s; t < t0s + 10_000 && t < now; t += 1000) block.add(t, values(k, t), 0);
      batch.push(formats[k].line(block)!);
    });
    if (batch.length >= 5000) await flush('raw');
  }
  await flush('raw');
  const loadS = (Date.now() - t0) / 1000;
  const stored = `${DAYS} d of 1 min and 1 h rollups for ${racks.length} racks, 1 h at 1 s in 10 s blocks`;
  console.log(`stored ${points.toLocaleString()} points (${stored}) in ${loadS.toFixed(0)} s`);

  server = await startServer(serverArgs);
  const cases = [
    { name: '24 h, one rack, 10 fields', q: 'entity=rack:h1-r07-k09&from=now-24h' },
    { name: '24 h, one rack, 2 fields', q: 'entity=rack:h1-r07-k09&fields=returnC,heatKw&from=now-24h' },
    { name: `${DAYS} d, one rack, 10 fields`, q: `entity=rack:h1-r07-k09&from=now-${DAYS}d` },
    { name: `${DAYS} d, one rack, 2 fields`, q: `entity=rack:h1-r07-k09&fields=returnC,heatKw&from=now-${DAYS}d` },
    { name: '1 h, one rack, 10 fields (1 s tier)', q: 'entity=rack:h1-r07-k09&from=now-1h' },
  ];
  for (const c of cases) {
    const times: number[] = [];
    let last: any;
    for (let n = 0; n < RUNS + 2; n++) {
      const t = performance.now();
      last = await (await fetch(`${server.baseUrl}/api/history?${c.q}`)).json();
      if (n >= 2) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const answer = `${last.tsMs.length} points, ${last.stepMs / 1000} s steps, ${last.source}/${last.tier}`;
    console.log(`${c.name.padEnd(36)} p50 ${times[Math.floor(times.length / 2)].toFixed(1)} ms  max ${times[times.length - 1].toFixed(1)} ms  (${answer})`);
  }
  await server.stop();
  await influx.stop();
}

await main();
