/**
 * The redundant pair measured, not asserted: one rig (three NATS nodes, InfluxDB, two servers,
 * HAProxy, the simulator, a webhook receiver, 120 walls on the one address) through every fault
 * of the pair in turn — each step brings the pair back whole (both ready, one leader) before the
 * next. Each step is a row: failover, leader overlap, pages expected / sent / duplicated / lost,
 * wall reconnects, 5xx through HAProxy, the longest key-value write, samples missed per server,
 * InfluxDB points against one per rack and second. `HALLWATCH_CHAOS_HA_STEPS=storm,acks` runs
 * some steps only; `HALLWATCH_CHAOS_HA_DUMP=file.json` writes what each step saw.
 */
import { writeFileSync } from 'node:fs';
import { notYet, waitFor } from '../../test/helpers/wait.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';
import { historyDrained } from './kit.ts';
import { startHaRig } from './ha/rig.ts';
import { HttpWatch, IncidentWatch, KvStallWatch, LeaderWatch, SampleWatch } from './ha/watchers.ts';
import { WsFleet } from './ha/ws-fleet.ts';
import { dump, measure, summaryLine, type Measured, type Watchers } from './ha/measure.ts';
import { haRow, historyOf } from './ha/report.ts';
import { heal, type Ctx } from './ha/step-kit.ts';
import { cleanStopOfLeader, freezeLeader, killLeaderInStorm, killStandby, reconnectStorm, steadyState } from './ha/steps-servers.ts';
import { clockAhead, concurrentAcks, influxDown, killLeaseNode, quorumLoss } from './ha/steps-cluster.ts';
import type { Outcome } from './ha/measure.ts';

const WALLS = 120;
/** Racks of sites/demo.json: one sample each per second. */
const DEMO_RACKS = 416;

/** In the order they run; the quorum loss last, as the step most likely to leave the cluster hurt. */
const STEPS: [string, (ctx: Ctx) => Promise<Outcome>][] = [
  ['steady', steadyState],
  ['standby', killStandby],
  ['storm', killLeaderInStorm],
  ['freeze-short', (ctx) => freezeLeader(ctx, 5000)],
  ['freeze', (ctx) => freezeLeader(ctx, 20_000)],
  ['clean-stop', cleanStopOfLeader],
  ['reconnect', reconnectStorm],
  ['acks', concurrentAcks],
  ['lease-node', killLeaseNode],
  ['influx', influxDown],
  ['faketime', clockAhead],
  ['quorum', quorumLoss],
];

export const haPair: Scenario = {
  name: 'ha pair',
  short: false,
  async run(scale, log) {
    const only = process.env.HALLWATCH_CHAOS_HA_STEPS?.split(',');
    const rig = await startHaRig({ log });
    const [a, b] = rig.pair;
    const fleet = new WsFleet(`${rig.haproxy.url.replace('http', 'ws')}/ws`, WALLS);
    const w: Watchers = {
      pair: rig.pair, leader: new LeaderWatch(rig.pair), http: new HttpWatch(`${rig.haproxy.url}/api/cluster`),
      kv: new KvStallWatch(rig.probe.kv), samples: new SampleWatch(rig.pair), incidents: new IncidentWatch(rig.pair),
      fleet, receiver: rig.receiver, racks: DEMO_RACKS,
    };
    const ctx: Ctx = { rig, w, scale, log };
    const rows: ChaosRow[] = [];
    const dumps: unknown[] = [];
    // In the order the steps ran: measured, or the row of a step that crashed.
    const results: (Measured | ChaosRow)[] = [];
    try {
      await rig.whole(120_000);
      log(`pair whole: ${a.name} :${a.port}, ${b.name} :${b.port}, HAProxy ${rig.haproxy.url}`);
      for (const x of [w.leader, w.http, w.kv, w.samples, w.incidents]) x.start();
      await fleet.start();
      log(`${WALLS} walls live through HAProxy`);
      for (const [key, step] of STEPS) {
        if (only && !only.includes(key)) continue;
        const t0 = Date.now();
        log(`step ${key}…`);
        try {
          await rig.whole();
          // Walls spread over both servers again (after a failover they all sit on one).
          fleet.dropAll();
          await waitFor('every wall back', () => fleet.down === 0 || notYet({ down: fleet.down }), 30_000, 100);
          await new Promise((r) => setTimeout(r, 1000));
          const outcome = await step(ctx);
          const m = measure(w, outcome);
          dumps.push(dump(w, outcome));
          results.push(m);
          log(`${key} (${Math.round((Date.now() - t0) / 1000)} s): ${summaryLine(m)}`);
        } catch (e) {
          log(`${key} failed: ${(e as Error).stack}`);
          results.push(row(`ha: ${key}`, '—', 'step completes', `crashed: ${(e as Error).message.split('\n')[0]}`, false));
          await heal(ctx).catch((h: Error) => log(`could not bring the pair back: ${h.message}`));
        }
      }
      // Everything accepted is written before InfluxDB is counted.
      for (const m of rig.pair) await historyDrained(m.baseUrl, 120_000).catch((e: Error) => log(`${m.name}: ${e.message}`));
      for (const r of results) {
        if (!('overlapMs' in r)) {
          rows.push(r);
          continue;
        }
        const h = await historyOf((q) => rig.influx.query(q), DEMO_RACKS, r.fromMs, r.toMs).catch((e: Error) => (log(`InfluxDB: ${e.message}`), null));
        if (h?.gaps.length) log(`${r.scenario}: InfluxDB gaps ${h.gaps.join(', ')}`);
        rows.push(haRow(r, h));
      }
      if (process.env.HALLWATCH_CHAOS_HA_DUMP) writeFileSync(process.env.HALLWATCH_CHAOS_HA_DUMP, JSON.stringify(dumps, null, 1));
    } finally {
      fleet.stop();
      await Promise.all([w.leader.stop(), w.http.stop(), w.kv.stop(), w.samples.stop(), w.incidents.stop()]);
      await rig.stop();
    }
    return rows;
  },
};
