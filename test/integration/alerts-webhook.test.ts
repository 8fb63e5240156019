/**
 * Alerts end to end with the simulator and a real Mosquitto: a CDU trip becomes one grouped
 * incident that reaches local webhook, Slack and Alertmanager receivers once each and the broker
 * as retained state; with the receiver down the delivery waits in the outbox — across a server
 * restart — and arrives once when it is back; an acknowledgement stops the repeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { simulatorControlTopic } from '../../protocol/topics.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { freePort } from '../helpers/ports.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { sleep, seen, waitFor } from '../helpers/wait.ts';

interface Received {
  key: string;
  path: string;
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
        this.received.push({ key: String(req.headers['idempotency-key']), path: req.url ?? '', body: JSON.parse(text) });
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
  /** Generic-webhook notifications of one incident and kind. */
  of(incidentId: string, kind = 'firing'): Received[] {
    return this.received.filter((r) => r.path === '/hook' && r.body.incident.id === incidentId && r.body.kind === kind);
  }
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
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
  // A copy of the default rules, so the test can change them through the admin API.
  const rulesPath = join(storage, 'rules.json');
  copyFileSync('config/alert-rules.json', rulesPath);
  const TOKEN = 'alerts-test-admin-token-000';
  const serverArgs = () => [
    '--site', sites.server, '--mqtt', broker.url, '--storage-dir', storage, '--alert-rules', rulesPath, '--admin-token', TOKEN,
    '--alert-webhook', `http://127.0.0.1:${receiver.port}/hook`,
    '--alert-slack', `http://127.0.0.1:${receiver.port}/slack`,
    '--alert-alertmanager', `http://127.0.0.1:${receiver.port}/am`,
    '--alert-allow-targets', `127.0.0.1:${receiver.port}`,
    '--alert-mqtt', '1', '--public-url', 'http://noc.example:8080',
  ];
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.baseUrl + path, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const fault = (f: string) => pub.publishAsync(simulatorControlTopic('hallwatch/v1'), f, { qos: 1 });

  beforeAll(async () => {
    broker = await startMosquitto();
    receiver = new Receiver(await freePort());
    await receiver.up();
    server = await startServer(serverArgs(), { auth: true });
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', broker.url, '--seed', '9']);
    pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await waitFor('racks live', async () => seen((await api('GET', '/api/halls/hall-1')).body.totals.racksLive, (v) => v >= 8));
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
    await waitFor('notification', () => seen(receiver.of('group:h1-r01').length, (v) => v > 0), 15_000);
    await sleep(5000);
    const got = receiver.of('group:h1-r01');
    expect(got).toHaveLength(1);
    expect(got[0].body.incident.title).toMatch(/^h1-r01-cdu-a: CDU tripped/);
    expect(got[0].body.incident.roots.map((r: any) => r.rule)).toContain('cdu-tripped');
    expect(receiver.at('/hook').every((r) => r.body.incident.id === 'group:h1-r01')).toBe(true);
    const alerts = (await api('GET', '/api/alerts')).body;
    expect(alerts.incidents.map((i: any) => i.id)).toEqual(['group:h1-r01']);
    // The same incident, once, on Slack and Alertmanager, with a link to the dashboard.
    const slack = receiver.at('/slack');
    expect(slack).toHaveLength(1);
    expect(slack[0].body.text).toMatch(/^:red_circle: FIRING CRITICAL — h1-r01-cdu-a: CDU tripped/);
    const am = receiver.at('/am/api/v2/alerts');
    expect(am).toHaveLength(1);
    expect(am[0].body).toEqual([expect.objectContaining({ labels: expect.objectContaining({ alertname: 'HallwatchIncident', incident: 'group:h1-r01', severity: 'critical' }), generatorURL: 'http://noc.example:8080/#/incident/group%3Ah1-r01' })]);
    // A subscriber arriving later sees the incident's retained state.
    const late = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const retained = new Promise<any>((r) => late.on('message', (topic, payload, packet) => packet.retain && r({ topic, state: JSON.parse(payload.toString()) })));
    await late.subscribeAsync('hallwatch/v1/alerts/#', { qos: 1 });
    const state = await retained;
    await late.endAsync();
    expect(state.topic).toBe('hallwatch/v1/alerts/group/h1-r01');
    expect(state.state).toMatchObject({ state: 'firing', severity: 'critical', silenced: false, incident: { id: 'group:h1-r01' } });
  });

  it('keeps an undeliverable notification through a server restart and delivers it once the receiver is back', async () => {
    await receiver.down();
    await fault('cdu-trip:h1-r02-cdu-b');
    await waitFor('delivery waiting in the outbox', () => seen(readdirSync(join(storage, 'outbox')), (names) => names.some((n) => n.includes('group%3Ah1-r02'))), 15_000);
    expect(await server.stop()).toBe(0);
    server = await startServer(serverArgs(), { auth: true });
    const restored = (await api('GET', '/api/alerts')).body;
    expect(restored.incidents.map((i: any) => i.id).sort()).toEqual(['group:h1-r01', 'group:h1-r02']);
    await sleep(2000);
    await receiver.up();
    await waitFor('delivered after recovery', () => seen(receiver.of('group:h1-r02').length, (v) => v > 0), 90_000, 200);
    await sleep(3000);
    expect(receiver.of('group:h1-r02')).toHaveLength(1);
    // The first incident was not paged again after the restart.
    expect(receiver.of('group:h1-r01')).toHaveLength(1);
    expect(new Set(receiver.received.map((r) => r.key)).size).toBe(receiver.received.length);
  }, 180_000);

  it('repeats an unacknowledged incident and stops once it is acknowledged; the ack is published', async () => {
    // Repeat every 3 s without damping, through the admin API (the file is rewritten and applied).
    const rules = (await api('GET', '/api/admin/rules')).body;
    const tripped = rules.rules.find((r: any) => r.id === 'cdu-tripped');
    Object.assign(tripped, { repeatS: 3, minNotifyIntervalS: 0 });
    expect(await api('PUT', '/api/admin/rules', rules)).toEqual({ status: 200, body: { ok: true } });
    await waitFor('repeats of both incidents', () => seen([receiver.of('group:h1-r01', 'repeat').length, receiver.of('group:h1-r02', 'repeat').length], ([r01, r02]) => r01 >= 2 && r02 >= 2), 30_000);
    const ack = await api('POST', `/api/incidents/${encodeURIComponent('group:h1-r01')}/ack`, { comment: 'pump swap under way' });
    expect(ack.status).toBe(200);
    await waitFor('acknowledged notification', () => seen(receiver.of('group:h1-r01', 'acknowledged').length, (v) => v === 1));
    const repeatsAtAck = receiver.of('group:h1-r01', 'repeat').length;
    const otherAtAck = receiver.of('group:h1-r02', 'repeat').length;
    await sleep(10_000);
    expect(receiver.of('group:h1-r01', 'repeat').length).toBe(repeatsAtAck);
    // The other incident keeps repeating: the repeat mechanism is alive.
    expect(receiver.of('group:h1-r02', 'repeat').length).toBeGreaterThanOrEqual(otherAtAck + 2);
    const acked = receiver.of('group:h1-r01', 'acknowledged')[0].body;
    expect(acked.acknowledged).toMatchObject({ by: 'admin-token', comment: 'pump swap under way' });
    expect(receiver.at('/slack').some((r) => /^:red_circle: ACKNOWLEDGED CRITICAL — h1-r01-cdu-a/.test(r.body.text))).toBe(true);
    const snapshot = (await api('GET', '/api/alerts')).body;
    expect(snapshot.incidents.find((i: any) => i.id === 'group:h1-r01').acknowledged).toMatchObject({ by: 'admin-token', comment: 'pump swap under way' });
  }, 90_000);

  it('resolves: notifies the end, clears the retained state and moves the incident to history', async () => {
    await fault('clear-all');
    await waitFor('resolved notification', () => seen([receiver.of('group:h1-r01', 'resolved').length, receiver.of('group:h1-r02', 'resolved').length], ([r01, r02]) => r01 === 1 && r02 === 1), 60_000);
    const am = receiver.at('/am/api/v2/alerts').flatMap((r) => r.body).filter((a: any) => a.labels.incident === 'group:h1-r01');
    expect(Date.parse(am.at(-1).endsAt)).toBeLessThanOrEqual(Date.now());
    expect((await api('GET', '/api/alerts')).body.history).toBeUndefined();
    const history = (await api('GET', '/api/alerts?history=1')).body.history;
    expect(history.map((h: any) => h.id)).toEqual(expect.arrayContaining(['group:h1-r01', 'group:h1-r02']));
    expect(history.find((h: any) => h.id === 'group:h1-r01')).toMatchObject({ notified: true, acknowledged: { comment: 'pump swap under way' }, resolvedMs: expect.any(Number) });
    const late = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const retained: string[] = [];
    late.on('message', (topic, _p, packet) => packet.retain && retained.push(topic));
    await late.subscribeAsync('hallwatch/v1/alerts/#', { qos: 1 });
    await sleep(1000);
    await late.endAsync();
    expect(retained).toEqual([]);
  }, 90_000);
});
