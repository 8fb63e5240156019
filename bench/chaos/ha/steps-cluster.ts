/**
 * Faults around the servers: kill -9 of the NATS node leading the lease bucket, 2 of 3 nodes
 * down, InfluxDB down, acknowledgements on both servers at once, and one server's clock 30 s
 * ahead (libfaketime, monotonic time untouched).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notYet, waitFor } from '../../../test/helpers/wait.ts';
import { fmt, metric } from '../kit.ts';
import type { Check, Outcome } from './measure.ts';
import { incidentsOpen, leaderNow, leadsAfter, ofRow, paged, sleep, type Ctx } from './step-kit.ts';

const LEASE_STREAM = 'KV_hallwatch-lease';
const FAKETIME_LIB = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find(existsSync);

export async function killLeaseNode(ctx: Ctx): Promise<Outcome> {
  const { nats, probe } = ctx.rig;
  const holdMs = ctx.scale === 'short' ? 20_000 : 60_000;
  const name = await probe.streamLeader(LEASE_STREAM);
  const node = nats.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node leads ${LEASE_STREAM} (${name})`);
  const fromMs = Date.now();
  await node.crash();
  ctx.log(`node ${name} (leads ${LEASE_STREAM}) killed`);
  const next = await waitFor(`a new leader of ${LEASE_STREAM}`, async () => {
    const l = await probe.streamLeader(LEASE_STREAM);
    return (l !== null && l !== name) ? l : notYet(l);
  }, 30_000, 250).catch(() => 'none');
  const electedMs = Date.now() - fromMs;
  await sleep(Math.max(0, fromMs + holdMs - Date.now()));
  await node.start();
  await nats.healthy(120_000);
  await ctx.rig.whole(180_000);
  return {
    scenario: 'kill -9 of the NATS node leading the lease bucket', injected: `kill -9 of ${name} for ${holdMs / 1000} s, restarted`,
    fromMs, toMs: Date.now(), failover: 'none', busFault: true,
    checks: [{ what: 'the lease bucket elects another leader', ok: next !== 'none', figure: `${LEASE_STREAM} leader ${name} → ${next} in ${fmt(electedMs / 1000, 1)} s` }],
  };
}

export async function quorumLoss(ctx: Ctx): Promise<Outcome> {
  const { nats, pair, haproxy } = ctx.rig;
  // Longer than FAIL_OPEN_AFTER_MS even in the short run: paging without a quorum is the fail-open path.
  const holdMs = ctx.scale === 'short' ? 60_000 : 180_000;
  const rows = ['h2-r10'];
  const down = nats.nodes.slice(0, 2);
  const fromMs = Date.now();
  await Promise.all(down.map((n) => n.crash()));
  const downMs = Date.now();
  ctx.log(`nodes ${down.map((n) => n.name).join(', ')} killed: no quorum for ${holdMs / 1000} s`);
  await sleep(3000);
  await ctx.rig.fault(`cdu-trip:${rows[0]}-cdu-a`);
  const tripMs = Date.now();
  let polls = 0;
  let noneReady = 0;
  let noneUp = 0;
  const ready = pair.map(() => 0);
  const told = new Set<string>();
  while (Date.now() < downMs + holdMs) {
    const r = await Promise.all(pair.map((m) => m.ready()));
    for (const [i, ok] of r.entries()) {
      if (ok || told.has(pair[i].name)) continue;
      told.add(pair[i].name);
      const why = await fetch(`${pair[i].baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) }).then((x) => x.text(), (e: Error) => e.message);
      ctx.log(`${pair[i].name} not ready ${fmt((Date.now() - downMs) / 1000)} s in: ${why.slice(0, 300)}`);
    }
    const states = await haproxy.states().catch(() => ({} as Record<string, string>));
    polls++;
    r.forEach((ok, i) => ok && ready[i]++);
    if (!r.some(Boolean)) noneReady++;
    if (!pair.some((m) => states[m.name]?.startsWith('UP'))) noneUp++;
    await sleep(1000);
  }
  const upMs = Date.now();
  const outageWs = ctx.w.fleet.summary(downMs, upMs);
  const ledAtEnd = await Promise.all(pair.map((m) => m.leader()));
  await Promise.all(down.map((n) => n.start()));
  // A node's /healthz can stay "not current" for minutes after a quorum loss (an MQTT consumer); the pair is what counts.
  await nats.healthy(30_000).catch((e: Error) => ctx.log(`after the quorum loss: ${e.message}`));
  ctx.log(`quorum back after ${fmt((upMs - downMs) / 1000)} s; leaders at its end ${JSON.stringify(ledAtEnd)}`);
  await ctx.rig.whole(180_000);
  await paged(ctx, rows, fromMs, 90_000);
  const page = ctx.w.receiver.at('/hook').find((d) => d.atMs >= fromMs && d.body.kind === 'firing' && ofRow(d.body.incident.id, rows[0]));
  // No sample reaches either server without a quorum (NATS's MQTT needs JetStream): what can be paged is the silence itself.
  const stalePages = ctx.w.receiver.at('/hook').filter((d) => d.atMs >= downMs && d.atMs < upMs && d.body.kind === 'firing'
    && (d.body.incident.roots as { rule: string }[]).some((a) => a.rule.endsWith('-stale')));
  const firstStaleS = stalePages.length ? fmt((Math.min(...stalePages.map((d) => d.atMs)) - downMs) / 1000, 1) : 'never';
  const pagedIn = page ? (page.atMs < upMs ? `during the outage, ${fmt((page.atMs - tripMs) / 1000, 1)} s after the trip` : `${fmt((page.atMs - upMs) / 1000, 1)} s after the quorum returned`) : 'never';
  const lastLeader = ctx.w.leader.answers(0, downMs, upMs).concat(ctx.w.leader.answers(1, downMs, upMs)).filter((x) => x.leader === 1).map((x) => x.atMs);
  const leadLostS = lastLeader.length ? fmt((Math.max(...lastLeader) - downMs) / 1000, 1) : '0';
  await ctx.rig.fault('clear-all');
  const checks: Check[] = [
    { what: 'walls keep being served', ok: outageWs.frames > 0 && outageWs.longestGapMs <= 5000, figure: `walls got ${fmt(outageWs.frames)} frames during the outage, longest gap ${fmt(outageWs.longestGapMs / 1000, 1)} s; ` +
      `ready: ${pair.map((m, i) => `${m.name.replace('hallwatch-', '')} ${fmt((100 * ready[i]) / polls)} %`).join(', ')} of ${polls} checks (neither ${noneReady}×), none up in HAProxy ${noneUp}×` },
    {
      what: 'the lost telemetry is paged during the outage (fail-open, 30 s in); the CDU trip it hid ≤ 30 s after the quorum is back',
      ok: stalePages.length > 0 && page !== undefined && page.atMs - upMs <= 30_000,
      figure: `${fmt(stalePages.length)} stale-telemetry pages during the outage, the first ${firstStaleS} s in; the row of the CDU tripped 3 s in paged ${pagedIn}; ` +
        `a leader until ${leadLostS} s in`,
    },
  ];
  return {
    scenario: '2 of 3 NATS nodes down', injected: `kill -9 of ${down.map((n) => n.name).join(' and ')} for ${holdMs / 1000} s; a CDU tripped 3 s in`,
    fromMs, toMs: Date.now(), failover: null, checks, quorumLoss: true,
  };
}

export async function influxDown(ctx: Ctx): Promise<Outcome> {
  const { influx, pair, haproxy } = ctx.rig;
  const holdMs = ctx.scale === 'short' ? 30_000 : 300_000;
  const fromMs = Date.now();
  await influx.kill();
  ctx.log(`InfluxDB down for ${holdMs / 1000} s`);
  let polls = 0;
  let bothUp = 0;
  let bothReady = 0;
  while (Date.now() < fromMs + holdMs) {
    const states = await haproxy.states().catch(() => ({} as Record<string, string>));
    const ready = await Promise.all(pair.map((m) => m.ready()));
    polls++;
    if (pair.every((m) => states[m.name]?.startsWith('UP'))) bothUp++;
    if (ready.every(Boolean)) bothReady++;
    await sleep(1000);
  }
  await influx.start();
  const backMs = Date.now();
  // Caught up: nothing waits longer than one flush (lines of the current second always wait a little).
  const caughtUp = await waitFor('both servers to write what waited', async () => {
    const v = await Promise.all(pair.map((m) => metric(m.baseUrl, 'hallwatch_storage_oldest_unsent_age_seconds')));
    return v.every((x) => x < 3) || notYet(v);
  }, 300_000, 500).then(() => true, () => false);
  const catchUpS = (Date.now() - backMs) / 1000;
  return {
    scenario: 'InfluxDB down', injected: `InfluxDB stopped for ${holdMs / 1000} s, then started`, fromMs, toMs: backMs, failover: 'none',
    checks: [
      { what: 'both servers stay in the balancer', ok: bothUp === polls && bothReady === polls, figure: `both UP in HAProxy ${bothUp} of ${polls} checks, both /readyz 200 ${bothReady}` },
      { what: 'history catches up', ok: caughtUp, figure: caughtUp ? `history written ${fmt(catchUpS)} s after InfluxDB returned` : 'history still behind after 300 s' },
    ],
  };
}

async function ack(baseUrl: string, id: string, who: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${baseUrl}/api/incidents/${encodeURIComponent(id)}/ack`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ comment: `on it (${who})` }),
  });
  return { status: res.status, text: (await res.text()).slice(0, 160) };
}

async function openIncident(baseUrl: string, row: string): Promise<string> {
  const body = (await (await fetch(`${baseUrl}/api/alerts`)).json()) as { incidents: { id: string }[] };
  const inc = body.incidents.find((i) => ofRow(i.id, row) && i.id.startsWith('group:'));
  if (!inc) throw new Error(`no open group incident of ${row} on ${baseUrl}`);
  return inc.id;
}

export async function concurrentAcks(ctx: Ctx): Promise<Outcome> {
  const [a, b] = ctx.rig.pair;
  const same = ['h2-r01', 'h2-r02', 'h2-r03'];
  const apart = ['h2-r04', 'h2-r05'];
  const fromMs = Date.now();
  for (const r of [...same, ...apart]) await ctx.rig.fault(`cdu-trip:${r}-cdu-a`);
  await incidentsOpen(ctx, [...same, ...apart], fromMs);
  await waitFor('the incidents open on both servers', async () => {
    const missing: string[] = [];
    for (const m of [a, b]) for (const r of [...same, ...apart]) await openIncident(m.baseUrl, r).catch(() => missing.push(`${m.name}:${r}`));
    return missing.length === 0 || notYet(missing);
  }, 30_000, 250);
  await paged(ctx, [...same, ...apart], fromMs);
  const sameRounds: string[] = [];
  let sameOk = 0;
  for (const r of same) {
    const id = await openIncident(a.baseUrl, r);
    const answers = await Promise.all([ack(a.baseUrl, id, a.name), ack(b.baseUrl, id, b.name)]);
    const statuses = answers.map((x) => x.status).sort();
    if (statuses[0] === 200 && statuses[1] === 409) sameOk++;
    sameRounds.push(statuses.join('+'));
    ctx.log(`same incident ${id}: ${answers.map((x) => `${x.status} ${x.text}`).join(' | ')}`);
  }
  const [idA, idB] = await Promise.all([openIncident(a.baseUrl, apart[0]), openIncident(b.baseUrl, apart[1])]);
  const apartAnswers = await Promise.all([ack(a.baseUrl, idA, a.name), ack(b.baseUrl, idB, b.name)]);
  ctx.log(`different incidents: ${apartAnswers.map((x) => `${x.status} ${x.text}`).join(' | ')}`);
  // Both servers show one acknowledgement per incident, the same one.
  const agree = await waitFor('both servers to show the same acknowledgements', async () => {
    const views = await Promise.all([a, b].map(async (m) => {
      const body = (await (await fetch(`${m.baseUrl}/api/alerts`)).json()) as { incidents: { id: string; acknowledged: { by: string; atMs: number } | null }[] };
      return Object.fromEntries(body.incidents.filter((i) => [...same, ...apart].some((r) => ofRow(i.id, r)) && i.id.startsWith('group:')).map((i) => [i.id, i.acknowledged ? `${i.acknowledged.by}@${i.acknowledged.atMs}` : null]));
    }));
    const ids = Object.keys(views[0]);
    return (ids.length >= 5 && ids.every((id) => views[0][id] !== null && views[0][id] === views[1][id])) || notYet(views);
  }, 10_000, 250).then(() => true, () => false);
  await ctx.rig.fault('clear-all');
  const apartOk = apartAnswers.every((x) => x.status === 200);
  return {
    scenario: 'acknowledgements on both servers at once', injected: `${same.length}× one incident acknowledged on both at once; 1× two incidents, one on each`,
    fromMs, toMs: Date.now(), failover: 'none',
    checks: [
      { what: 'the same incident: one 200, one 409', ok: sameOk === same.length, figure: `same incident: ${sameRounds.join(', ')}` },
      { what: 'different incidents: both 200', ok: apartOk, figure: `different incidents: ${apartAnswers.map((x) => x.status).join('+')}` },
      { what: 'both servers show the same acknowledgement', ok: agree, figure: agree ? 'both show the same acknowledgements' : 'the servers show different acknowledgements' },
    ],
  };
}

export async function clockAhead(ctx: Ctx): Promise<Outcome> {
  const { pair } = ctx.rig;
  const [a, b] = pair;
  const holdMs = ctx.scale === 'short' ? 20_000 : 60_000;
  if (!FAKETIME_LIB) throw new Error('libfaketime is not installed (Debian package faketime)');
  const offsetFile = join(mkdtempSync(join(tmpdir(), 'hallwatch-ha-faketime-')), 'offset');
  writeFileSync(offsetFile, '+30\n');
  const fromMs = Date.now();
  await b.stop();
  await b.start({ LD_PRELOAD: FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' });
  await ctx.rig.whole();
  const skewS = ((await (await fetch(`${b.baseUrl}/api/alerts`)).json()) as { nowMs: number }).nowMs - Date.now();
  ctx.log(`${b.name} restarted with its clock ${fmt(skewS / 1000, 1)} s ahead; ${pair[await leaderNow(ctx)].name} leads`);
  const standbyFromMs = Date.now();
  await sleep(holdMs);
  const stoleMs = ctx.w.leader.answers(1, standbyFromMs, Date.now()).filter((x) => x.leader === 1).length;
  const stopMs = Date.now();
  const stopped = a.stop();
  const failoverMs = await leadsAfter(ctx, 1, stopMs, 30_000).catch(() => Number.NaN);
  await stopped;
  const rows = ['h2-r06'];
  const leadFromMs = Date.now();
  await ctx.rig.fault(`cdu-trip:${rows[0]}-cdu-a`);
  await sleep(holdMs);
  const notLeading = ctx.w.leader.answers(1, leadFromMs, Date.now()).filter((x) => x.leader !== 1).length;
  await a.start();
  await ctx.rig.whole();
  await paged(ctx, rows, fromMs);
  await ctx.rig.fault('clear-all');
  // Back to a true clock for whatever runs next.
  await b.stop();
  await b.start();
  await ctx.rig.whole();
  return {
    scenario: 'one server\'s clock 30 s ahead', injected: `${b.name} under faketime (${fmt(skewS / 1000, 1)} s ahead): ${holdMs / 1000} s standing by, then leading ${holdMs / 1000} s after a clean stop of the other`,
    fromMs, toMs: Date.now(), failover: { ms: failoverMs, limitMs: 2000 },
    checks: [
      { what: 'it does not steal the lease', ok: stoleMs === 0 && skewS > 25_000, figure: `standing by it said it leads in ${stoleMs} answers` },
      { what: 'it does not lose the lease', ok: notLeading === 0, figure: `leading it said it does not in ${notLeading} answers` },
    ],
  };
}
