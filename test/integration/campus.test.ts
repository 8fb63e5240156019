/**
 * Hall shards and the campus view on a real NATS node: three shards of a three-hall site, each a
 * real server taking only its hall's topics from the node's MQTT listener, and the campus view
 * taking no telemetry. Every hall is live on the campus; a CDU trip is one incident there and an
 * ack made there reaches the owning shard; a shard killed (-9) makes exactly its hall stale, with
 * the reason, its outage acknowledged on one campus view of the pair is acknowledged on the other,
 * a silence of the shard made on the campus view mutes its outage, and its return makes
 * it live again without restarting anything else; a second shard on a held hall, or a hall not in
 * the site, is refused at start, naming why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampusWorld, type CampusWorld, type Server } from '../helpers/campus-world.ts';
import { startServer } from '../helpers/programs.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';
import { connect } from 'nats';
import { shardSubject, siteKey } from '../../protocol/campus-subjects.ts';
import { freePort } from '../helpers/ports.ts';

describe('hall shards and the campus view (nats-server 2.9)', () => {
  let w: CampusWorld;
  let receiver: Receiver;
  /** The campus view's partner: a pair of campus views, each serving every hall. */
  let campus2: Server;

  beforeAll(async () => {
    receiver = new Receiver(await freePort());
    await receiver.up();
    const hook = ['--alert-webhook', `http://127.0.0.1:${receiver.port}/hook`, '--alert-allow-targets', `127.0.0.1:${receiver.port}`];
    w = await startCampusWorld({ shardArgs: hook, campusArgs: hook });
    campus2 = await startServer([...w.baseArgs, '--campus', '1', '--server-name', 'campus-2', ...hook]);
  }, 120_000);

  afterAll(async () => {
    await campus2?.stop();
    await w?.stop();
    await receiver?.down();
  });

  const hall = (s: Server, id: string) => getJson(`${s.baseUrl}/api/halls/${id}`);
  const racksOf = (id: string) => w.spec.halls.find((h) => h.id === id)!.rows.flatMap((r) => r.racks).length;
  /** Every rack and CDU of `id` live on `s` with a sample taken after `sinceMs`. */
  const hallLive = (s: Server, id: string, sinceMs = 0) => async () => {
    const h = await hall(s, id);
    const notLive = [...h.racks, ...h.cdus].filter((e: any) => e.state !== 'live' || !(e.tsMs > sinceMs)).map((e: any) => [e.id, e.state]);
    return (h.racks.length === racksOf(id) && notLive.length === 0) ? h : notYet({ notLive });
  };
  const log = (line: string) => process.stdout.write(`campus: ${line}\n`);

  it('shows every hall live on both campus views of a pair, with the values its shard derived', async () => {
    for (const id of w.hallIds) await waitFor(`hall ${id} live on the campus view`, hallLive(w.campus, id), 30_000);
    for (const id of w.hallIds) await waitFor(`hall ${id} live on the second campus view`, hallLive(campus2, id), 30_000);
    const pair = await waitFor('the campus views paired', async () => {
      const c = await getJson(`${w.campus.baseUrl}/api/cluster`);
      return c.members.length === 2 && c.leader ? c : notYet(c);
    }, 30_000);
    expect(pair.members).toEqual(['campus', 'campus-2']);
    const view = await getJson(`${w.campus.baseUrl}/api/campus`);
    expect(view).toMatchObject({ campus: true, hallsLive: 3, hallsTotal: 3 });
    expect(view.halls.map((h: any) => [h.hallId, h.status, h.shard])).toEqual(w.hallIds.map((id) => [id, 'live', id]));
    // A rack's row on the campus is its shard's, sample for sample.
    const rackId = w.spec.halls[1].rows[0].racks[0].id;
    const same = await waitFor('a rack with the same sample on shard and campus', async () => {
      const [a, b] = await Promise.all([getJson(`${w.shards.get(w.hallIds[1])!.baseUrl}/api/racks/${rackId}`), getJson(`${w.campus.baseUrl}/api/racks/${rackId}`)]);
      return a.tsMs === b.tsMs ? [a, b] : notYet({ shard: a.tsMs, campus: b.tsMs });
    });
    expect(same[1].rackKw).toBeCloseTo(same[0].rackKw, 3);
    expect(same[1].returnC).toBeCloseTo(same[0].returnC, 3);
    expect(same[1].heatKw).toBeCloseTo(same[0].heatKw, 3);
    // The shard holds only its hall.
    const shardSite = await getJson(`${w.shards.get(w.hallIds[0])!.baseUrl}/api/site`);
    expect(shardSite.halls.map((h: any) => h.id)).toEqual([w.hallIds[0]]);
    // History: a rack's from the shard holding it; the site's totals combined from every shard.
    const rackHistory = await getJson(`${w.campus.baseUrl}/api/history?entity=rack:${rackId}&from=now-5m&fields=rackKw`);
    expect(rackHistory).toMatchObject({ entity: `rack:${rackId}`, source: 'memory' });
    expect(rackHistory.values.rackKw.some((v: number | null) => v !== null && v > 0)).toBe(true);
    const siteHistory = await waitFor('site totals from all three shards', async () => {
      const h = await getJson(`${w.campus.baseUrl}/api/history?entity=site&from=now-5m&fields=racksLive,itKw`);
      const racksLive = h.values.racksLive.filter((v: number | null) => v !== null).at(-1);
      return racksLive === w.hallIds.reduce((n, id) => n + racksOf(id), 0) ? h : notYet({ racksLive, warning: h.warning });
    }, 30_000);
    // Every hall answered (a warning may only say the range starts before the shards' memory does).
    expect(siteHistory.warning ?? '').not.toMatch(/no hall shard answered/);
  }, 60_000);

  it('refuses malformed messages on the campus subjects, counting them by reason, and keeps every hall live', async () => {
    const nc = await connect({ servers: w.nats.natsUrls.split(',') });
    try {
      const key = siteKey(w.spec.name);
      const enc = new TextEncoder();
      nc.publish(shardSubject(key, w.hallIds[0], 'beat'), enc.encode('{"shard":'));
      nc.publish(shardSubject(key, w.hallIds[0], 'beat'), enc.encode(JSON.stringify({ shard: w.hallIds[0], halls: 'all' })));
      nc.publish(shardSubject(key, w.hallIds[0], 'live'), enc.encode('not a frame'));
      nc.publish(shardSubject(key, 'nobody', 'live'), new Uint8Array(64));
      nc.publish(shardSubject(key, 'intruder', 'beat'), enc.encode(JSON.stringify({
        shard: 'intruder', halls: [w.hallIds[0]], serverName: 'intruder', siteSha256: '0'.repeat(64), racks: 8, cdus: 6, telemetryFlows: true, sentMs: Date.now(),
      })));
      await nc.flush();
    } finally {
      await nc.close();
    }
    const rejected = await waitFor('the campus view counting each refusal', async () => {
      const text = await (await fetch(`${w.campus.baseUrl}/metrics`)).text();
      const by = Object.fromEntries([...text.matchAll(/^hallwatch_campus_rejected_total\{reason="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
      const want = ['beat-unreadable', 'beat-shape', 'live-unreadable', 'shard-unknown', 'shard-refused'];
      return want.every((r) => by[r] >= 1) ? by : notYet(by);
    }, 15_000);
    expect(Object.keys(rejected).sort()).toEqual(['beat-shape', 'beat-unreadable', 'live-unreadable', 'shard-refused', 'shard-unknown']);
    for (const id of w.hallIds) await waitFor(`hall ${id} still live`, hallLive(w.campus, id, Date.now()), 15_000);
    expect((await getJson(`${w.campus.baseUrl}/api/campus`)).halls.map((h: any) => h.shard)).toEqual(w.hallIds);
  }, 60_000);

  it('refuses a shard on a hall another live shard holds, and a hall the site does not have, naming why', async () => {
    const [h1, h2] = w.hallIds;
    const taken = await startServer([...w.baseArgs, '--mqtt', w.nats.mqttUrls, '--halls', `${h1},${h2}`, '--server-name', 'intruder']).then(
      (s) => s.stop().then(() => 'started'), (e: Error) => e.message);
    expect(taken).toContain(`hall ${h1} is held by live shard ${h1} (server shard-${h1}`);
    // The same halls under the same shard: the shard's pair partner, welcome.
    const partner = await startServer([...w.baseArgs, '--mqtt', w.nats.mqttUrls, '--halls', h1, '--server-name', `shard-${h1}-b`]);
    const pair = await waitFor(`shard ${h1}'s pair whole`, async () => {
      const c = await getJson(`${partner.baseUrl}/api/cluster`);
      return c.members.length === 2 ? c : notYet(c.members);
    }, 30_000);
    expect(pair.members).toEqual([`shard-${h1}`, `shard-${h1}-b`]);
    await partner.stop();
    const unknown = await startServer([...w.baseArgs, '--mqtt', w.nats.mqttUrls, '--halls', 'hall-9', '--server-name', 'stray']).then(
      (s) => s.stop().then(() => 'started'), (e: Error) => e.message);
    expect(unknown).toContain('--halls: "hall-9" not in site "campus test" (its halls: hall-1, hall-2, hall-3)');
    // The campus view never heard of either.
    expect((await getJson(`${w.campus.baseUrl}/api/campus`)).halls.map((h: any) => h.shard)).toEqual(w.hallIds);
  }, 90_000);

  it('shows a CDU trip in one hall as one incident on the campus view, notified once by its shard; an ack made on the campus reaches the shard', async () => {
    const hallId = w.hallIds[1];
    const cdu = w.spec.halls[1].cdus[0];
    const res = await fetch(`http://127.0.0.1:${w.controlPort}/faults`, { method: 'POST', body: `cdu-trip:${cdu.id}` });
    expect(res.ok).toBe(true);
    const incident = await waitFor(`an incident on ${cdu.id} on the campus view`, async () => {
      const a = await getJson(`${w.campus.baseUrl}/api/alerts`);
      const found = a.incidents.filter((i: any) => i.hallId === hallId && JSON.stringify(i).includes(cdu.id));
      return found.length > 0 ? found : notYet(a.incidents.map((i: any) => i.id));
    }, 30_000);
    expect(incident).toHaveLength(1);
    const id = incident[0].id;
    await waitFor(`${id} notified`, () => (receiver.of(id).length > 0 ? true : notYet(receiver.received.length)), 30_000);
    const ack = await fetch(`${w.campus.baseUrl}/api/incidents/${encodeURIComponent(id)}/ack`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ comment: 'pump crew on the way' }),
    });
    expect(ack.status, await ack.text()).toBe(200);
    const shard = w.shards.get(hallId)!;
    const onShard = await waitFor(`the ack on shard ${hallId}`, async () => {
      const i = (await getJson(`${shard.baseUrl}/api/alerts`)).incidents.find((x: any) => x.id === id);
      return i?.acknowledged ? i : notYet(i?.acknowledged ?? 'no incident');
    }, 15_000);
    expect(onShard.acknowledged).toMatchObject({ comment: 'pump crew on the way' });
    await waitFor('the ack on the campus view', async () => {
      const i = (await getJson(`${w.campus.baseUrl}/api/alerts`)).incidents.find((x: any) => x.id === id);
      return i?.acknowledged ? true : notYet(i?.acknowledged ?? 'no incident');
    }, 15_000);
    // One firing notification, from the one shard holding the hall (no other shard or campus view sends it).
    expect(receiver.of(id)).toHaveLength(1);
    // The other halls have no incident.
    const others = (await getJson(`${w.campus.baseUrl}/api/alerts`)).incidents.filter((i: any) => i.hallId !== hallId);
    expect(others).toEqual([]);
    await fetch(`http://127.0.0.1:${w.controlPort}/faults`, { method: 'POST', body: 'clear' });
  }, 90_000);

  it('keeps a silence made on the campus view on every shard under one ID, listed once, and removes it everywhere', async () => {
    const post = await fetch(`${w.campus.baseUrl}/api/silences`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matcher: `hall:${w.hallIds[0]}`, minutes: 30, comment: 'pump work in hall 1' }),
    });
    expect(post.status, await post.clone().text()).toBe(200);
    const { id } = await post.json();
    for (const [hallId, shard] of w.shards) {
      await waitFor(`the silence on shard ${hallId}`, async () => {
        const ids = (await getJson(`${shard.baseUrl}/api/alerts`)).silences.map((x: any) => x.id);
        return ids.includes(id) ? true : notYet(ids);
      }, 15_000);
    }
    const listed = await waitFor('the silence on the campus view', async () => {
      const ids = (await getJson(`${w.campus.baseUrl}/api/alerts`)).silences.map((x: any) => x.id);
      return ids.includes(id) ? ids : notYet(ids);
    }, 15_000);
    expect(listed.filter((x: string) => x === id)).toHaveLength(1);
    expect((await fetch(`${w.campus.baseUrl}/api/silences/${encodeURIComponent(id)}`, { method: 'DELETE' })).status).toBe(200);
    for (const [hallId, shard] of w.shards) {
      await waitFor(`the silence gone from shard ${hallId}`, async () => {
        const ids = (await getJson(`${shard.baseUrl}/api/alerts`)).silences.map((x: any) => x.id);
        return ids.includes(id) ? notYet(ids) : true;
      }, 15_000);
    }
  }, 60_000);

  it('marks exactly the hall of a killed (-9) shard stale, with the reason and one campus-scope incident, and live again when it returns', async () => {
    const hallId = w.hallIds[2];
    const shard = w.shards.get(hallId)!;
    const killedMs = Date.now();
    shard.proc.kill('SIGKILL');
    const view = await waitFor(`hall ${hallId} unreachable on the campus view`, async () => {
      const v = await getJson(`${w.campus.baseUrl}/api/campus`);
      return v.halls[2].status === 'unreachable' ? v : notYet(v.halls[2]);
    }, 30_000);
    const unreachableS = (Date.now() - killedMs) / 1000;
    // The pair's other campus view judges on its own clock, from when it took the last beat.
    await waitFor('2 halls live on the second campus view', async () => {
      const live = (await getJson(`${campus2.baseUrl}/api/campus`)).hallsLive;
      return live === 2 ? true : notYet(live);
    }, 15_000);
    expect(view).toMatchObject({ hallsLive: 2, hallsTotal: 3 });
    expect(view.halls[2].reason).toMatch(new RegExp(`^Hall 3: its server shard-${hallId} is unreachable since \\d\\d:\\d\\d:\\d\\d UTC$`));
    const stale = await waitFor(`every rack of ${hallId} stale on the campus view`, async () => {
      const h = await hall(w.campus, hallId);
      return h.racks.every((r: any) => r.state === 'stale') ? h : notYet(h.racks.map((r: any) => r.state));
    }, 30_000);
    expect(stale.racks).toHaveLength(racksOf(hallId));
    for (const id of w.hallIds.slice(0, 2)) await waitFor(`hall ${id} still live`, hallLive(w.campus, id, killedMs), 15_000);
    const alerts = await getJson(`${w.campus.baseUrl}/api/alerts`);
    const campusScope = alerts.incidents.filter((i: any) => i.roots.some((r: any) => r.rule === 'shard-unreachable'));
    expect(campusScope).toHaveLength(1);
    expect(campusScope[0]).toMatchObject({ severity: 'critical', hallId, title: `Hall 3: hall shard ${hallId} unreachable` });
    const health = await (await fetch(`${w.campus.baseUrl}/healthz`)).json();
    expect(health.status).toBe('degraded');
    expect(health.checks.halls).toContain('2 of 3 live');
    log(`shard of ${hallId} killed: unreachable on the campus after ${unreachableS.toFixed(1)} s`);
    const campusId = campusScope[0].id;
    await waitFor(`${campusId} notified by the campus view`, () => (receiver.of(campusId).length > 0 ? true : notYet(receiver.received.length)), 15_000);
    // Acknowledged on one campus view of the pair: the other shows the same incident, acknowledged.
    const acked = await fetch(`${w.campus.baseUrl}/api/incidents/${encodeURIComponent(campusId)}/ack`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ comment: 'rebooting its host' }),
    });
    expect(acked.status, await acked.text()).toBe(200);
    const onOther = await waitFor(`${campusId} acknowledged on the second campus view`, async () => {
      const i = (await getJson(`${campus2.baseUrl}/api/alerts`)).incidents.find((x: any) => x.id === campusId);
      return i?.acknowledged ? i.acknowledged : notYet((await getJson(`${campus2.baseUrl}/api/alerts`)).incidents.map((x: any) => [x.id, x.acknowledged]));
    }, 15_000);
    expect(onOther).toMatchObject({ comment: 'rebooting its host' });
    // The outage silenced on the campus view: stored by the shards still reachable, it mutes the campus incident.
    const post = await fetch(`${w.campus.baseUrl}/api/silences`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matcher: `shard:${hallId}`, minutes: 30, comment: 'shard host being rebuilt' }),
    });
    expect(post.status, await post.clone().text()).toBe(200);
    const silenceId = (await post.json()).id;
    await waitFor(`${campusId} muted by ${silenceId}`, async () => {
      const i = (await getJson(`${w.campus.baseUrl}/api/alerts`)).incidents.find((x: any) => x.id === campusId);
      return i?.silencedBy === silenceId ? true : notYet(i && { silencedBy: i.silencedBy });
    }, 15_000);
    const backMs = Date.now();
    await w.startShard(hallId);
    await waitFor(`hall ${hallId} live again on the campus view`, hallLive(w.campus, hallId, backMs), 30_000);
    log(`shard of ${hallId} restarted: live on the campus ${((Date.now() - backMs) / 1000).toFixed(1)} s after its start`);
    const after = await getJson(`${w.campus.baseUrl}/api/campus`);
    expect(after).toMatchObject({ hallsLive: 3 });
    expect((await getJson(`${w.campus.baseUrl}/api/alerts`)).incidents.filter((i: any) => i.roots.some((r: any) => r.rule === 'shard-unreachable'))).toEqual([]);
    await waitFor(`${campusId} resolved`, () => (receiver.of(campusId, 'resolved').length > 0 ? true : notYet(receiver.of(campusId).length)), 15_000);
    // Once, though both campus views of the pair saw it: the lease holder notifies.
    expect(receiver.of(campusId)).toHaveLength(1);
    expect(receiver.of(campusId, 'resolved')).toHaveLength(1);
    expect((await fetch(`${w.campus.baseUrl}/api/silences/${encodeURIComponent(silenceId)}`, { method: 'DELETE' })).status).toBe(200);
  }, 120_000);
});
