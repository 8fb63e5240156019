/**
 * Broker restarts with the site publishing: Debian's Mosquitto without and with persistence,
 * and the embedded broker (it lives in the server, so the server restarts). Server and simulator
 * must be back within 5 s of the broker, subscriptions restored, and the outage must show in the
 * history — and on charts — as a gap, not a line drawn across it.
 */
import { withGaps } from '../../web/src/lib/gaps.ts';
import { startMosquitto } from '../../test/helpers/mosquitto.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { startServer, startSimulator } from '../../test/helpers/programs.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { fmt, metric, type Server } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

/** ms from `t0` until `probe` holds (polled every 100 ms), or NaN after `limitMs`. */
async function until(t0: number, probe: () => Promise<boolean>, limitMs = 30_000): Promise<number> {
  while (Date.now() - t0 < limitMs) {
    if (await probe().catch(() => false)) return Date.now() - t0;
    await sleep(100);
  }
  return Number.NaN;
}

const accepted = (url: string) => metric(url, 'hallwatch_messages_accepted_total', 'kind="rack"');

/** Points of one rack's history across the outage, and the gaps a chart would draw. */
async function gapSeen(url: string, fromMs: number, outageFromMs: number, outageToMs: number): Promise<{ inside: number; gaps: number; points: number }> {
  const res = await fetch(`${url}/api/history?entity=rack:h1-r01-k01&from=${fromMs}&to=${Date.now()}`);
  const h = await res.json() as { tsMs: number[]; values: Record<string, (number | null)[]> };
  const inside = h.tsMs.filter((t) => t > outageFromMs + 1500 && t < outageToMs - 500).length;
  const [, ys] = withGaps([h.tsMs.map((t) => t / 1000), h.values.returnC]);
  return { inside, gaps: ys.filter((v) => v === null).length, points: h.tsMs.length };
}

function rows(kind: string, holdS: number, serverMs: number, simMs: number, g: { inside: number; gaps: number; points: number }): ChaosRow[] {
  return [
    row('broker restart', `${kind} stopped for ${holdS} s, then started`, 'server and simulator back ≤ 5 s after the broker; subscriptions restored',
      `server ${fmt(serverMs / 1000, 1)} s, simulator's samples flowing again after ${fmt(simMs / 1000, 1)} s`, serverMs <= 5000 && simMs <= 5000),
    row('broker restart', `${kind}: a rack's history across the outage`, 'no points inside the outage; the chart draws a gap',
      `${g.inside} points inside, ${g.gaps} gap${g.gaps === 1 ? '' : 's'} drawn (${g.points} points)`, g.inside === 0 && g.gaps >= 1),
  ];
}

export const brokerRestart: Scenario = {
  name: 'broker restart',
  short: true,
  async run(scale, log) {
    const holdS = scale === 'short' ? 6 : 30;
    const out: ChaosRow[] = [];
    for (const persistence of [false, true]) {
      const kind = `Mosquitto ${persistence ? 'with' : 'without'} persistence`;
      const broker = await startMosquitto({ persistence });
      const server = await startServer(['--site', 'sites/demo.json', '--mqtt', broker.url]);
      const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', broker.url]);
      try {
        const from = Date.now();
        await sleep(4000);
        const down = Date.now();
        await broker.kill();
        await sleep(holdS * 1000);
        await broker.start();
        const up = Date.now();
        const serverMs = await until(up, async () => (await metric(server.baseUrl, 'hallwatch_mqtt_connected')) === 1);
        const a0 = await accepted(server.baseUrl);
        const simMs = await until(up, async () => (await accepted(server.baseUrl)) > a0 + 100);
        await sleep(3000);
        const g = await gapSeen(server.baseUrl, from, down, up);
        log(`${kind}: server ${serverMs} ms, simulator ${simMs} ms; ${JSON.stringify(g)}`);
        out.push(...rows(kind, holdS, serverMs, simMs, g));
      } finally {
        await sim.stop();
        await server.stop();
        await broker.stop();
      }
    }
    // The embedded broker is part of the server: it restarts with it, on the same ports.
    const port = await freePort();
    const brokerPort = await freePort();
    const args = ['--site', 'sites/demo.json', '--port', String(port), '--embedded-broker-port', String(brokerPort)];
    let server: Server = await startServer(args);
    const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl]);
    try {
      await sleep(3000);
      await server.stop();
      await sleep(holdS * 1000);
      const t0 = Date.now();
      server = await startServer(args);
      const serverMs = Date.now() - t0;
      const simMs = await until(t0, async () => (await accepted(server.baseUrl)) > 100);
      log(`embedded broker: server ${serverMs} ms, simulator ${simMs} ms`);
      out.push(row(
        'broker restart',
        `embedded broker (the server) stopped for ${holdS} s, then started on the same ports`,
        'simulator back ≤ 5 s after the broker',
        `server ready in ${fmt(serverMs / 1000, 1)} s, simulator's samples flowing after ${fmt(simMs / 1000, 1)} s`,
        simMs <= 5000,
      ));
    } finally {
      await sim.stop();
      await server.stop();
    }
    return out;
  },
};
