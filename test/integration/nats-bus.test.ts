/**
 * The bus as a cluster: two real servers and the real simulator on a real 3-node NATS cluster's
 * MQTT listener, each given the three nodes' URLs. Every server takes the whole stream; a server
 * whose node is killed (-9) reconnects to another and its racks are live again; with 2 of 3
 * nodes down no new MQTT connection is accepted, and the server keeps serving what it has and
 * says so on /healthz until a node returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startNatsCluster, type NatsCluster, type NatsNode } from '../helpers/nats-cluster.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { getJson, notYet, waitFor, type NotYet } from '../helpers/wait.ts';
import { connectMqtt } from '../../server/broker/mqtt-client.ts';
import { subscriptionFilters, DEFAULT_TOPIC_ROOT } from '../../protocol/topics.ts';

type Server = Awaited<ReturnType<typeof startServer>>;

/** A failover: NATS elects stream leaders and the client walks its list, so it takes seconds (measured, logged, not asserted). */
const FAILOVER_TIMEOUT_MS = 90_000;
/** Each test waits for up to two failovers and a node's restart. */
const TEST_TIMEOUT_MS = 4 * FAILOVER_TIMEOUT_MS;

describe('the bus on a 3-node NATS cluster (nats-server 2.9 MQTT)', () => {
  const sites = writeTestSites();
  let cluster: NatsCluster;
  // a: at-least-once (QoS 1 on a persistent session: JetStream consumers, replicated 3×); b: at-most-once.
  let a: Server;
  let b: Server;
  let sim: Program;
  const clientIds = { a: `hallwatch-ingest-a-${process.pid}`, b: `hallwatch-ingest-b-${process.pid}` };

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    const serverArgs = (id: string, delivery: string) =>
      ['--site', sites.simulated, '--mqtt', cluster.mqttUrls, '--mqtt-client-id', id, '--ingest-delivery', delivery];
    // Its info log names each broker it connects to.
    a = await startServer([...serverArgs(clientIds.a, 'at-least-once'), '--log-level', 'info']);
    b = await startServer(serverArgs(clientIds.b, 'at-most-once'));
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', cluster.mqttUrls, '--seed', '3']);
  });

  afterAll(async () => {
    await sim?.stop();
    await a?.stop();
    await b?.stop();
    await cluster?.stop();
  });

  // The simulated site: the server's test site without its probe row.
  const racks = sites.spec.halls[0].rows.flatMap((r) => r.racks).length - sites.probeRackIds.length;
  const hall = (s: Server) => getJson(`${s.baseUrl}/api/halls/hall-1`);
  const healthz = async (s: Server) => (await fetch(`${s.baseUrl}/healthz`)).json();
  const accepted = async (s: Server) => {
    const text = await (await fetch(`${s.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('hallwatch_messages_accepted_total{kind="rack"}'));
    return line ? Number(line.split(' ')[1]) : 0;
  };
  /** Every rack and CDU live with a sample taken after `sinceMs`. */
  const allFresh = (s: Server, sinceMs: number) => async () => {
    const h = await hall(s);
    const stale = [...h.racks, ...h.cdus].filter((e: any) => e.state !== 'live' || !(e.tsMs > sinceMs)).map((e: any) => [e.id, e.state, e.tsMs]);
    return (h.racks.length === racks && stale.length === 0) || notYet({ stale });
  };
  /** The node server a's ingest last connected to, by its own log line ("connected to MQTT broker …"). */
  const ingestNodeOfA = (): NatsNode | undefined => {
    const last = [...a.output().matchAll(/connected to MQTT broker (\S+)/g)].at(-1)?.[1];
    return cluster.nodes.find((n) => n.mqttUrl === last);
  };
  /** That node while the ingest is connected to it, and the node's monitor lists the client too. */
  const connectedNodeOfA = async (): Promise<NatsNode | NotYet> => {
    const node = ingestNodeOfA();
    const mqtt = (await healthz(a)).checks?.mqtt;
    if (!node || mqtt !== 'connected') return notYet({ node: node?.name ?? 'none', mqtt });
    const connz = await getJson(`${node.monitorUrl}/connz?mqtt_client=${encodeURIComponent(clientIds.a)}`);
    return connz.num_connections > 0 ? node : notYet({ node: node.name, connz: connz.num_connections });
  };
  const log = (line: string) => process.stdout.write(`nats-bus: ${line}\n`);

  it('brings every rack live on both servers, each taking every sample (plain subscriptions, no queue group)', async () => {
    await waitFor('every rack and CDU live on server a', allFresh(a, 0), FAILOVER_TIMEOUT_MS);
    await waitFor('every rack and CDU live on server b', allFresh(b, 0), FAILOVER_TIMEOUT_MS);
    // The reference: a plain subscriber of our own, counting what the racks publish.
    let published = 0;
    const tap: MqttClient = connectMqtt({ urls: cluster.mqttUrls, clientId: `hallwatch-test-tap-${process.pid}` });
    try {
      await new Promise<void>((resolve) => tap.once('connect', () => resolve()));
      tap.on('message', (topic) => void (/\/rack\/[^/]+\/telemetry$/.test(topic) && published++));
      await tap.subscribeAsync(subscriptionFilters(DEFAULT_TOPIC_ROOT));
      const [a0, b0, p0] = [await accepted(a), await accepted(b), published];
      await waitFor('10 samples of every rack at the reference subscriber', () => published - p0 >= 10 * racks || notYet({ published: published - p0 }));
      const [da, db, dp] = [(await accepted(a)) - a0, (await accepted(b)) - b0, published - p0];
      log(`rack samples in the same window: published ${dp}, server a took ${da}, server b took ${db}`);
      // A shared subscription would split them: each server near half.
      for (const d of [da, db]) {
        expect(d).toBeGreaterThanOrEqual(dp * 0.9);
        expect(d).toBeLessThanOrEqual(dp * 1.1);
      }
    } finally {
      await tap.endAsync(true);
    }
  }, TEST_TIMEOUT_MS);

  it('keeps the at-least-once session (QoS 1) as JetStream consumers replicated on all three nodes', async () => {
    // nats-server stores QoS 1 messages under `$MQTT.msgs.` + the topic as a subject (`/` → `.`, `+` → `*`).
    const filters = subscriptionFilters(DEFAULT_TOPIC_ROOT).map((f) => `$MQTT.msgs.${f.replaceAll('/', '.').replaceAll('+', '*')}`);
    const jsz = await getJson(`${cluster.nodes[0].monitorUrl}/jsz?accounts=true&streams=true&consumers=true&config=true`);
    const consumers = jsz.account_details.flatMap((acc: any) => acc.stream_detail ?? []).filter((st: any) => st.name === '$MQTT_msgs')
      .flatMap((st: any) => st.consumer_detail ?? []);
    for (const filter of filters) {
      // Only server a subscribes with QoS 1: server b's clean session and our tap take QoS 0 (no consumer).
      const mine = consumers.filter((c: any) => c.config.filter_subject === filter);
      expect(mine, filter).toHaveLength(1);
      // A node lists the consumer's other peers as its replicas.
      const peers = new Set([cluster.nodes[0].name, ...mine[0].cluster.replicas.map((r: any) => r.name)]);
      expect([...peers].sort()).toEqual(cluster.nodes.map((n) => n.name).sort());
    }
  }, TEST_TIMEOUT_MS);

  it('reconnects to another node when the node the ingest is on is killed (-9), and its racks are live again with fresh samples', async () => {
    const node = await waitFor('server a\'s ingest connected to a node', connectedNodeOfA);
    const crashedMs = Date.now();
    await node.crash();
    log(`killed ${node.name} (-9), which held server a's ingest`);
    const next = await waitFor('server a\'s ingest connected to another node', async () => {
      const n = await connectedNodeOfA();
      return n !== node ? n : notYet({ node: node.name });
    }, FAILOVER_TIMEOUT_MS);
    const reconnectedS = (Date.now() - crashedMs) / 1000;
    await waitFor('every rack and CDU live on server a with samples taken after the kill', allFresh(a, crashedMs), FAILOVER_TIMEOUT_MS);
    const aFreshS = (Date.now() - crashedMs) / 1000;
    await waitFor('every rack and CDU live on server b with samples taken after the kill', allFresh(b, crashedMs), FAILOVER_TIMEOUT_MS);
    const bFreshS = (Date.now() - crashedMs) / 1000;
    const fresh = `every rack fresh on a after ${aFreshS.toFixed(1)} s, on b after ${bFreshS.toFixed(1)} s`;
    log(`ingest a on ${next.name} ${reconnectedS.toFixed(1)} s after the kill; ${fresh}`);
    expect(await healthz(a)).toMatchObject({ checks: { mqtt: 'connected' } });
    await node.start();
    await cluster.healthy();
  }, TEST_TIMEOUT_MS);

  it('with 2 of 3 nodes down keeps serving the last values, reports the ingest disconnected on /healthz, and recovers when a node returns', async () => {
    const node = await waitFor('server a\'s ingest connected to a node', connectedNodeOfA);
    const other = cluster.nodes.find((n) => n !== node)!;
    const downMs = Date.now();
    await node.crash();
    await other.crash();
    log(`killed ${node.name} (server a's) and ${other.name} (-9): JetStream has no quorum`);
    const health = await waitFor('server a\'s /healthz reporting the ingest disconnected', async () => {
      const h = await healthz(a);
      return h.checks?.mqtt === 'disconnected' ? h : notYet(h);
    });
    expect(health.status).toBe('degraded');
    // No new MQTT connection is accepted by the last node: the ingest stays away while its racks go
    // stale — or offline, when a publisher's Last Will reached the server as its own node went.
    const kept = await waitFor('server a showing its racks stale or offline with their last values', async () => {
      const h = await hall(a);
      const notLive = (r: any) => (r.state === 'stale' || r.state === 'offline') && r.rackKw > 0;
      return h.racks.every(notLive) ? h : notYet(h.racks.map((r: any) => [r.id, r.state, r.rackKw]));
    });
    expect(kept.racks).toHaveLength(racks);
    expect((await healthz(a)).checks.mqtt).toBe('disconnected');
    const bLive = (await hall(b)).racks.filter((r: any) => r.state === 'live').length;
    log(`meanwhile server b: mqtt ${(await healthz(b)).checks.mqtt}, ${bLive} of ${racks} racks live`);
    const back = (Date.now() - downMs) / 1000;
    await other.start();
    const returnedMs = Date.now();
    await waitFor('every rack and CDU live on server a once a second node is back', allFresh(a, returnedMs), FAILOVER_TIMEOUT_MS);
    const recoveredS = (Date.now() - returnedMs) / 1000;
    log(`2 of 3 down for ${back.toFixed(1)} s: a served its last values, not live; live again ${recoveredS.toFixed(1)} s after ${other.name} returned`);
    expect(await healthz(a)).toMatchObject({ checks: { mqtt: 'connected' } });
    await node.start();
    await cluster.rejoined();
  }, TEST_TIMEOUT_MS);
});
