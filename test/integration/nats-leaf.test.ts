/**
 * A campus of two sites on one hub over NATS leaf connections (docs/multi-site.md), on real
 * nats-server 2.9 processes: what the sites' shards derive reaches the hub, raw telemetry does
 * not (published over NATS and over the site's MQTT listener), the hub's requests reach a site's
 * shard, a dead site goes stale in the hub's FleetWatch while the other stays live, and a site
 * keeps its own traffic while the hub is down and is heard again when the hub returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { connect, StringCodec, type Msg, type NatsConnection } from 'nats';
import { startLeafCampus, type LeafCampus } from '../helpers/nats-leaf.ts';
import { getJson, notYet, seen, waitFor } from '../helpers/wait.ts';
import { ALL_CAMPUS_SUBJECTS, shardRequestSubject, shardSubject } from '../../protocol/campus-subjects.ts';
import { FleetWatch } from '../../server/cluster/fleet-watch.ts';

const sc = StringCodec();
/** Beat period of the test's shards, and the hub's stale threshold (several beats missed). */
const BEAT_INTERVAL_MS = 200;
const STALE_AFTER_MS = 1500;
/** A node's restart and the leaf connection's return (it retries every second). */
const RECOVERY_TIMEOUT_MS = 30_000;
const RAW_SUBJECT = 'hallwatch.v1.h1.rack.r1.telemetry';
const RAW_TOPIC = 'hallwatch/v1/h1/rack/r1/telemetry';

/** Every message a subscription got, in order. */
function collect(nc: NatsConnection, subject: string): Msg[] {
  const got: Msg[] = [];
  const sub = nc.subscribe(subject);
  void (async () => {
    for await (const m of sub) got.push(m);
  })();
  return got;
}
const texts = (got: Msg[]) => got.map((m) => `${m.subject} ${sc.decode(m.data)}`);
const arrived = (got: Msg[], subject: string, text: string) => () =>
  got.some((m) => m.subject === subject && sc.decode(m.data) === text) || notYet(texts(got).slice(-8));

describe('a campus of two sites on a hub over NATS leaf connections (nats-server 2.9)', () => {
  let campus: LeafCampus;
  const conns: NatsConnection[] = [];
  const client = async (url: string) => {
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250, reconnectJitter: 0 });
    conns.push(nc);
    return nc;
  };
  let hub: NatsConnection;
  let siteA: NatsConnection;
  let siteB: NatsConnection;
  const run = `${process.pid}-${Date.now()}`;
  const log = (line: string) => process.stdout.write(`nats-leaf: ${line}\n`);

  beforeAll(async () => {
    campus = await startLeafCampus(['a', 'b']);
    hub = await client(campus.hub.natsUrl);
    siteA = await client(campus.site('a').natsUrl);
    siteB = await client(campus.site('b').natsUrl);
  });

  afterAll(async () => {
    await Promise.all(conns.map((nc) => nc.close().catch(() => undefined)));
    await campus?.stop();
  });

  it('brings what each site\'s shards derive to a hub subscriber on hallwatch.campus.>', async () => {
    const atHub = collect(hub, ALL_CAMPUS_SUBJECTS);
    await hub.flush();
    await campus.hubInterest('a', ALL_CAMPUS_SUBJECTS);
    await campus.hubInterest('b', ALL_CAMPUS_SUBJECTS);
    siteA.publish(shardSubject('a', 'h1', 'beat'), sc.encode(`beat a ${run}`));
    siteB.publish(shardSubject('b', 'h1', 'live'), sc.encode(`live b ${run}`));
    await waitFor('site a\'s beat at the hub', arrived(atHub, 'hallwatch.campus.a.shard.h1.beat', `beat a ${run}`));
    await waitFor('site b\'s live state at the hub', arrived(atHub, 'hallwatch.campus.b.shard.h1.live', `live b ${run}`));
  });

  it('keeps raw telemetry in its site, published over NATS or over the site\'s MQTT listener', async () => {
    // Everything that reaches the hub's account, whatever its subject; and the site's own view of its raw telemetry.
    const atHub = collect(hub, '>');
    await hub.flush();
    await campus.hubInterest('a', '>');
    const inSite = collect(siteA, 'hallwatch.v1.>');
    await siteA.flush();
    const marker = shardSubject('a', 'h1', 'beat');

    // Raw, then a derived marker on the same connection: the site's server handles them in order
    // and would forward both over its one leaf connection, so once the marker is at the hub a
    // leaked raw message would be there already.
    siteA.publish(RAW_SUBJECT, sc.encode(`raw nats ${run}`));
    siteA.publish(marker, sc.encode(`marker nats ${run}`));
    await waitFor('the NATS marker at the hub', arrived(atHub, marker, `marker nats ${run}`));

    const rack = await mqtt.connectAsync(campus.site('a').mqttUrl, { protocolVersion: 4, clientId: `hallwatch-leaf-rack-${run}` });
    try {
      await rack.publishAsync(RAW_TOPIC, `raw mqtt ${run}`);
      await rack.publishAsync('hallwatch/campus/a/shard/h1/beat', `marker mqtt ${run}`);
      await waitFor('the MQTT marker at the hub', arrived(atHub, marker, `marker mqtt ${run}`));
    } finally {
      await rack.endAsync();
    }

    // The raw messages did exist: the site's own subscriber has both.
    await waitFor('both raw messages in site a', arrived(inSite, RAW_SUBJECT, `raw mqtt ${run}`));
    expect(texts(inSite)).toEqual([`${RAW_SUBJECT} raw nats ${run}`, `${RAW_SUBJECT} raw mqtt ${run}`]);
    const leaked = atHub.filter((m) => !m.subject.startsWith('hallwatch.campus.') && !m.subject.startsWith('_INBOX.'));
    expect(leaked.map((m) => m.subject)).toEqual([]);
    expect(texts(atHub).filter((t) => t.includes('raw'))).toEqual([]);
  });

  it('has the hub\'s request to hallwatch.campus.a.req.h1.ack answered by a shard on site a', async () => {
    const ackSubject = shardRequestSubject('a', 'h1', 'ack');
    const asked: string[] = [];
    const responder = siteA.subscribe(ackSubject);
    void (async () => {
      for await (const m of responder) {
        asked.push(sc.decode(m.data));
        m.respond(sc.encode(JSON.stringify({ site: 'a', acked: sc.decode(m.data) })));
      }
    })();
    await siteA.flush();
    const reply = await hub.request(ackSubject, sc.encode(`ack r1 ${run}`), { timeout: 5000 });
    expect(JSON.parse(sc.decode(reply.data))).toEqual({ site: 'a', acked: `ack r1 ${run}` });
    expect(asked).toEqual([`ack r1 ${run}`]);
    responder.unsubscribe();
  });

  it('keeps the hub\'s and each site\'s JetStream apart, each in its own domain', async () => {
    expect((await (await hub.jetstreamManager()).getAccountInfo()).domain).toBe('hub');
    expect((await (await siteA.jetstreamManager()).getAccountInfo()).domain).toBe('site-a');
    // The site's buckets and MQTT sessions are not the hub's, nor the hub's streams the site's:
    // the hub's domain has no responder on a site (the leaf connection denies the JetStream API).
    await expect(siteA.request('$JS.hub.API.INFO', undefined, { timeout: 5000 })).rejects.toThrow('503');
  });

  describe('when a site or the hub dies', () => {
    const fleet = new FleetWatch({ staleAfterMs: STALE_AFTER_MS, expectedSiteKeys: ['a', 'b'], startedMs: Date.now() });
    const beatTimers: NodeJS.Timeout[] = [];
    const state = (siteKey: string) => fleet.site(siteKey, Date.now())!;
    const states = () => fleet.sites(Date.now()).map((s) => `${s.siteKey}: ${s.state}${s.reason ? ` (${s.reason})` : ''}`);

    beforeAll(async () => {
      // The hub side: every beat that crosses a leaf connection, on the hub's clock.
      const beats = hub.subscribe(shardSubject('*', '*', 'beat'));
      void (async () => {
        for await (const m of beats) {
          const [, , siteKey, , shardId] = m.subject.split('.');
          const body = JSON.parse(sc.decode(m.data)) as { hallIds: string[]; sentMs: number };
          fleet.beatArrived({ siteKey, shardId, hallIds: body.hallIds, sentMs: body.sentMs, receivedMs: Date.now() });
        }
      })();
      await hub.flush();
      // Each site's shard h1 beats; its client buffers while its node is down and flushes on reconnect.
      for (const [siteKey, nc] of [['a', siteA], ['b', siteB]] as const) {
        beatTimers.push(setInterval(() => {
          if (!nc.isClosed()) nc.publish(shardSubject(siteKey, 'h1', 'beat'), sc.encode(JSON.stringify({ hallIds: ['h1'], sentMs: Date.now() })));
        }, BEAT_INTERVAL_MS));
      }
      await waitFor('both sites live at the hub', () => seen(states(), () => state('a').state === 'live' && state('b').state === 'live'));
    });

    afterAll(() => beatTimers.forEach(clearInterval));

    it('marks site a stale at the hub when its node is killed (-9) while site b stays live, and live again when it returns', async () => {
      const siteNode = campus.site('a');
      await siteNode.crash();
      const stale = await waitFor('site a stale at the hub', () => {
        const s = state('a');
        return s.state === 'stale' ? s : notYet(states());
      }, RECOVERY_TIMEOUT_MS);
      log(`after kill -9 of site a: ${states().join('; ')}`);
      expect(stale.reason).toMatch(/^no beat from site a since \d\d:\d\d:\d\d UTC — its leaf connection or its shards are down$/);
      expect(stale.hallIds).toEqual(['h1']);
      expect(state('b').state).toBe('live');

      await siteNode.start();
      await campus.linked(['a'], RECOVERY_TIMEOUT_MS);
      await waitFor('site a live again at the hub', () => seen(states(), () => state('a').state === 'live'), RECOVERY_TIMEOUT_MS);
    });

    it('keeps site a\'s own traffic while the hub is killed (-9), and is heard again when the hub returns, site a never restarted', async () => {
      const sitePid = campus.site('a').pid();
      await campus.hub.crash();
      await waitFor('site a to notice its leaf connection dropped', async () =>
        seen((await getJson(`${campus.site('a').monitorUrl}/leafz`)).leafnodes, (n) => n === 0));

      // Nothing is lost in the site itself: a subscriber and a publisher on site a, the hub down.
      const local = collect(siteA, 'hallwatch.>');
      await siteA.flush();
      siteA.publish(RAW_SUBJECT, sc.encode(`raw during outage ${run}`));
      siteA.publish(shardSubject('a', 'h1', 'live'), sc.encode(`live during outage ${run}`));
      await waitFor('site a\'s raw telemetry on site a, hub down', arrived(local, RAW_SUBJECT, `raw during outage ${run}`));
      await waitFor('site a\'s live state on site a, hub down', arrived(local, 'hallwatch.campus.a.shard.h1.live', `live during outage ${run}`));
      // The fleet view, which hears only the hub, sees both sites fall silent.
      await waitFor('both sites stale at the hub\'s fleet view', () => seen(states(), () => state('a').state === 'stale' && state('b').state === 'stale'), RECOVERY_TIMEOUT_MS);

      const restartedMs = Date.now();
      await campus.hub.start();
      await campus.linked(['a', 'b'], RECOVERY_TIMEOUT_MS);
      await waitFor('a beat of site a at the hub after its restart', () =>
        seen(state('a'), (s) => s.state === 'live' && (s.lastBeatMs ?? 0) > restartedMs), RECOVERY_TIMEOUT_MS);
      await waitFor('site b live again at the hub', () => seen(states(), () => state('b').state === 'live'), RECOVERY_TIMEOUT_MS);
      expect(campus.site('a').pid()).toBe(sitePid);
      log(`after the hub's restart: ${states().join('; ')}`);
    });
  });
});
