/**
 * Random and mutated MQTT packets at the embedded broker (aedes) of a running server, with a
 * healthy publisher alongside: the broker and server must not crash and every healthy sample must
 * arrive. Includes the zero-length-topic PUBLISH of CVE-2021-34432, a Will with QoS 3 and a
 * remaining length larger than the packet.
 */
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { startServer } from '../../test/helpers/programs.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { connectClient, fmt, metric, rackSample, rssMb } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

/** A seeded PRNG (mulberry32): the same run sends the same packets. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);
const CONNECT = gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'fuzz', keepalive: 30 });
const VALID = [
  CONNECT,
  gen({
    cmd: 'publish', topic: 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', payload: Buffer.from('{"ts":1}'),
    qos: 1, messageId: 7, retain: false, dup: false,
  }),
  gen({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: '#', qos: 1 }] }),
  gen({ cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['#'] }),
  gen({ cmd: 'pingreq' }),
  gen({ cmd: 'puback', messageId: 9 }),
  gen({ cmd: 'pubrel', messageId: 9 }),
];
/** Packets with known histories: each is sent after a valid CONNECT. */
const SPECIAL: [string, Buffer][] = [
  // CVE-2021-34432: PUBLISH with a zero-length topic.
  ['zero-length topic', Buffer.from([0x30, 0x05, 0x00, 0x00, 0x41, 0x42, 0x43])],
  ['zero-length topic, QoS 1', Buffer.from([0x32, 0x07, 0x00, 0x00, 0x00, 0x01, 0x41, 0x42, 0x43])],
  // CONNECT with will flag and Will QoS 3 (flags 0b00011110).
  ['Will QoS 3', Buffer.from([
    // Fixed header, "MQTT", level 4, flags, keep-alive.
    0x10, 0x1a, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x1e, 0x00, 0x1e,
    // Client ID "x", will topic "a/b", will message "hello", one trailing byte.
    0x00, 0x01, 0x78, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
  ])],
  // Remaining length 268,435,455 with a few bytes behind it.
  ['remaining length beyond the packet', Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61])],
  ['remaining length of 5 bytes (malformed)', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00])],
  ['reserved packet type 0', Buffer.from([0x00, 0x00])],
  ['reserved packet type 15', Buffer.from([0xf0, 0x00])],
  ['second CONNECT', CONNECT],
  ['SUBSCRIBE with no topics', Buffer.from([0x82, 0x02, 0x00, 0x01])],
  ['SUBSCRIBE QoS 3', Buffer.from([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x23, 0x03])],
];

function mutate(rnd: () => number): Buffer {
  const r = rnd();
  if (r < 0.3) return Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
  const base = Buffer.from(VALID[Math.floor(rnd() * VALID.length)]);
  const flips = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < flips; k++) base[Math.floor(rnd() * base.length)] = Math.floor(rnd() * 256);
  if (rnd() < 0.2) return base.subarray(0, Math.max(1, Math.floor(rnd() * base.length)));
  return base;
}

/** Sends packets on one connection until `budget` is spent or the broker closes it; returns how many were written. */
function fuzzConnection(port: number, packets: Buffer[]): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const s: Socket = connect(port, '127.0.0.1');
    const done = () => {
      s.destroy();
      resolve(sent);
    };
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => {});
    s.once('connect', () => {
      for (const p of packets) {
        if (s.destroyed) break;
        s.write(p);
        sent++;
      }
      setTimeout(done, 20);
    });
  });
}

export const mqttFuzz: Scenario = {
  name: 'random MQTT packets at the embedded broker',
  short: true,
  async run(scale, log) {
    const total = scale === 'short' ? 5_000 : 100_000;
    const server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    const rows: ChaosRow[] = [];
    try {
      const port = Number(new URL(server.mqttUrl).port);
      const rnd = prng(34432);
      const rssBefore = rssMb(server.proc.pid!);
      // The healthy publisher: the 16 racks of row h2-r01, QoS 1, every 200 ms, for the whole fuzz.
      const healthy = await connectClient(server.mqttUrl, 'healthy-publisher');
      const racks = Array.from({ length: 16 }, (_, k) => `h2-r01-k${String(k + 1).padStart(2, '0')}`);
      let published = 0;
      let stopHealthy = false;
      const acceptedBefore = await metric(server.baseUrl, 'hallwatch_messages_accepted_total', 'kind="rack"');
      const healthyLoop = (async () => {
        while (!stopHealthy) {
          const ts = Date.now();
          await Promise.all(racks.map((id) => healthy.publishAsync(`hallwatch/v1/hall-2/rack/${id}/telemetry`, JSON.stringify(rackSample(ts)), { qos: 1 })));
          published += racks.length;
          await sleep(200);
        }
      })();
      let sent = 0;
      let connections = 0;
      const special = new Map<string, number>();
      while (sent < total) {
        const batch = await Promise.all(Array.from({ length: 16 }, () => {
          const packets: Buffer[] = [];
          if (rnd() < 0.7) packets.push(CONNECT);
          if (rnd() < 0.3) {
            const [name, p] = SPECIAL[Math.floor(rnd() * SPECIAL.length)];
            special.set(name, (special.get(name) ?? 0) + 1);
            packets.push(p);
          }
          for (let k = 0; k < 1 + Math.floor(rnd() * 60); k++) packets.push(mutate(rnd));
          connections++;
          return fuzzConnection(port, packets);
        }));
        sent += batch.reduce((a, b) => a + b, 0);
        if (connections % 800 === 0) log(`${fmt(sent)} packets on ${fmt(connections)} connections`);
        if (server.proc.exitCode !== null) break;
      }
      stopHealthy = true;
      await healthyLoop;
      await sleep(500);
      const accepted = (await metric(server.baseUrl, 'hallwatch_messages_accepted_total', 'kind="rack"')) - acceptedBefore;
      const alive = server.proc.exitCode === null && (await fetch(`${server.baseUrl}/healthz`).then((r) => r.status, () => 0)) === 200;
      const fresh = await connectClient(server.mqttUrl).then((c) => (c.end(true), true), () => false);
      const rssAfter = rssMb(server.proc.pid!);
      await healthy.endAsync();
      log(
        `${fmt(sent)} packets on ${fmt(connections)} connections (special: ` +
          `${[...special].map(([k, v]) => `${k} ${v}`).join(', ')}); healthy ${accepted}/${published}; alive ${alive}; ` +
          `new client ${fresh}; RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`,
      );
      rows.push(row(
        'random MQTT packets',
        `${fmt(sent)} random and mutated packets on ${fmt(connections)} connections, incl. ${[...special.keys()].join(', ')}`,
        'broker and server never crash; a new client still connects',
        `${alive ? 'server up, /healthz 200' : 'server DOWN'}; new client ${fresh ? 'connected' : 'refused'}; RSS ${fmt(rssBefore)} → ${fmt(rssAfter)} MB`,
        alive && fresh,
      ));
      rows.push(row(
        'random MQTT packets',
        'a healthy publisher alongside (16 racks, QoS 1, 5 Hz)',
        '100 % delivery',
        `${fmt(accepted)} of ${fmt(published)} accepted (${fmt((accepted / published) * 100, 2)} %)`,
        accepted === published,
      ));
    } finally {
      await server.stop();
    }
    return rows;
  },
};
