/**
 * The ingest killed (`kill -9`) while the site publishes, then restarted on the same storage:
 * rack-seconds missing from InfluxDB over the window, in the default at-most-once mode and in
 * the at-least-once mode (QoS 1 from the simulator, persistent session, journal). Missing
 * seconds are counted from the gaps in each rack's stored raw samples (missingSeconds).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../../test/helpers/influxd.ts';
import { startMosquitto } from '../../test/helpers/mosquitto.ts';
import { startServer, startSimulator } from '../../test/helpers/programs.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { rawSamples } from '../../test/helpers/raw-history.ts';
import { missingSeconds } from './missing-seconds.ts';
import { fmt, historyDrained, rejectedBy } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

/**
 * Rack-seconds missing in [fromMs, toMs), judged against each rack's samples stored up to 5 s
 * beyond both ends (missingSeconds); the samples stored inside the window; and the samples
 * stored twice (same rack, same timestamp) from 20 s before it, where a replay after the kill
 * begins.
 */
export async function missing(query: (q: string) => Promise<any>, fromMs: number, toMs: number): Promise<{ lost: number; stored: number; twice: number }> {
  const marginMs = 5000;
  const twiceFromMs = fromMs - 20_000;
  const samples = await rawSamples(
    query,
    'rack',
    ['rack_kw'],
    'rack',
    `time > ${twiceFromMs - 10_000}ms AND time < ${toMs + marginMs}ms`,
    twiceFromMs,
    toMs + marginMs,
  );
  let lost = 0;
  let stored = 0;
  let twice = 0;
  for (const s of samples.values()) {
    lost += missingSeconds(s.tsMs.filter((t) => t >= fromMs - marginMs), fromMs, toMs);
    s.tsMs.forEach((t, k) => {
      if (k > 0 && s.tsMs[k - 1] === t) twice++;
      if (t >= fromMs && t < toMs && s.cols[0][k] !== null) stored++;
    });
  }
  return { lost, stored, twice };
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
        // At least once: long enough that the journal's oldest kept segment begins inside raw
        // blocks already written, so the replay holds samples already stored.
        await sleep(mode === 'at-least-once' ? 25_000 : 6000);
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
        const atLeastOnce = mode === 'at-least-once';
        rows.push(row(
          'ingest killed',
          `kill -9 of the server for ${downMs / 1000} s, ${mode}${atLeastOnce ? ' (simulator QoS 1)' : ''}; ${fmt(windowS)} s window around it`,
          atLeastOnce
            ? '0 rack-seconds lost; a redelivery stored once'
            : 'the loss is bounded (the time down, the restart and one raw block of 10 s) and reported',
          `${fmt(m.lost)} rack-seconds lost (${fmt(m.stored)} stored); ${fmt(m.twice)} samples stored twice; ` +
            `${fmt(rejected.duplicate ?? 0)} redeliveries refused as duplicate`,
          atLeastOnce ? m.lost === 0 && m.stored > 0 && m.twice === 0 : m.stored > 0 && m.lost <= 468 * (downMs / 1000 + 20),
        ));
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
