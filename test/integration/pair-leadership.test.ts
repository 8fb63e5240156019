/**
 * Two real servers with `--cluster` on a real three-node NATS cluster: one leads, both count two
 * members (`/metrics`); the leader's SIGTERM hands over at once, a `kill -9` after the lease.
 * Failover times are printed, not asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster.ts';
import { startServer } from '../helpers/programs.ts';
import { notYet, waitFor } from '../helpers/wait.ts';

type Server = Awaited<ReturnType<typeof startServer>>;
let cluster: NatsCluster;
const servers: Server[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster(3);
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  await cluster?.stop();
});

async function pairServer(name: string): Promise<Server> {
  // A webhook channel (nothing listens on port 9): the notification stream exists.
  const s = await startServer(['--embedded-broker-port', '0', '--cluster', cluster.natsUrls, '--server-name', name,
    '--alert-webhook', 'http://127.0.0.1:9/hook', '--alert-allow-targets', '127.0.0.1:9']);
  servers.push(s);
  return s;
}

async function metric(s: Server, name: string): Promise<number> {
  const text = await (await fetch(`${s.baseUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

async function oneLeader(a: Server, b: Server): Promise<void> {
  await waitFor('one leader and two members', async () => {
    const v = { a: await metric(a, 'hallwatch_cluster_leader'), b: await metric(b, 'hallwatch_cluster_leader'), members: await metric(a, 'hallwatch_cluster_members') };
    return (v.a + v.b === 1 && v.members === 2) || notYet(v);
  }, 30_000);
}

describe('a pair of servers', () => {
  test.each([['SIGTERM', 'hands over at once'], ['SIGKILL', 'is replaced once the lease ran out']] as const)(
    'the leader\'s %s: the other %s', async (signal, _what) => {
      const a = await pairServer(`a-${signal}`);
      const b = await pairServer(`b-${signal}`);
      await oneLeader(a, b);
      const leader = (await metric(a, 'hallwatch_cluster_leader')) === 1 ? a : b;
      const other = leader === a ? b : a;
      const epoch = await metric(leader, 'hallwatch_cluster_lease_epoch');
      const t0 = performance.now();
      leader.proc.kill(signal);
      await waitFor('the other to lead', async () => (await metric(other, 'hallwatch_cluster_leader')) === 1 || notYet('standing by'), 30_000, 50);
      console.log(`pair: the leader's ${signal} → the other leads after ${Math.round(performance.now() - t0)} ms`);
      expect(await metric(other, 'hallwatch_cluster_lease_epoch')).toBeGreaterThan(epoch);
      await other.stop();
    }, 90_000);
});
