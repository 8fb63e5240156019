/**
 * A delay of the telemetry path, end to end: the real server with the shipped rules, the
 * simulator and a probe rack of the test's own through Debian's Mosquitto. The publishers frozen
 * for a few seconds (SIGSTOP: nothing is published, then everything again — a real delay) make
 * one "telemetry delayed" incident, said on `/healthz` too, and not one stale incident of a rack
 * or CDU; the probe, which never publishes again, opens its own once the delay is over, and a
 * rack of the simulator that goes silent later is stale in its own right, with no delay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { simulatorControlTopic } from '../../protocol/topics.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';

interface Incident {
  id: string;
  title: string;
  startedMs: number;
  roots: { rule: string; entity: string }[];
  children: { rackId: string; alerts: { rule: string }[] }[];
}

const rulesOf = (i: Incident) => [...i.roots.map((a) => a.rule), ...i.children.flatMap((c) => c.alerts.map((a) => a.rule))];
const isDelay = (i: Incident) => rulesOf(i).includes('telemetry-delayed');
const isStale = (i: Incident) => rulesOf(i).some((r) => r === 'rack-stale' || r === 'cdu-stale');

describe('a delay of the telemetry', () => {
  const sites = writeTestSites();
  let broker: Mosquitto;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let pub: MqttClient;
  let probe: NodeJS.Timeout | undefined;

  const alerts = async (): Promise<{ open: Incident[]; history: Incident[] }> => {
    const a = await getJson(`${server.baseUrl}/api/alerts?history=1`);
    return { open: a.incidents, history: a.history };
  };
  /** Incidents open or resolved that started at or after `fromMs`. */
  const since = async (fromMs: number): Promise<Incident[]> => {
    const a = await alerts();
    return [...a.open, ...a.history].filter((i) => i.startedMs >= fromMs);
  };
  const publishProbe = () => {
    const sample = { ts: Date.now(), rackKw: 100, supplyC: 40, returnC: 48, flowLpm: 180 };
    void pub.publishAsync('hallwatch/v1/hall-1/rack/probe-1/telemetry', JSON.stringify(sample));
  };

  beforeAll(async () => {
    broker = await startMosquitto();
    server = await startServer(['--site', sites.server, '--mqtt', broker.url]);
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', broker.url, '--seed', '9']);
    pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    publishProbe();
    probe = setInterval(publishProbe, 1000);
    await waitFor('8 simulated racks and the probe live, every CDU reporting, no incident', async () => {
      const h = await getJson(`${server.baseUrl}/api/halls/hall-1`);
      const open = (await alerts()).open.map((i) => i.title);
      return (h.totals.racksLive === 9 && h.totals.cdusReporting === h.cdus.length && open.length === 0) || notYet({ totals: h.totals, open });
    }, 30_000, 250);
  }, 60_000);

  afterAll(async () => {
    clearInterval(probe);
    sim?.proc.kill('SIGCONT');
    await pub?.endAsync();
    await sim?.stop();
    await server?.stop();
    await broker?.stop();
  });

  it('turns publishers frozen for a few seconds into one delay incident, and a rack dead after it into its own', async () => {
    const t0 = Date.now();
    // The probe stops for good with the freeze: a rack that died during the delay.
    clearInterval(probe);
    sim.proc.kill('SIGSTOP');
    let delayed: Incident;
    try {
      delayed = await waitFor('one delay incident naming the 9 racks and 6 CDUs', async () => {
        const open = (await alerts()).open;
        const d = open.find(isDelay);
        return (d && /: 9 racks, 6 CDUs,/.test(d.title) ? d : null) ?? notYet(open.map((i) => i.title));
      }, 15_000, 100);
      // While it lasts, no stale incident of its own for any rack or CDU.
      expect((await alerts()).open.map((i) => i.id)).toEqual([delayed.id]);
      expect((await getJson(`${server.baseUrl}/healthz`)).checks.telemetry).toMatch(/^delayed: 9 racks and 6 CDUs went stale together .* — broker or gateway\?$/);
    } finally {
      sim.proc.kill('SIGCONT');
    }
    expect(delayed.id).toBe('site:site');
    expect(delayed.title).toMatch(/^site: telemetry delayed: 9 racks, 6 CDUs, oldest sample \d+(\.\d)? s — broker or gateway\?$/);

    // The simulator back: the delay resolves; the probe, still silent, is judged on its own.
    const after = await waitFor('the delay resolved and the probe\'s own stale incident open', async () => {
      const a = await alerts();
      const probeOpen = a.open.some((i) => i.id === 'rack:probe-1' && isStale(i));
      return (probeOpen && !a.open.some(isDelay) ? a : null) ?? notYet(a.open.map((i) => i.title));
    }, 20_000, 250);
    expect(after.open.map((i) => i.id)).toEqual(['rack:probe-1']);
    const opened = await since(t0);
    expect(opened.filter(isDelay)).toHaveLength(1);
    expect(opened.filter(isStale).map((i) => i.id)).toEqual(['rack:probe-1']);
    expect(opened.map((i) => i.id).sort()).toEqual(['rack:probe-1', 'site:site']);
    // The resolved delay keeps its title in the history.
    expect((await alerts()).history.find(isDelay)?.title).toMatch(/^site: telemetry delayed: 9 racks, 6 CDUs/);

    // A rack of the simulator going silent later, alone: a stale alert of its own (joining the probe's
    // incident, the same rule in the same hall within minutes), no delay.
    const t1 = Date.now();
    await pub.publishAsync(simulatorControlTopic('hallwatch/v1'), 'silent:h1-r01-k02', { qos: 1 });
    const joined = await waitFor('h1-r01-k02 stale in its own right', async () => {
      const open = (await alerts()).open;
      const i = open.find((x) => x.children.some((c) => c.rackId === 'h1-r01-k02' && c.alerts.some((a) => a.rule === 'rack-stale')));
      return i ?? notYet(open.map((x) => x.title));
    }, 20_000, 250);
    expect(joined.title).toBe('2 racks of Hall 1: rack telemetry stale (no sample for 3 intervals)');
    expect((await since(t1)).filter(isDelay)).toEqual([]);
    await pub.publishAsync(simulatorControlTopic('hallwatch/v1'), 'clear-all', { qos: 1 });
  }, 90_000);
});
