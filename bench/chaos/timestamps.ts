/**
 * Bad timestamps and redelivery: samples a year ahead, from 1970, in seconds, in ms × 1,000 and
 * with 5 s of backwards jitter, mixed into valid traffic; then every message 3× with some
 * copies up to 10 s late. Real Mosquitto, InfluxDB and server; history queried from InfluxDB.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { RACK_COL, type ServerMessage } from '../../protocol/stream.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { countSamples, rawSamples } from '../../test/helpers/raw-history.ts';
import { connectClient, fmt, historyDrained, metric, rackSample, rejectedBy, startStack } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

const site = buildSiteIndex(JSON.parse(readFileSync('sites/demo.json', 'utf8')));
const hall2 = site.racks.filter((r) => r.hallId === 'hall-2').map((r) => r.id);
const topic = (id: string) => `hallwatch/v1/hall-2/rack/${id}/telemetry`;

async function storedCount(q: (sql: string) => Promise<any>, racks: string[]): Promise<number> {
  return countSamples(await rawSamples(q, 'rack', ['rack_kw'], 'rack', `(${racks.map((id) => `"rack" = '${id}'`).join(' OR ')})`));
}

export const badTimestamps: Scenario = {
  name: 'bad timestamps',
  short: true,
  async run(scale, log) {
    const rounds = scale === 'short' ? 20 : 200;
    const stack = await startStack({ influx: true });
    const rows: ChaosRow[] = [];
    try {
      const pub = await connectClient(stack.mosquitto.url);
      const valid = hall2.slice(0, 16);
      const jittered = hall2.slice(16, 20);
      const victim = hall2[20];
      const base = Date.now();
      const jitterTs = new Map<string, Set<number>>(jittered.map((id) => [id, new Set()]));
      const bad = [
        ['a year ahead', (ts: number) => ts + 365 * 86_400_000],
        ['1970', () => 1_000],
        ['seconds, not ms', (ts: number) => Math.floor(ts / 1000)],
        ['ms × 1,000', (ts: number) => ts * 1000],
      ] as const;
      for (let r = 0; r < rounds; r++) {
        const ts = base + r * 1000;
        for (const id of valid) await pub.publishAsync(topic(id), JSON.stringify(rackSample(ts, 80 + r % 40)), { qos: 1 });
        for (const [, f] of bad) await pub.publishAsync(topic(victim), JSON.stringify(rackSample(f(ts))), { qos: 1 });
        for (const id of jittered) {
          const jts = ts - Math.floor(Math.random() * 5000);
          jitterTs.get(id)!.add(jts);
          await pub.publishAsync(topic(id), JSON.stringify(rackSample(jts)), { qos: 1 });
        }
      }
      await pub.endAsync();
      const sent = rounds * (valid.length + bad.length + jittered.length);
      const url = stack.server.baseUrl;
      await historyDrained(url);
      await sleep(500);
      const rejected = await rejectedBy(url);
      const q = (sql: string) => stack.influx!.query(sql);
      const storedValid = await storedCount(q, valid);
      const storedVictim = await storedCount(q, [victim]);
      const uniqueJitter = [...jitterTs.values()].reduce((a, s) => a + s.size, 0);
      const storedJitter = await storedCount(q, jittered);
      const dead = await metric(url, 'hallwatch_storage_lines_dead_lettered_total');
      const late = await metric(url, 'hallwatch_messages_late_total');
      log(
        `sent ${sent}; rejected ${JSON.stringify(rejected)}; late ${late}; stored valid ${storedValid}, victim ` +
          `${storedVictim}, jitter ${storedJitter}/${uniqueJitter}; dead letters ${dead}`,
      );
      const skew = rejected.clock_skew ?? 0;
      const range = rejected.out_of_range ?? 0;
      rows.push(row(
        'bad timestamps',
        `${fmt(rounds * 3)} samples a year ahead, from 1970, in seconds`,
        'rejected as clock_skew, none stored',
        `${fmt(skew)} clock_skew, ${storedVictim} stored`,
        skew === rounds * 3 && storedVictim === 0,
      ));
      rows.push(row(
        'bad timestamps',
        `${fmt(rounds)} samples with ts in ms × 1,000`,
        'rejected as out_of_range',
        `${fmt(range)} out_of_range`,
        range === rounds,
      ));
      rows.push(row(
        'bad timestamps',
        `${fmt(rounds * valid.length)} valid samples interleaved with the bad ones`,
        'every one stored, 0 dead letters (no batch poisoned)',
        `${fmt(storedValid)} stored, ${dead} dead letters`,
        storedValid === rounds * valid.length && dead === 0,
      ));
      rows.push(row(
        'bad timestamps',
        `${fmt(rounds * jittered.length)} samples with 0–5 s backwards jitter (${fmt(uniqueJitter)} distinct ts)`,
        'late ones kept in history, repeats rejected as duplicate: stored = distinct',
        `${fmt(storedJitter)} stored, ${fmt(late)} late, ${fmt(rejected.duplicate ?? 0)} duplicate`,
        storedJitter === uniqueJitter && (rejected.duplicate ?? 0) === rounds * jittered.length - uniqueJitter,
      ));
    } finally {
      await stack.stop();
    }
    return rows;
  },
};

/** Every message 3×, each copy with a 10 % chance of arriving 1–10 s late; a WebSocket client watches. */
export const duplicatesReordering: Scenario = {
  name: 'duplicates and reordering',
  short: true,
  async run(scale, log) {
    const seconds = scale === 'short' ? 8 : 60;
    const racks = hall2.slice(0, 50);
    const stack = await startStack({ influx: true });
    const rows: ChaosRow[] = [];
    try {
      const pub = await connectClient(stack.mosquitto.url);
      const tsCol = RACK_COL.tsMs;
      const watched = new Set(racks.map((id) => site.rackIndexById.get(id)!));
      const lastSeen = new Map<number, number>();
      let backwards = 0;
      const ws = new WebSocket(`ws://127.0.0.1:${stack.server.port}/ws`);
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as ServerMessage;
        if (m.type !== 'delta' && m.type !== 'snapshot') return;
        m.racks.idx.forEach((rack, k) => {
          const ts = m.racks.cols[tsCol][k] as number | null;
          if (!watched.has(rack) || ts === null) return;
          if (ts < (lastSeen.get(rack) ?? 0)) backwards++;
          lastSeen.set(rack, Math.max(ts, lastSeen.get(rack) ?? 0));
        });
      });
      await new Promise((r) => ws.once('open', r));
      const newest = new Map<string, { ts: number; kw: number }>();
      let copies = 0;
      let lateCopies = 0;
      const pending: Promise<void>[] = [];
      for (let s = 0; s < seconds; s++) {
        const ts = Date.now();
        for (const id of racks) {
          const kw = 60 + Math.round(Math.random() * 100);
          newest.set(id, { ts, kw });
          const payload = JSON.stringify(rackSample(ts, kw));
          for (let c = 0; c < 3; c++) {
            copies++;
            if (Math.random() < 0.1) {
              lateCopies++;
              pending.push(sleep(1000 + Math.random() * 9000).then(() => void pub.publish(topic(id), payload)));
            } else pub.publish(topic(id), payload);
          }
        }
        await sleep(1000);
      }
      // A last on-time sample per rack, then the late copies land.
      await Promise.all(pending);
      await sleep(1500);
      const url = stack.server.baseUrl;
      await historyDrained(url);
      const unique = seconds * racks.length;
      const stored = await storedCount((sql) => stack.influx!.query(sql), racks);
      const rejected = await rejectedBy(url);
      const hall = (await (await fetch(`${url}/api/halls/hall-2`)).json()) as { totals: { itKw: number }; racks: { id: string; rackKw: number }[] };
      const wrongLive = racks.filter((id) => hall.racks.find((r) => r.id === id)?.rackKw !== newest.get(id)!.kw).length;
      const expectedKw = [...newest.values()].reduce((a, v) => a + v.kw, 0);
      ws.terminate();
      await pub.endAsync();
      log(
        `${copies} copies (${lateCopies} late) of ${unique} samples; stored ${stored}; rejected ` +
          `${JSON.stringify(rejected)}; ${backwards} backwards; IT ${hall.totals.itKw} vs ${expectedKw}`,
      );
      rows.push(row(
        'duplicates and reordering',
        `${fmt(unique)} samples of ${racks.length} racks over ${seconds} s, each delivered 3×, ${fmt(lateCopies)} copies 1–10 s late`,
        'stored points = unique points',
        `${fmt(stored)} stored of ${fmt(unique)} unique (${fmt(rejected.duplicate ?? 0)} duplicates rejected)`,
        stored === unique,
      ));
      rows.push(row('duplicates and reordering', 'the same, watched on a WebSocket', 'live values never go back to an older sample; totals = newest samples',
        `${backwards} backward steps, ${wrongLive} racks not at their newest; hall IT ${fmt(hall.totals.itKw, 1)} kW vs ${fmt(expectedKw, 1)} kW`,
        backwards === 0 && wrongLive === 0 && Math.abs(hall.totals.itKw - expectedKw) < 0.5));
    } finally {
      await stack.stop();
    }
    return rows;
  },
};
