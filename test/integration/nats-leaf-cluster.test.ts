/**
 * A three-node site on a hub (docs/multi-site.md), on real nats-server 2.9 processes: every node
 * of the site carries the same leaf remote, so a derived message published on any node reaches
 * the hub, and with the node a shard was publishing on killed (-9) the others still carry the
 * site's derived state up and the hub's requests down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, StringCodec, type Msg, type NatsConnection } from 'nats';
import { startLeafCampus, type LeafCampus, type LeafSite } from '../helpers/nats-leaf.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';
import { ALL_CAMPUS_SUBJECTS, shardRequestSubject, shardSubject } from '../../protocol/campus-subjects.ts';
import { siteRequestSubjects } from '../../server/cluster/leaf-config.ts';

const sc = StringCodec();
/** A three-node site's JetStream elects its leader and its nodes link to the hub: seconds. */
const START_TIMEOUT_MS = 60_000;

describe('a three-node site on a hub, every node leaf-connected (nats-server 2.9)', () => {
  let campus: LeafCampus;
  let site: LeafSite;
  let hub: NatsConnection;
  const conns: NatsConnection[] = [];
  const client = async (url: string) => {
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    conns.push(nc);
    return nc;
  };
  const atHub: Msg[] = [];
  const run = `${process.pid}-${Date.now()}`;
  const arrived = (text: string) => () =>
    atHub.some((m) => sc.decode(m.data) === text) || notYet(atHub.map((m) => sc.decode(m.data)).slice(-6));

  beforeAll(async () => {
    campus = await startLeafCampus([{ siteKey: 'c', nodes: 3 }]);
    site = campus.site('c');
    hub = await client(campus.hub.natsUrl);
    const sub = hub.subscribe(ALL_CAMPUS_SUBJECTS);
    void (async () => {
      for await (const m of sub) atHub.push(m);
    })();
    await hub.flush();
    await campus.hubInterest('c', ALL_CAMPUS_SUBJECTS);
  }, START_TIMEOUT_MS * 2);

  afterAll(async () => {
    await Promise.all(conns.map((nc) => nc.close().catch(() => undefined)));
    await campus?.stop();
  });

  it('links every node: the hub lists three leaf connections of the site', async () => {
    await waitFor('three leaf connections of site c at the hub', async () => {
      const body = await getJson(`${campus.hub.monitorUrl}/leafz?subs=1`);
      const ofSite = body.leafs.filter((l: any) => l.subscriptions_list.includes(siteRequestSubjects('c')));
      return ofSite.length === 3 || notYet({ leafnodes: body.leafnodes, ofSite: ofSite.length });
    });
  });

  it('brings a derived message published on any node to the hub', async () => {
    for (const [i, node] of site.nodes.entries()) {
      const nc = await client(node.natsUrl);
      nc.publish(shardSubject('c', 'h1', 'live'), sc.encode(`live from node ${i + 1} ${run}`));
      await waitFor(`node ${i + 1}'s message at the hub`, arrived(`live from node ${i + 1} ${run}`));
    }
  });

  it('keeps the site linked when the node a shard published on is killed (-9): the others carry derived state up and requests down', async () => {
    const [first, second, third] = site.nodes;
    const responder = await client(third.natsUrl);
    const sub = responder.subscribe(shardRequestSubject('c', 'h1', 'ack'));
    void (async () => {
      for await (const m of sub) m.respond(sc.encode(`acked on ${third.name}`));
    })();
    await responder.flush();
    await first.crash();

    const shard = await client(second.natsUrl);
    shard.publish(shardSubject('c', 'h1', 'beat'), sc.encode(`beat after node 1 died ${run}`));
    await waitFor('a beat from node 2 at the hub, node 1 dead', arrived(`beat after node 1 died ${run}`));
    const reply = await waitFor('the hub\'s ack answered on node 3, node 1 dead', async () => {
      try {
        return sc.decode((await hub.request(shardRequestSubject('c', 'h1', 'ack'), sc.encode('ack'), { timeout: 2000 })).data);
      } catch (e) {
        return notYet((e as Error).message);
      }
    });
    expect(reply).toBe(`acked on ${third.name}`);
  });
});
