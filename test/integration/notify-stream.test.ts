/**
 * The notification stream of a pair against a real three-node NATS cluster and a real HTTP
 * webhook receiver: the same notification decided by both servers is delivered once; one
 * published by a leader that died before sending it is sent by the next leader, once; a
 * retryable failure is retried, a permanent one given up and logged.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster.ts';
import { ClusterLink } from '../../server/cluster/cluster-link.ts';
import { NotifyStream, NOTIFY_STREAM } from '../../server/alerts/notify-stream.ts';
import { webhookChannel } from '../../server/alerts/channels/webhook.ts';
import { targetPolicy } from '../../server/alerts/channels/target-policy.ts';
import { Metrics } from '../../server/http/metrics.ts';
import { createLogger } from '../../server/logger.ts';
import { notYet, waitFor } from '../helpers/wait.ts';

let cluster: NatsCluster;
let receiver: Server;
let hookUrl = '';
const received: { key: string; body: unknown }[] = [];
/** Answers to give, per Idempotency-Key, before answering 200. */
const failFirst = new Map<string, number[]>();
const log = createLogger('error');
const links: ClusterLink[] = [];
const streams: NotifyStream[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      const status = failFirst.get(key)?.shift() ?? 200;
      if (status === 200) received.push({ key, body: JSON.parse(text) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as { port: number }).port;
  hookUrl = `http://127.0.0.1:${port}/hook`;
}, 120_000);

afterAll(async () => {
  for (const s of streams) await s.stop();
  for (const l of links) await l.stop();
  await new Promise((r) => receiver?.close(r));
  await cluster?.stop();
});

/** One server's notification stream; `leads` says whether it leads. */
async function server(name: string, leads: () => boolean, storageDir = mkdtempSync(join(tmpdir(), 'hallwatch-notify-'))) {
  const link = new ClusterLink({ urls: cluster.natsUrls, serverName: name, replicas: 3, requestTimeoutMs: 10_000 }, { log });
  await link.start();
  links.push(link);
  const port = new URL(hookUrl).port;
  const hook = webhookChannel({ url: hookUrl, timeoutMs: 5000, policy: targetPolicy({ alertWebhookAllowLinkLocal: 0, alertAllowTargets: [`127.0.0.1:${port}`] }) });
  const failedLogPath = join(storageDir, 'outbox', 'failed.jsonl');
  const stream = new NotifyStream({
    cfg: { replicas: 3, maxAgeMs: 86_400_000, duplicateWindowMs: 3_600_000, maxRetryDelayMs: 2_000, failedLogPath, publishTimeoutMs: 5_000 },
    cluster: link, senders: { webhook: hook.send }, metrics: new Metrics(), log, clock: Date.now, isLeader: leads, epoch: () => 1,
  });
  return { link, stream, failedLogPath };
}

/** Waits until the stream holds nothing and nothing is out for delivery. */
async function drained(link: ClusterLink): Promise<void> {
  await waitFor('the stream to be drained', async () => {
    const s = (await link.jsm.streams.info(NOTIFY_STREAM)).state;
    const c = await link.jsm.consumers.info(NOTIFY_STREAM, 'hallwatch-notify');
    return (s.messages === 0 && c.num_ack_pending === 0) || notYet({ messages: s.messages, ackPending: c.num_ack_pending });
  }, 30_000);
}

const keys = (id: string) => received.filter((r) => r.key === `${id}:webhook`);

describe('NotifyStream on a three-node cluster', () => {
  let aLeads = true;
  let bLeads = false;
  let a: Awaited<ReturnType<typeof server>>;
  let b: Awaited<ReturnType<typeof server>>;

  test('the same notification decided by both servers reaches the receiver once, with the delivery ID as Idempotency-Key', async () => {
    a = await server('a', () => aLeads);
    b = await server('b', () => bLeads);
    await a.stream.start();
    await b.stream.start();
    streams.push(a.stream, b.stream);
    const id = 'rack:h1-r01-k01@1795514466000:firing';
    // The old leader decided it; the new one decides it again (the ID is a function of the incident).
    await a.stream.enqueue(id, () => ({ kind: 'firing', by: 'a' }));
    bLeads = true;
    await b.stream.enqueue(id, () => ({ kind: 'firing', by: 'b' }));
    bLeads = false;
    await waitFor('the delivery', () => keys(id).length > 0 || notYet(received.map((r) => r.key)));
    await drained(a.link);
    expect(keys(id)).toEqual([{ key: `${id}:webhook`, body: { kind: 'firing', by: 'a' } }]);
  }, 60_000);

  test('a leader that dies after publishing, before sending: the next leader sends it, once', async () => {
    // a stops; a leader that publishes and dies before it pulls anything: an instance that never starts its consumer.
    aLeads = false;
    await a.stream.stop();
    const dying = await server('a-dying', () => true);
    const id = 'group:h1-r02@1795514470000:firing';
    await dying.stream.enqueue(id, () => ({ kind: 'firing', by: 'a' }));
    expect((await b.link.jsm.streams.info(NOTIFY_STREAM)).state.messages).toBe(1);
    bLeads = true;
    // Taking over, b decides the same notification again: the stream drops it.
    await b.stream.enqueue(id, () => ({ kind: 'firing', by: 'b' }));
    await waitFor('the delivery by b', () => keys(id).length > 0 || notYet(received.map((r) => r.key)));
    await drained(b.link);
    expect(keys(id)).toEqual([{ key: `${id}:webhook`, body: { kind: 'firing', by: 'a' } }]);
  }, 60_000);

  test('a standby publishes nothing', async () => {
    bLeads = false;
    const id = 'hall:h1@1795514480000:firing';
    await b.stream.enqueue(id, () => ({ kind: 'firing' }));
    expect((await b.link.jsm.streams.info(NOTIFY_STREAM)).state.messages).toBe(0);
    bLeads = true;
  });

  test('a 503 is retried and then delivered once; a 400 is given up and logged', async () => {
    const retried = 'rack:h1-r03-k02@1795514490000:firing';
    const refused = 'rack:h1-r03-k03@1795514490000:firing';
    failFirst.set(`${retried}:webhook`, [503, 503]);
    failFirst.set(`${refused}:webhook`, [400]);
    const t0 = performance.now();
    await b.stream.enqueue(retried, () => ({ kind: 'firing' }));
    await b.stream.enqueue(refused, () => ({ kind: 'firing' }));
    await waitFor('the retried delivery', () => keys(retried).length > 0 || notYet(failFirst.get(`${retried}:webhook`)), 30_000);
    console.log(`notify stream: delivered after two 503 answers in ${Math.round(performance.now() - t0)} ms`);
    await drained(b.link);
    expect(keys(retried)).toHaveLength(1);
    expect(failFirst.get(`${retried}:webhook`)).toEqual([]);
    expect(keys(refused)).toHaveLength(0);
    await waitFor('the failed log', () => existsSync(b.failedLogPath) || notYet('no file'));
    const failed = readFileSync(b.failedLogPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(failed).toEqual([expect.objectContaining({ id: `${refused}:webhook`, reason: expect.stringMatching(/400/) })]);
  }, 60_000);
});
