/**
 * Alerts end to end with the simulator and a real Mosquitto: a CDU trip becomes one grouped
 * incident that reaches a local webhook receiver once; with the receiver down the delivery waits
 * in the outbox — across a server restart — and arrives once when it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { simulatorControlTopic } from '../../protocol/topics.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { freePort } from '../helpers/ports.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, sleep, waitFor } from '../helpers/wait.ts';

interface Received {
  key: string;
  body: any;
}

class Receiver {
  readonly received: Received[] = [];
  private server: Server | null = null;
  constructor(readonly port: number) {}
  async up(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        this.received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(text) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
  }
  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  of(incidentId: string, kind = 'firing'): Received[] {
    return this.received.filter((r) => r.body.incident.id === incidentId && r.body.kind === kind);
  }
}

describe('alerts to a webhook', () => {
  const sites = writeTestSites();
  const storage = mkdtempSync(join(tmpdir(), 'hallwatch-alerts-'));
  let broker: Mosquitto;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let pub: MqttClient;
  let receiver: Receiver;
  const serverArgs = () => ['--site', sites.server, '--mqtt', broker.url, '--storage-dir', storage, '--alert-webhook', `http://127.0.0.1:${receiver.port}/hook`];
  const fault = (f: string) => pub.publishAsync(simulatorControlTopic('hallwatch/v1'), f, { qos: 1 });

  beforeAll(async () => {
    broker = await startMosquitto();
    receiver = new Receiver(await freePort());
    await receiver.up();
    server = await startServer(serverArgs());
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', broker.url, '--seed', '9']);
    pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await waitFor('racks live', async () => (await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksLive >= 8);
  });

  afterAll(async () => {
    await pub?.endAsync();
    await sim?.stop();
    await server?.stop();
    await receiver?.down();
    await broker?.stop();
  });

  it('turns a CDU trip into one incident naming the CDU, delivered once', async () => {
    await sleep(3000);
    expect(receiver.received).toEqual([]);
    await fault('cdu-trip:h1-r01-cdu-a');
    await waitFor('notification', () => receiver.of('group:h1-r01').length > 0, 15_000);
    await sleep(5000);
    const got = receiver.of('group:h1-r01');
    expect(got).toHaveLength(1);
    expect(got[0].body.incident.title).toMatch(/^h1-r01-cdu-a: CDU tripped/);
    expect(got[0].body.incident.roots.map((r: any) => r.rule)).toContain('cdu-tripped');
    expect(receiver.received.every((r) => r.body.incident.id === 'group:h1-r01')).toBe(true);
    const alerts = await getJson(`${server.baseUrl}/api/alerts`);
    expect(alerts.incidents.map((i: any) => i.id)).toEqual(['group:h1-r01']);
  });

  it('keeps an undeliverable notification through a server restart and delivers it once the receiver is back', async () => {
    await receiver.down();
    await fault('cdu-trip:h1-r02-cdu-b');
    await waitFor('delivery waiting in the outbox', () => readdirSync(join(storage, 'outbox')).some((n) => n.includes('group%3Ah1-r02')), 15_000);
    expect(await server.stop()).toBe(0);
    server = await startServer(serverArgs());
    const restored = await getJson(`${server.baseUrl}/api/alerts`);
    expect(restored.incidents.map((i: any) => i.id).sort()).toEqual(['group:h1-r01', 'group:h1-r02']);
    await sleep(2000);
    await receiver.up();
    await waitFor('delivered after recovery', () => receiver.of('group:h1-r02').length > 0, 90_000, 200);
    await sleep(3000);
    expect(receiver.of('group:h1-r02')).toHaveLength(1);
    // The first incident was not paged again after the restart.
    expect(receiver.of('group:h1-r01')).toHaveLength(1);
    expect(new Set(receiver.received.map((r) => r.key)).size).toBe(receiver.received.length);
  }, 180_000);
});
