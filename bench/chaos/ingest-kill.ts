/**
 * The ingest killed (`kill -9`) while the site publishes, then restarted on the same storage:
 * rack-seconds missing from InfluxDB over the window, in the default at-most-once mode and in
 * the at-least-once mode (QoS 1 from the simulator, persistent session, journal). Missing
 * seconds are counted from the gaps in each rack's stored raw samples.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../../test/helpers/influxd.ts';
import { startMosquitto } from '../../test/helpers/mosquitto.ts';
import { startServer, startSimulator } from '../../test/helpers/programs.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { countSamples, rawSamples } from '../../test/helpers/raw-history.ts';
import { fmt, historyDrained, rejectedBy } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

/** Rack-seconds missing in [fromMs, toMs): per rack, Σ over each gap of more than 1.5 s between stored samples of round(gap) − 1 and the whole seconds missing at the ends; and the samples stored. */
async function missing(query: (q: string) => Promise<any>, fromMs: number, toMs: number): Promise<{ lost: number; stored: number }> {
  const samples = await rawSamples(query, 'rack', ['rack_kw'], 'rack', `time > ${fromMs - 10_000}ms AND time < ${toMs}ms`, fromMs, toMs);
  let lost = 0;
  for (const s of samples.values()) {
    // Whole seconds missing at either end of the window count too (a rack publishes once a second).
    if (s.tsMs.length > 0) lost += Math.floor((s.tsMs[0] - fromMs) / 1000) + Math.floor((toMs - s.tsMs[s.tsMs.length - 1]) / 1000);
    for (let k = 1; k < s.tsMs.length; k++) {
      const gapMs = s.tsMs[k] - s.tsMs[k - 1];
      if (gapMs > 1500) lost += Math.round(gapMs / 1000) - 1;
    }
  }
  return { lost, stored: countSamples(samples) };
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
          mode === 'at-least-once' ? '0 rack-seconds lost; a redelivery stored once' : 'the loss is bounded (the time down, the restart and one raw block of 10 s) and reported',
          `${fmt(m.lost)} rack-seconds lost (${fmt(m.stored)} stored); ${fmt(rejected.duplicate ?? 0)} redeliveries refused as duplicate`,
          mode === 'at-least-once' ? m.lost === 0 && m.stored > 0 : m.stored > 0 && m.lost <= 468 * (downMs / 1000 + 20)));
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
