/**
 * Alerts end to end with the simulator and a real Mosquitto: a CDU trip becomes one grouped
 * incident that reaches local webhook, Slack and Alertmanager receivers once each and the broker
 * as retained state; with the receiver down the delivery waits in the outbox — across a server
 * restart — and arrives once when it is back; an acknowledgement stops the repeats. Each test
 * trips the CDUs it needs on a site without incidents and clears them after; "nothing more was
 * sent" is checked once the server has concluded further evaluations and its outbox is empty.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { simulatorControlTopic } from '../../protocol/topics.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { freePort } from '../helpers/ports.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { seen, waitFor } from '../helpers/wait.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';

describe('alerts to a webhook', () => {
  const sites = writeTestSites();
  const storage = mkdtempSync(join(tmpdir(), 'hallwatch-alerts-'));
  let broker: Mosquitto;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let pub: MqttClient;
  let receiver: Receiver;
  // A copy of the default rules, so the test can change them through the admin API. A cleared trip resolves
  // after 1 s, and no flap damping: each test trips and clears its own CDUs, some of them tripped before.
  const rulesPath = join(storage, 'rules.json');
  const rules = JSON.parse(readFileSync('config/alert-rules.json', 'utf8'));
  Object.assign(rules.defaults, { keepFiringS: 1, minNotifyIntervalS: 0 });
  writeFileSync(rulesPath, JSON.stringify(rules));
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
    const res = await fetch(server.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const openIncidents = async (): Promise<string[]> => (await api('GET', '/api/alerts')).body.incidents.map((i: { id: string }) => i.id);
  const metric = async (series: string): Promise<number> => {
    const text = await (await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  /** Waits until the server has concluded `passes` more whole evaluations and sent all they queued. */
  const settled = async (passes = 2, timeoutMs = 20_000) => {
    const from = await metric('hallwatch_alert_evaluations_total');
    await waitFor(`${passes} more alert evaluations and an empty outbox`, async () => {
      const now = { evaluations: (await metric('hallwatch_alert_evaluations_total')) - from, pending: await metric('hallwatch_notifications_pending') };
      return seen(now, (v) => v.evaluations >= passes && v.pending === 0);
    }, timeoutMs);
  };
  const fault = (f: string) => pub.publishAsync(simulatorControlTopic('hallwatch/v1'), f, { qos: 1 });
  /** Trips a CDU and waits for its group's incident to be delivered. */
  const trip = async (cduId: string, incidentId: string) => {
    await fault(`cdu-trip:${cduId}`);
    await waitFor(`${incidentId} delivered`, () => seen(receiver.of(incidentId).length, (n) => n > 0), 15_000);
  };

  beforeAll(async () => {
    broker = await startMosquitto();
    receiver = new Receiver(await freePort());
    await receiver.up();
    server = await startServer(serverArgs(), { auth: true });
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', broker.url, '--seed', '9']);
    pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await waitFor('racks live', async () => seen((await api('GET', '/api/halls/hall-1')).body.totals.racksLive, (v) => v >= 8));
  });

  // A site without incidents, nothing waiting to be sent and nothing received, whatever ran before.
  beforeEach(async () => {
    await receiver.up();
    await fault('clear-all');
    await waitFor('no open incident', async () => seen(await openIncidents(), (ids) => ids.length === 0), 30_000);
    await settled(1);
    receiver.received.length = 0;
  });

  afterAll(async () => {
    await pub?.endAsync();
    await sim?.stop();
    await server?.stop();
    await receiver?.down();
    await broker?.stop();
  });

  it('turns a CDU trip into one incident naming the CDU, delivered once', async () => {
    await trip('h1-r01-cdu-a', 'group:h1-r01');
    await settled();
    const got = receiver.of('group:h1-r01');
    expect(got).toHaveLength(1);
    expect(got[0].body.incident.title).toMatch(/^h1-r01-cdu-a: CDU tripped/);
    expect(got[0].body.incident.roots.map((r: any) => r.rule)).toContain('cdu-tripped');
    // What it costs and what to do, the same text on every channel.
    const { action, impact } = got[0].body.incident;
    expect(action).toMatch(/^dispatch to h1-r01-cdu-a: read its fault code, reset or restart it/);
    expect(impact).toMatch(/^partners at \d+ %/);
    // Nothing else: the racks the CDU serves are under its incident, and the healthy racks were evaluated in the same passes.
    expect(receiver.at('/hook').map((r) => r.body.incident.id)).toEqual(['group:h1-r01']);
    expect(await openIncidents()).toEqual(['group:h1-r01']);
    // The same incident, once, on Slack and Alertmanager, with a link to the dashboard.
    const slack = receiver.at('/slack');
    expect(slack).toHaveLength(1);
    expect(slack[0].body.text).toMatch(/^:red_circle: FIRING CRITICAL — h1-r01-cdu-a: CDU tripped/);
    expect(slack[0].body.text.split('\n')[1]).toBe(`→ ${action}`);
    const am = receiver.alertmanager();
    expect(am).toHaveLength(1);
    expect(am[0].body).toEqual([
      expect.objectContaining({
        labels: expect.objectContaining({ alertname: 'HallwatchIncident', incident: 'group:h1-r01', severity: 'critical' }),
        generatorURL: 'http://noc.example:8080/#/incident/group%3Ah1-r01',
        annotations: expect.objectContaining({ action, impact }),
      }),
    ]);
    // A subscriber arriving later sees the incident's retained state.
    const late = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const retained = new Promise<any>((r) =>
      late.on('message', (topic, payload, packet) => packet.retain && r({ topic, state: JSON.parse(payload.toString()) })));
    await late.subscribeAsync('hallwatch/v1/alerts/#', { qos: 1 });
    const state = await retained;
    await late.endAsync();
    expect(state.topic).toBe('hallwatch/v1/alerts/group/h1-r01');
    expect(state.state).toMatchObject({ state: 'firing', severity: 'critical', silenced: false, action, incident: { id: 'group:h1-r01', action } });
  });

  it('keeps an undeliverable notification through a server restart and delivers it once the receiver is back', async () => {
    await trip('h1-r01-cdu-a', 'group:h1-r01');
    await receiver.down();
    await fault('cdu-trip:h1-r02-cdu-b');
    const outbox = join(storage, 'outbox');
    await waitFor('delivery waiting in the outbox', () => seen(readdirSync(outbox), (names) => names.some((n) => n.includes('group%3Ah1-r02'))), 15_000);
    expect(await server.stop()).toBe(0);
    server = await startServer(serverArgs(), { auth: true });
    expect((await openIncidents()).sort()).toEqual(['group:h1-r01', 'group:h1-r02']);
    // The restarted server found the receiver down too: the delivery waited for it, not for this test.
    await waitFor('a failed attempt after the restart', async () =>
      seen(await metric('hallwatch_notifications_total{channel="webhook",outcome="retry"}'), (n) => n > 0), 15_000);
    await receiver.up();
    await waitFor('delivered after recovery', () => seen(receiver.of('group:h1-r02').length, (v) => v > 0), 90_000, 200);
    // Slack and Alertmanager wait out their own backoff.
    await settled(2, 90_000);
    expect(receiver.of('group:h1-r02')).toHaveLength(1);
    // The incident delivered before the restart was not paged again after it.
    expect(receiver.of('group:h1-r01')).toHaveLength(1);
    expect(new Set(receiver.received.map((r) => r.key)).size).toBe(receiver.received.length);
  }, 180_000);

  it('repeats an unacknowledged incident and stops once it is acknowledged; the ack is published', async () => {
    await trip('h1-r01-cdu-a', 'group:h1-r01');
    await trip('h1-r02-cdu-b', 'group:h1-r02');
    // Repeat every 3 s, through the admin API (the file is rewritten and applied); the rules are put back after.
    const before = (await api('GET', '/api/admin/rules')).body;
    const changed = structuredClone(before);
    Object.assign(changed.rules.find((r: any) => r.id === 'cdu-tripped'), { repeatS: 3 });
    expect(await api('PUT', '/api/admin/rules', changed)).toEqual({ status: 200, body: { ok: true } });
    try {
      const repeats = () => ({ r01: receiver.of('group:h1-r01', 'repeat').length, r02: receiver.of('group:h1-r02', 'repeat').length });
      await waitFor('repeats of both incidents', () => seen(repeats(), (n) => n.r01 >= 2 && n.r02 >= 2), 30_000);
      const ack = await api('POST', `/api/incidents/${encodeURIComponent('group:h1-r01')}/ack`, { comment: 'pump swap under way' });
      expect(ack.status).toBe(200);
      await waitFor('acknowledged notification', () => seen(receiver.of('group:h1-r01', 'acknowledged').length, (v) => v === 1));
      const atAck = repeats();
      // Two more repeats of the other incident: two repeat periods went by, the repeat mechanism is alive.
      await waitFor('two more repeats of the unacknowledged incident', () => seen(repeats(), (n) => n.r02 >= atAck.r02 + 2), 30_000);
      expect(repeats().r01).toBe(atAck.r01);
    } finally {
      expect(await api('PUT', '/api/admin/rules', before)).toEqual({ status: 200, body: { ok: true } });
    }
    const acked = receiver.of('group:h1-r01', 'acknowledged')[0].body;
    expect(acked.acknowledged).toMatchObject({ by: 'admin-token', comment: 'pump swap under way' });
    expect(receiver.at('/slack').some((r) => /^:red_circle: ACKNOWLEDGED CRITICAL — h1-r01-cdu-a/.test(r.body.text))).toBe(true);
    const snapshot = (await api('GET', '/api/alerts')).body;
    expect(snapshot.incidents.find((i: any) => i.id === 'group:h1-r01').acknowledged).toMatchObject({ by: 'admin-token', comment: 'pump swap under way' });
  }, 90_000);

  it('resolves: notifies the end, clears the retained state and moves the incident to history', async () => {
    await trip('h1-r01-cdu-a', 'group:h1-r01');
    expect((await api('POST', `/api/incidents/${encodeURIComponent('group:h1-r01')}/ack`, { comment: 'pump swap under way' })).status).toBe(200);
    await fault('clear:h1-r01-cdu-a');
    await waitFor('resolved notification', () => seen(receiver.of('group:h1-r01', 'resolved').length, (n) => n === 1), 60_000);
    await settled(1);
    const am = receiver.at('/am/api/v2/alerts').flatMap((r) => r.body).filter((a: any) => a.labels.incident === 'group:h1-r01');
    expect(Date.parse(am.at(-1).endsAt)).toBeLessThanOrEqual(Date.now());
    expect((await api('GET', '/api/alerts')).body.history).toBeUndefined();
    const history = (await api('GET', '/api/alerts?history=1')).body.history;
    expect(history[0]).toMatchObject({ id: 'group:h1-r01', notified: true, acknowledged: { comment: 'pump swap under way' }, resolvedMs: expect.any(Number) });
    // A marker published after subscribing arrives after every retained message the broker had.
    const late = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const retained: string[] = [];
    const marker = `hallwatch-test/marker-${process.pid}`;
    const markerArrived = new Promise<void>((r) => late.on('message', (topic, _p, packet) => (topic === marker ? r() : packet.retain && retained.push(topic))));
    await late.subscribeAsync(['hallwatch/v1/alerts/#', marker], { qos: 1 });
    await late.publishAsync(marker, 'after the retained ones', { qos: 1 });
    await markerArrived;
    await late.endAsync();
    expect(retained).toEqual([]);
  }, 90_000);
});
