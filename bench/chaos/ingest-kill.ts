/**
 * The ingest killed (`kill -9`) while the site publishes, then restarted on the same storage:
 * rack-seconds missing from InfluxDB over the window, in the default at-most-once mode and in
 * the at-least-once mode (QoS 1 from the simulator, persistent session, journal). Missing
 * seconds are counted from the gaps in each rack's raw series (InfluxQL `elapsed`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../../test/helpers/influxd.ts';
import { startMosquitto } from '../../test/helpers/mosquitto.ts';
import { startServer, startSimulator } from '../../test/helpers/programs.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { fmt, historyDrained, rejectedBy } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

/** Rack-seconds missing in [fromMs, toMs): Σ over each gap of more than 1.5 s of round(gap) − 1, and the points stored. */
async function missing(query: (q: string) => Promise<any>, fromMs: number, toMs: number): Promise<{ lost: number; stored: number }> {
  const where = `time >= ${fromMs}ms AND time < ${toMs}ms`;
  const gaps = await query(`SELECT e FROM (SELECT elapsed("rack_kw", 1ms) AS e FROM "raw"."rack" WHERE ${where} GROUP BY "rack") WHERE e > 1500`);
  let lost = 0;
  for (const s of gaps.results?.[0]?.series ?? []) for (const v of s.values ?? []) lost += Math.round(v[1] / 1000) - 1;
  const count = await query(`SELECT count("rack_kw") FROM "raw"."rack" WHERE ${where}`);
  return { lost, stored: count.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0 };
}

export const ingestKill: Scenario = {
  name: 'ingest killed with kill -9',
  short: true,
  async run(scale, log) {
    const downMs = scale === 'short' ? 8000 : 30_000;
    const rows: ChaosRow[] = [];
    for (const mode of ['at-most-once', 'at-least-once'] as const) {
      const broker = await startMosquitto({ maxQueuedMessages: 100_000 });
      const influx = await startInfluxd();
      const storage = mkdtempSync(join(tmpdir(), 'hallwatch-chaos-kill-'));
      const args = ['--site', 'sites/demo.json', '--mqtt', broker.url, '--influx', influx.url, '--storage-dir', storage, '--ingest-delivery', mode];
      let server = await startServer(args);
      const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', broker.url, '--qos', mode === 'at-least-once' ? '1' : '0']);
      try {
        await sleep(6000);
        const fromMs = Date.now();
        await sleep(4000);
        server.proc.kill('SIGKILL');
        await new Promise((r) => server.proc.once('exit', r));
        log(`${mode}: server killed; down for ${downMs / 1000} s`);
        await sleep(downMs);
        server = await startServer(args);
        const restartedMs = Date.now();
        await sleep(10_000);
        const toMs = restartedMs + 5000;
        await historyDrained(server.baseUrl, 60_000);
        const m = await missing((q) => influx.query(q), fromMs, toMs);
        const rejected = await rejectedBy(server.baseUrl);
        log(`${mode}: ${JSON.stringify(m)}; rejected after restart ${JSON.stringify(rejected)}`);
        const windowS = (toMs - fromMs) / 1000;
        rows.push(row('ingest killed', `kill -9 of the server for ${downMs / 1000} s, ${mode}${mode === 'at-least-once' ? ' (simulator QoS 1)' : ''}; ${fmt(windowS)} s window around it`,
          mode === 'at-least-once' ? '0 rack-seconds lost; a redelivery stored once' : 'the loss is bounded and reported',
          `${fmt(m.lost)} rack-seconds lost (${fmt(m.stored)} stored); ${fmt(rejected.duplicate ?? 0)} redeliveries refused as duplicate`,
          mode === 'at-least-once' ? m.lost === 0 && m.stored > 0 : m.stored > 0 && m.lost <= 468 * (downMs / 1000 + 10)));
      } finally {
        await sim.stop();
        await server.stop();
        await influx.stop();
        await broker.stop();
      }
    }
    return rows;
  },
};
