import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxWriter, type InfluxWriterConfig } from '../../server/history/influx-writer.ts';
import { InfluxClient, type InfluxConnection } from '../../server/history/influx-client.ts';
import { formatPoint } from '../../server/history/line-protocol.ts';
import { Metrics } from '../../server/http/metrics.ts';
import { createLogger, type Logger } from '../../server/logger.ts';
import { startInfluxd, type Influxd } from '../helpers/influxd.ts';
import { notYet, seen, waitFor } from '../helpers/wait.ts';

type Config = InfluxConnection & InfluxWriterConfig;

function config(influx: Influxd, db: string, dir: string, over: Partial<Config> = {}): Config {
  return {
    url: influx.url,
    db,
    retention: { raw: '7d', m1: '90d', h1: '104w' },
    flushIntervalMs: 100,
    requestTimeoutMs: 5000,
    maxRetryDelayMs: 2000,
    deadLetterPath: join(dir, 'dead-letter.log'),
    queue: { batchLines: 5000, maxMemoryLines: 1_000_000, spillDir: join(dir, 'spill'), maxSpillBytes: 1e9 },
    ...over,
  };
}

/** A writer through its own client, as the server makes them. */
function writer(cfg: Config, metrics: Metrics, log: Logger, clock?: () => number): InfluxWriter {
  return new InfluxWriter({ client: new InfluxClient(cfg), cfg, metrics, log, clock });
}

async function count(influx: Influxd, db: string, where = ''): Promise<number> {
  const r = await influx.query(`SELECT count("v") FROM "raw"."probe" ${where}`, db);
  return r.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
}

describe('InfluxWriter against a real InfluxDB 1.6', () => {
  let influx: Influxd;
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-writer-'));
  // Three hours ago at a whole minute: inside the raw tier's 7 days whatever today's date is.
  const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000;

  beforeAll(async () => {
    influx = await startInfluxd();
  });
  afterAll(async () => {
    await influx?.stop();
  });

  it('creates the database and one retention policy per tier', async () => {
    const w = writer(config(influx, 'hw_schema', dir), new Metrics(), createLogger('error'));
    w.start();
    await waitFor('schema', async () =>
      seen((await influx.query('SHOW RETENTION POLICIES', 'hw_schema')).results?.[0]?.series?.[0]?.values?.length, (v) => v === 4));
    const rps = (await influx.query('SHOW RETENTION POLICIES', 'hw_schema')).results[0].series[0].values;
    expect(rps.map((r: any[]) => [r[0], r[1], r[4]])).toEqual(
      expect.arrayContaining([['raw', '168h0m0s', true], ['m1', '2160h0m0s', false], ['h1', '17472h0m0s', false]]),
    );
    await w.stop();
  });

  it('lands every good line of a batch with one bad line, and dead-letters the bad one with the server message', async () => {
    const dead = join(dir, 'bisect-dead.log');
    const metrics = new Metrics();
    const w = writer(config(influx, 'hw_bisect', dir, { deadLetterPath: dead }), metrics, createLogger('error'));
    const lines = Array.from({ length: 3000 }, (_, i) => formatPoint('probe', { id: `r${i % 30}` }, { v: i }, T0 + i * 1000)!);
    // A string into a float field: a type conflict InfluxDB refuses.
    lines.splice(1234, 0, `probe,id=r4 v="not a number" ${T0 + 1234 * 1000 + 1}`);
    w.write('raw', lines);
    w.start();
    await waitFor('3000 points stored', async () => seen(await count(influx, 'hw_bisect'), (v) => v === 3000), 20_000);
    await waitFor('dead letter', () => (existsSync(dead) && readFileSync(dead, 'utf8').length > 0) || notYet({ exists: existsSync(dead) }));
    const entries = readFileSync(dead, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(entries).toHaveLength(1);
    expect(entries[0].line).toContain('not a number');
    expect(entries[0].error).toMatch(/field type conflict/);
    expect(metrics.value('hallwatch_storage_lines_dead_lettered_total')).toBe(1);
    await w.stop();
  });

  it('keeps hostile IDs inside their tag: no injected tag, field or line', async () => {
    const w = writer(config(influx, 'hw_escape', dir), new Metrics(), createLogger('error'));
    const hostile = [
      'a,b=c', 'x y', 'line\nbreak v=666', 'eq=ual', 'trailing\\', 'mid\\dle', '"quoted"', 'comma,space =mix', 'ü-ñ-✓', 'x v=1 0\nrack,id=evil v=9',
    ];
    w.write('raw', hostile.map((id, k) => formatPoint('probe', { id }, { v: k }, T0 + k * 1000)!));
    w.start();
    await waitFor('all points stored', async () => seen(await count(influx, 'hw_escape'), (v) => v === hostile.length), 10_000);
    const tags = await influx.query('SHOW TAG VALUES FROM "probe" WITH KEY = "id"', 'hw_escape');
    const stored = tags.results[0].series[0].values.map((v: string[]) => v[1]).sort();
    expect(stored).toEqual(hostile.map((h) => h.replace(/\n/g, ' ').replace(/\\/g, '/')).sort());
    const keys = await influx.query('SHOW TAG KEYS FROM "probe"', 'hw_escape');
    expect(keys.results[0].series[0].values.flat()).toEqual(['id']);
    const measurements = await influx.query('SHOW MEASUREMENTS', 'hw_escape');
    expect(measurements.results[0].series[0].values.flat()).toEqual(['probe']);
    await w.stop();
  });

  it('buffers through an outage, reports degraded, and stores everything exactly once after it', async () => {
    const metrics = new Metrics();
    const queue = { batchLines: 500, maxMemoryLines: 2000, spillDir: join(dir, 'outage-spill'), maxSpillBytes: 1e9 };
    const w = writer(config(influx, 'hw_outage', dir, { queue }), metrics, createLogger('error'));
    w.start();
    let k = 0;
    const feed = setInterval(() => {
      w.write('raw', Array.from({ length: 200 }, () => formatPoint('probe', { id: `r${k % 10}` }, { v: k }, T0 + k++)!));
    }, 50);
    await waitFor('first writes', async () => seen(await count(influx, 'hw_outage'), (v) => v > 0));
    await influx.kill();
    await waitFor('degraded', () => seen(w.status, (v) => v === 'degraded'), 10_000);
    // The memory cap of 2,000 lines forces a spill.
    await waitFor('lines spilled to disk', () => seen(w.queue.spilledLines, (n) => n > 0), 15_000);
    await influx.start();
    clearInterval(feed);
    const total = k;
    await waitFor('every point stored', async () => seen(await count(influx, 'hw_outage'), (v) => v === total), 30_000);
    expect(w.status).toBe('ok');
    expect(w.queue.size).toBe(0);
    expect(w.queue.dropped).toBe(0);
    expect(metrics.value('hallwatch_storage_write_retries_total')).toBeGreaterThan(0);
    await w.stop();
  });

  it('counts points beyond the retention policy by reason, logs them once a minute and does not retry them', async () => {
    const metrics = new Metrics();
    const logged: string[] = [];
    const dead = join(dir, 'retention-dead.log');
    let nowMs = Date.now();
    const w = writer(config(influx, 'hw_retention', dir, { deadLetterPath: dead }), metrics, createLogger('warn', 'test', (l) => logged.push(l)), () => nowMs);
    const old = T0 - 30 * 86_400_000; // 30 days ago: beyond raw's 7 days
    const mixed = Array.from({ length: 400 }, (_, i) => formatPoint('probe', { id: `r${i % 4}` }, { v: i }, (i % 4 === 0 ? old : T0) + i * 1000)!);
    w.write('raw', mixed);
    w.start();
    await waitFor('fresh points stored', async () => seen(await count(influx, 'hw_retention'), (v) => v === 300), 10_000);
    await waitFor('drops counted', () => seen(metrics.value('hallwatch_storage_lines_dropped_total', { reason: 'beyond_retention' }), (v) => v === 100));
    expect(metrics.value('hallwatch_storage_lines_written_total')).toBe(300);
    // A second minute's worth of old lines: counted at once, logged when the minute has passed.
    w.write('raw', Array.from({ length: 50 }, (_, i) => formatPoint('probe', { id: 'r9' }, { v: i }, old + i * 1000)!));
    await waitFor('second drops counted', () => seen(metrics.value('hallwatch_storage_lines_dropped_total', { reason: 'beyond_retention' }), (v) => v === 150));
    const dropLogs = () => logged.filter((l) => l.includes('beyond the retention policy'));
    expect(dropLogs()).toHaveLength(1);
    expect(dropLogs()[0]).toMatch(/dropped 100 lines beyond the retention policy of raw/);
    nowMs += 61_000;
    await waitFor('minute log', () => seen(dropLogs().length, (v) => v === 2));
    expect(dropLogs()[1]).toMatch(/dropped 50 lines in the last 61 s/);
    expect(w.queue.size).toBe(0);
    expect(metrics.value('hallwatch_storage_write_retries_total')).toBe(0);
    expect(metrics.value('hallwatch_storage_lines_dead_lettered_total')).toBe(0);
    expect(existsSync(dead)).toBe(false);
    expect(w.status).toBe('ok');
    expect(await metrics.render()).toContain('hallwatch_storage_lines_dropped_total{reason="beyond_retention"} 150');
    await w.stop();
  });

  it('drops the oldest lines and counts them exactly when memory and disk are full', async () => {
    const w = writer(
      config(influx, 'hw_full', dir, { url: 'http://127.0.0.1:9', queue: { batchLines: 100, maxMemoryLines: 1000, spillDir: null, maxSpillBytes: 0 } }),
      new Metrics(), createLogger('error'),
    );
    w.write('raw', Array.from({ length: 2550 }, (_, i) => `probe v=${i} ${T0 + i}`));
    expect(w.queue.size).toBeLessThanOrEqual(1000);
    expect(w.queue.dropped + w.queue.size).toBe(2550);
    expect(w.queue.peek()!.lines.line(0)).toBe(`probe v=${w.queue.dropped} ${T0 + w.queue.dropped}`);
  });
});
