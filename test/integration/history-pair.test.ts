/**
 * Two servers of a pair writing one InfluxDB (a real influxd): each records the same samples of
 * the same site through its own live state, recorder and writer. Raw blocks are keyed by their
 * first sample's source time, so the second server's blocks land on the first one's points:
 * the same point count, every sample once. The standby writes no rollup or totals; a new
 * leader writing a window again overwrites it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';
import { InfluxWriter } from '../../server/history/influx-writer.ts';
import { InfluxClient } from '../../server/history/influx-client.ts';
import { Metrics } from '../../server/http/metrics.ts';
import { createLogger } from '../../server/logger.ts';
import { startInfluxd, type Influxd } from '../helpers/influxd.ts';
import { countSamples, rawSamples } from '../helpers/raw-history.ts';

const DB = 'hw_pair';
const SECONDS = 150;

describe('two servers writing the same history to one InfluxDB', () => {
  let influx: Influxd;
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 8, racksPerCdu: 4 }));
  // Whole minutes, ten minutes ago: inside the raw tier's retention, closed windows only.
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-pair-'));

  beforeAll(async () => {
    influx = await startInfluxd();
  });
  afterAll(async () => {
    await influx?.stop();
  });

  /** One server's run over the same SECONDS of samples, written and flushed; the lines InfluxDB accepted from it. */
  async function serverRun(
    name: string,
    writesRollups: () => boolean,
    db = DB,
    lost?: { fromS: number; toS: number },
    missed?: (s: number, rack: number) => boolean,
  ): Promise<number> {
    const state = new LiveState(site, 3000);
    const cfg = {
      url: influx.url, db, requestTimeoutMs: 5000, retention: { raw: '7d', m1: '90d', h1: '104w' }, flushIntervalMs: 50, maxRetryDelayMs: 1000,
      deadLetterPath: join(dir, `${name}-dead.log`), queue: { batchLines: 1000, maxMemoryLines: 1_000_000, spillDir: join(dir, `${name}-spill`), maxSpillBytes: 1e8 },
    };
    const metrics = new Metrics();
    const writer = new InfluxWriter({ client: new InfluxClient(cfg), cfg, metrics, log: createLogger('error') });
    await writer.queue.start();
    writer.start();
    let nowMs = t0;
    const rec = new Recorder({ state, writer, memory: new MemoryWindow(600), clock: () => nowMs, blockMs: 10_000, writesRollups });
    rec.start();
    for (let s = 0; s < SECONDS; s++) {
      nowMs = t0 + s * 1000;
      // The source dropped: no samples until it is back (QoS 0), the open blocks marked by the recorder's poll.
      if (lost && s >= lost.fromS && s < lost.toS) {
        if (s === lost.fromS) rec.sourceLost();
        continue;
      }
      for (let i = 0; i < site.racks.length; i++) {
        if (missed?.(s, i)) continue;
        state.applyRack(i, { ts: nowMs, rackKw: 100 + ((s * 7 + i) % 30), supplyC: 40, returnC: 47 + (s % 5) * 0.25, flowLpm: 180 }, nowMs);
      }
      state.refresh(nowMs);
      rec.recordTotals(nowMs);
    }
    rec.stop();
    await writer.stop(30_000);
    expect(writer.queue.size, `${name}: lines left unwritten`).toBe(0);
    return metrics.value('hallwatch_storage_lines_written_total');
  }

  const count = async (q: string, db = DB) => (await influx.query(q, db)).results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
  const blocks = () => count('SELECT count("ts_ms") FROM "raw"."rack_block"');
  const minutes = () => count('SELECT count("rack_kw_mean") FROM "m1"."rack_1m"');
  const totals = () => count('SELECT count("ts_ms") FROM "raw"."totals_block"');
  const samples = async (db = DB) => countSamples(await rawSamples((q) => influx.query(q, db), 'rack', ['rack_kw'], 'rack', `time >= ${t0 - 1000}ms`));

  it('stores each raw block once when both write it, and the rollups and totals of the leader only', async () => {
    const leaderLines = await serverRun('leader', () => true);
    const first = { blocks: await blocks(), samples: await samples(), minutes: await minutes(), totals: await totals() };
    // 150 s of one sample a second: 15 blocks a rack (windows shifted per rack add one), 3 minutes (the last partial).
    expect(first.samples).toBe(SECONDS * site.racks.length);
    expect(first.blocks).toBeGreaterThanOrEqual(15 * site.racks.length);
    expect(first.minutes).toBe(3 * site.racks.length);
    expect(first.totals).toBeGreaterThan(0);

    const standbyLines = await serverRun('standby', () => false);
    const second = { blocks: await blocks(), samples: await samples(), minutes: await minutes(), totals: await totals() };
    console.log(`pair history: the leader wrote ${leaderLines} lines → ${JSON.stringify(first)}; `
      + `the standby then wrote ${standbyLines} lines of the same samples → ${JSON.stringify(second)}`);
    // The standby wrote its raw blocks (and nothing else), onto the leader's points.
    expect(standbyLines).toBe(first.blocks);
    expect(second).toEqual(first);
  });

  it('lets a new leader write the same windows again without adding a point', async () => {
    const before = { blocks: await blocks(), minutes: await minutes(), totals: await totals(), samples: await samples() };
    expect(await serverRun('new-leader', () => true)).toBeGreaterThan(before.blocks + before.minutes);
    expect({ blocks: await blocks(), minutes: await minutes(), totals: await totals(), samples: await samples() }).toEqual(before);
  });

  it.each([['the complete one first', 'hw_pair_ab'], ['the partial one first', 'hw_pair_ba']])(
    'keeps every sample when one server\'s source dropped mid-block (%s): its blocks are stored apart, not over the other\'s',
    async (_order, db) => {
      const runs = [() => serverRun(`${db}-full`, () => true, db), () => serverRun(`${db}-gap`, () => false, db, { fromS: 33, toS: 36 })];
      if (db.endsWith('ba')) runs.reverse();
      for (const r of runs) await r();
      const stored = await count('SELECT count("ts_ms") FROM "raw"."rack_block"', db);
      console.log(`pair history, one source dropped 33–36 s: ${stored} blocks stored, ${await samples(db)} samples read`);
      expect(await samples(db)).toBe(SECONDS * site.racks.length);
    },
  );

  it.each([['the complete one first', 'hw_pair_miss_ab'], ['the gapped one first', 'hw_pair_miss_ba']])(
    'keeps every sample when one server missed single samples with its source up (%s)',
    async (_order, db) => {
      // Every fifth rack misses second 42 (inside a block for most) and every seventh second 59
      // (the last of some blocks): no drop the server could see.
      const missed = (s: number, rack: number) => (s === 42 && rack % 5 === 0) || (s === 59 && rack % 7 === 0);
      const runs = [() => serverRun(`${db}-full`, () => true, db), () => serverRun(`${db}-gap`, () => false, db, undefined, missed)];
      if (db.endsWith('ba')) runs.reverse();
      for (const r of runs) await r();
      const stored = await count('SELECT count("ts_ms") FROM "raw"."rack_block"', db);
      console.log(`pair history, single samples missed by one server: ${stored} blocks stored, ${await samples(db)} samples read`);
      expect(await samples(db)).toBe(SECONDS * site.racks.length);
    },
  );
});
