/**
 * The pipeline suite, run against any broker: the real simulator and server processes, REST and
 * WebSocket values, Last Will, staleness, a garbage flood, faults and a slow WebSocket client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { heatKw } from '../../protocol/coolant.ts';
import { EntityState, RACK_COL, RACK_COLUMNS, type DeltaMessage, type ServerMessage, type SnapshotMessage } from '../../protocol/stream.ts';
import { simulatorControlTopic } from '../../protocol/topics.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, notYet, seen, sleep, waitFor } from '../helpers/wait.ts';
import { WsProbe } from '../helpers/ws-client.ts';

export interface BrokerUnderTest {
  /** Starts the broker (or nothing, for the server's embedded one) and returns its URL or null. */
  start(): Promise<string | null>;
  stop(): Promise<void>;
  /** Keepalive-driven Last Will. */
  keepaliveWill: boolean;
  /** Stops and restarts the broker on the same port; absent for the server's embedded broker. */
  restart?: (downMs: number) => Promise<void>;
}

export function pipelineSuite(name: string, broker: BrokerUnderTest): void {
  describe(name, () => {
    const sites = writeTestSites();
    let server: Awaited<ReturnType<typeof startServer>>;
    let sim: Program;
    let pub: MqttClient;
    let mqttUrl: string;

    beforeAll(async () => {
      const external = await broker.start();
      server = await startServer([
        '--site', sites.server, '--tick-ms', '100', '--ws-max-buffered-bytes', '65536',
        ...(external ? ['--mqtt', external] : ['--embedded-broker-port', '0']),
      ]);
      mqttUrl = server.mqttUrl;
      sim = await startSimulator(['--site', sites.simulated, '--mqtt', mqttUrl, '--seed', '3']);
      pub = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, clientId: `hallwatch-test-${process.pid}` });
    });

    afterAll(async () => {
      await pub?.endAsync();
      await sim?.stop();
      await server?.stop();
      await broker.stop();
    });

    const hall = () => getJson(`${server.baseUrl}/api/halls/hall-1`);
    const metric = async (series: string) => {
      const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(series + ' '));
      return line ? Number(line.split(' ')[1]) : 0;
    };
    const probeTopic = (id: string, ch = 'telemetry') => `hallwatch/v1/hall-1/rack/${id}/${ch}`;

    it('brings every simulated rack and CDU live with credible values', async () => {
      const h = await waitFor('8 live racks', async () => {
        const v = await hall();
        const ready = v.totals.racksLive === 8 && v.cdus.every((c: any) => c.state === 'live' && c.n1HeadroomKw !== null);
        return ready ? v : notYet({ totals: v.totals, cdus: v.cdus.map((c: any) => [c.id, c.state, c.n1HeadroomKw]) });
      });
      const simulated = h.racks.filter((x: any) => !x.id.startsWith('probe'));
      expect(simulated).toHaveLength(8);
      for (const r of simulated) {
        expect(r.rackKw).toBeGreaterThan(15);
        expect(r.rackKw).toBeLessThan(140);
        expect(r.flowLpm).toBeGreaterThan(150);
        expect(r.headroom.binding).toMatch(/returnTemp|flow|power|capacity/);
      }
      const cdu = await getJson(`${server.baseUrl}/api/cdus/h1-r01-cdu-a`);
      expect(cdu.capacityKw).toBe(400);
      expect(cdu.running).toBe(true);
      expect(cdu.n1HeadroomKw).toBeGreaterThan(0);
      expect(await getJson(`${server.baseUrl}/healthz`)).toMatchObject({ status: 'ok' });
    });

    it('shows a rack published at known flow, supply and return with heatKw within 1 % over REST and WebSocket', async () => {
      const site = await getJson(`${server.baseUrl}/api/site`);
      const index = site.racks.find((r: any) => r.id === 'probe-1').index;
      const ws = await WsProbe.open(`ws://127.0.0.1:${server.port}/ws`);
      try {
        const hello = await ws.next('hello', (m): m is ServerMessage & { type: 'hello' } => m.type === 'hello');
        expect(hello.rackColumns).toEqual([...RACK_COLUMNS]);
        await ws.next('snapshot', (m): m is SnapshotMessage => m.type === 'snapshot');
        const expected = heatKw('water', 180, 40, 50.5);
        await pub.publishAsync(probeTopic('probe-1'), JSON.stringify({ ts: Date.now(), rackKw: 135, supplyC: 40, returnC: 50.5, flowLpm: 180 }));
        const rest = await waitFor('probe-1 over REST', async () => {
          const r = await getJson(`${server.baseUrl}/api/racks/probe-1`);
          return r.state === 'live' ? r : notYet(r);
        });
        expect(Math.abs(rest.heatKw - expected) / expected).toBeLessThan(0.01);
        expect(Math.abs(rest.heatKw - 130)).toBeLessThan(1.3);
        expect(rest.headroom.thermalKw).toBeGreaterThan(0);
        expect(rest.headroom.thermalPct).toBeCloseTo(30, 0);
        expect(rest.ageMs).toBeLessThan(5000);
        const delta = await ws.next('delta with probe-1', (m): m is DeltaMessage => m.type === 'delta' && m.racks.idx.includes(index));
        const k = delta.racks.idx.indexOf(index);
        expect(Math.abs((delta.racks.cols[RACK_COL.heatKw][k] as number) - expected) / expected).toBeLessThan(0.01);
        expect(delta.racks.cols[RACK_COL.state][k]).toBe(1);
      } finally {
        ws.close();
      }
    });

    it('marks a rack stale after 3 intervals without a sample, showing its age', async () => {
      const index = (await getJson(`${server.baseUrl}/api/site`)).racks.find((r: any) => r.id === 'probe-2').index;
      const ws = await WsProbe.open(`ws://127.0.0.1:${server.port}/ws`);
      try {
        await ws.next('snapshot', (m): m is SnapshotMessage => m.type === 'snapshot');
        const sentTs = Date.now();
        await pub.publishAsync(probeTopic('probe-2'), JSON.stringify({ ts: sentTs, rackKw: 100, supplyC: 40, returnC: 48, flowLpm: 180 }));
        await waitFor('probe-2 live', async () => seen((await getJson(`${server.baseUrl}/api/racks/probe-2`)).state, (v) => v === 'live'));
        const marksStale = (m: ServerMessage): m is DeltaMessage =>
          m.type === 'delta' && m.racks.idx.some((i, k) => i === index && m.racks.cols[RACK_COL.state][k] === EntityState.Stale);
        const creditBeforeS = await metric('hallwatch_stale_threshold_credit_seconds');
        const delta = await ws.next('delta marking probe-2 stale', marksStale, 10_000);
        // The server holds a stale mark back by its own ingest delay (its credit, at most 6 s): a busy host is not the rack's fault.
        const creditS = Math.max(creditBeforeS, await metric('hallwatch_stale_threshold_credit_seconds'));
        // On the server's clock (the frame's time), so the test's own polling on a busy machine is not in it: stale
        // after the 3rd interval and before the 4th ends, plus the credit (a threshold off by an interval, or a stalled tick, fails).
        const staleAfterMs = delta.serverTimeMs - sentTs;
        expect(staleAfterMs).toBeGreaterThanOrEqual(3000);
        expect(staleAfterMs).toBeLessThan(4000 + creditS * 1000);
      } finally {
        ws.close();
      }
      const stale = await getJson(`${server.baseUrl}/api/racks/probe-2`);
      expect(stale.stale).toBe(true);
      expect(stale.ageMs).toBeGreaterThanOrEqual(3000);
      expect(stale.rackKw).toBe(100);
    });

    it('marks a publisher offline from its Last Will', async () => {
      // The simulator's offline fault drops the rack's connection without DISCONNECT.
      await pub.publishAsync(simulatorControlTopic('hallwatch/v1'), JSON.stringify({ fault: 'offline:h1-r02-k03' }), { qos: 1 });
      await waitFor('h1-r02-k03 offline', async () => seen((await getJson(`${server.baseUrl}/api/racks/h1-r02-k03`)).state, (v) => v === 'offline'), 10_000);
      try {
        // Hall totals are the state ticker's: they count the rack on the tick after its Last Will.
        await waitFor('hall totals counting the offline rack', async () => seen((await hall()).totals.racksOffline, (n) => n >= 1), 5_000);
      } finally {
        await pub.publishAsync(simulatorControlTopic('hallwatch/v1'), 'clear:h1-r02-k03', { qos: 1 });
      }
      await waitFor('h1-r02-k03 back live', async () => seen((await getJson(`${server.baseUrl}/api/racks/h1-r02-k03`)).state, (v) => v === 'live'), 10_000);
    });

    it.runIf(broker.keepaliveWill)('shows offline as soon as the broker publishes the Last Will of a silent publisher', async () => {
      const keepaliveS = 4;
      const statusTopic = probeTopic('probe-3', 'status');
      const watcher = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, clientId: `hallwatch-test-watch-${process.pid}` });
      let willAt = 0;
      watcher.on('message', (_t, p) => {
        if (p.toString() === 'offline' && !willAt) willAt = Date.now();
      });
      await watcher.subscribeAsync(statusTopic);
      const socket = netConnect(Number(new URL(mqttUrl).port), '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(mqttPacket.generate({
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'silent-probe-3', keepalive: keepaliveS,
        will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      } as any));
      const silentFrom = Date.now();
      const index = (await getJson(`${server.baseUrl}/api/site`)).racks.find((r: any) => r.id === 'probe-3').index;
      const ws = await WsProbe.open(`ws://127.0.0.1:${server.port}/ws`);
      let offline: DeltaMessage;
      try {
        await pub.publishAsync(probeTopic('probe-3'), JSON.stringify({ ts: Date.now(), rackKw: 90, supplyC: 40, returnC: 47, flowLpm: 180 }));
        await waitFor('probe-3 live', async () => seen((await getJson(`${server.baseUrl}/api/racks/probe-3`)).state, (v) => v === 'live'));
        // The client now says nothing: no PINGREQ, no DISCONNECT, socket left open.
        const marksOffline = (m: ServerMessage): m is DeltaMessage =>
          m.type === 'delta' && m.racks.idx.some((i, k) => i === index && m.racks.cols[RACK_COL.state][k] === EntityState.Offline);
        offline = await ws.next('delta marking probe-3 offline', marksOffline, 20_000);
      } finally {
        ws.close();
        socket.destroy();
        await watcher.endAsync();
      }
      expect(willAt).toBeGreaterThan(0);
      // Hallwatch's part: offline as the will arrives, not when a later sample or poll tells it. The frame's time is
      // the server's and `willAt` is when this busy test process saw the same will: a second covers both latencies,
      // and a rack marked from anything but the will (its staleness came seconds before) lands far outside it.
      expect(Math.abs(offline.serverTimeMs - willAt)).toBeLessThan(1000);
      // The broker's part: MQTT 3.1.1 §3.1.2.10 asks for 1.5 × keepalive; Mosquitto 2.0 checks
      // keepalives on a coarse timer (measured here: 1.5–3 × for a 4 s keepalive, the slow end on
      // a loaded machine). The bound only says the will came from the keepalive, not a reconnect.
      expect(willAt - silentFrom).toBeGreaterThanOrEqual(1.5 * keepaliveS * 1000 - 1000);
      expect(willAt - silentFrom).toBeLessThanOrEqual(4 * keepaliveS * 1000);
    });

    it.runIf(!!broker.restart)('rides out a broker restart: degraded, no rack shown live, then live again by itself', async () => {
      const outage = broker.restart!(5000);
      const health = await waitFor('healthz degraded', async () => {
        const res = await fetch(`${server.baseUrl}/healthz`);
        return res.status === 503 ? res.json() : notYet({ status: res.status });
      }, 5000, 50);
      expect(health).toMatchObject({ status: 'degraded', checks: { mqtt: 'disconnected' } });
      // Stale after 3 s without samples, or offline at once if the broker sent Last Wills as it went down.
      await waitFor('no rack live during the outage', async () => {
        const t = (await hall()).totals;
        return (t.racksLive === 0 && t.racksStale + t.racksOffline >= 8) || notYet(t);
      }, 5000);
      await outage;
      await waitFor('racks live after the restart', async () => {
        const racks = (await hall()).racks.filter((r: any) => !r.id.startsWith('probe')).map((r: any) => `${r.id} ${r.state}`);
        return racks.filter((r: string) => r.endsWith(' live')).length === 8 || notYet(racks);
      }, 15_000);
      expect(await getJson(`${server.baseUrl}/healthz`)).toMatchObject({ status: 'ok' });
      expect(server.proc.exitCode).toBeNull();
      await waitFor('test publisher reconnected by itself', () => seen(pub.connected, (c) => c), 10_000);
    });

    it('survives a flood of 10,000 malformed messages, counts them by reason, and keeps the good stream', async () => {
      const rejectedBefore = await metric('hallwatch_messages_rejected_total{reason="malformed_json"}');
      const acceptedBefore = await metric('hallwatch_messages_accepted_total{kind="rack"}');
      const t0 = Date.now();
      const garbage = [
        [probeTopic('h1-r01-k01'), '{not json'],
        [probeTopic('ghost-rack'), JSON.stringify({ ts: Date.now(), rackKw: 1, supplyC: 40, returnC: 41, flowLpm: 1 })],
        [probeTopic('h1-r01-k01'), JSON.stringify({ ts: Date.now(), rackKw: 'NaN', supplyC: 40, returnC: 41, flowLpm: 1 })],
        [probeTopic('h1-r01-k01'), JSON.stringify({ ts: Date.now(), rackKw: 50, supplyC: 40, returnC: 41, flowLpm: -5 })],
        [probeTopic('h1-r01-k01'), 'x'.repeat(17_000)],
      ];
      for (let i = 0; i < 10_000; i++) {
        const [topic, payload] = garbage[i % garbage.length];
        pub.publish(topic, payload, { qos: 0 });
        if (i % 200 === 0) await sleep(10);
      }
      const counted = await waitFor('10,000 rejections counted', async () => {
        const reasons = ['malformed_json', 'unknown_rack', 'wrong_type', 'out_of_range', 'oversized'];
        const values = await Promise.all(reasons.map((r) => metric(`hallwatch_messages_rejected_total{reason="${r}"}`)));
        const done = values[0] - rejectedBefore >= 2000 && values.reduce((a, b) => a + b, 0) >= 10_000;
        return done ? values : notYet(Object.fromEntries(reasons.map((r, k) => [r, values[k]])));
      }, 20_000);
      expect(counted[0] - rejectedBefore).toBe(2000);
      expect(counted[1]).toBeGreaterThanOrEqual(2000);
      expect(counted[4]).toBeGreaterThanOrEqual(2000);
      // Good samples kept flowing: 8 racks at 1 Hz over the flood's duration.
      await sleep(2000);
      const acceptedAfter = await metric('hallwatch_messages_accepted_total{kind="rack"}');
      const seconds = (Date.now() - t0) / 1000;
      // Less two ticks each end: the simulator's 1 s timer drifts while the flood holds the CPU.
      expect(acceptedAfter - acceptedBefore).toBeGreaterThanOrEqual(Math.floor(8 * (seconds - 2.5)));
      const h = await hall();
      expect(h.racks.filter((r: any) => !r.id.startsWith('probe') && r.state === 'live')).toHaveLength(8);
      const garbageRack = await getJson(`${server.baseUrl}/api/racks/h1-r01-k01`);
      expect(garbageRack.flowLpm).toBeGreaterThan(100);
      expect(server.proc.exitCode).toBeNull();
    });

    it('shows an injected CDU trip within seconds: unit stopped, N+1 lost', async () => {
      // At full load the row's 4 racks (~490 kW of heat) need two of the three 400 kW units.
      await pub.publishAsync(simulatorControlTopic('hallwatch/v1'), 'surge:h1-r01', { qos: 1 });
      await pub.publishAsync(simulatorControlTopic('hallwatch/v1'), 'cdu-trip:h1-r01-cdu-a', { qos: 1 });
      const cdu = await waitFor('h1-r01-cdu-a tripped', async () => {
        const c = await getJson(`${server.baseUrl}/api/cdus/h1-r01-cdu-a`);
        return c.running === false && c.availableCapacityKw === 0 ? c : notYet(c);
      }, 5000);
      expect(cdu.availableCapacityKw).toBe(0);
      const partner = await waitFor('N+1 lost in the group', async () => {
        const c = await getJson(`${server.baseUrl}/api/cdus/h1-r01-cdu-b`);
        return c.n1HeadroomKw < 0 ? c : notYet(c);
      }, 15_000);
      expect(partner.loadKw).toBeGreaterThan(0);
      const h = await hall();
      expect(h.totals.groupsN1Lost).toBe(1);
      await pub.publishAsync(simulatorControlTopic('hallwatch/v1'), 'clear-all', { qos: 1 });
    });

  });
}
