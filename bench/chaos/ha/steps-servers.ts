/**
 * Faults of the servers themselves: steady state, kill -9 of the standby, kill -9 of the leader
 * during an incident storm, SIGSTOP shorter and longer than the lease, a clean stop of the
 * leader, and a reconnect storm of every wall at once.
 */
import { notYet, waitFor } from '../../../test/helpers/wait.ts';
import { fmt } from '../kit.ts';
import type { Outcome } from './measure.ts';
import { incidentsOpen, leaderNow, leadsAfter, paged, sleep, type Ctx } from './step-kit.ts';

/** kill -9 leaves the lease to run out (15 s); a clean stop lets it go. */
const KILL_FAILOVER_MS = 20_000;
const CLEAN_FAILOVER_MS = 2000;

export async function steadyState(ctx: Ctx): Promise<Outcome> {
  const holdMs = ctx.scale === 'short' ? 60_000 : 600_000;
  const fromMs = Date.now();
  for (let left = holdMs; left > 0; left -= 60_000) {
    await sleep(Math.min(60_000, left));
    ctx.log(`steady: ${fmt((Date.now() - fromMs) / 1000)} s, ${ctx.w.fleet.down} walls down`);
  }
  return {
    scenario: 'steady state', injected: `nothing for ${holdMs / 1000} s; ${ctx.w.fleet.size} walls on HAProxy`, fromMs, toMs: Date.now(), failover: 'none', checks: [],
  };
}

export async function killStandby(ctx: Ctx): Promise<Outcome> {
  const { pair } = ctx.rig;
  const standby = 1 - (await leaderNow(ctx));
  const fromMs = Date.now();
  await pair[standby].crash();
  ctx.log(`standby ${pair[standby].name} killed`);
  await sleep(5000);
  await waitFor('every wall back', () => ctx.w.fleet.down === 0 || notYet({ down: ctx.w.fleet.down }), 30_000, 200).catch((e: Error) => ctx.log(e.message));
  await pair[standby].start();
  await ctx.rig.whole();
  return { scenario: 'kill -9 of the standby', injected: `kill -9 of ${pair[standby].name}, restarted after 5 s`, fromMs, toMs: Date.now(), failover: 'none', checks: [] };
}

export async function killLeaderInStorm(ctx: Ctx): Promise<Outcome> {
  const { pair } = ctx.rig;
  const leader = await leaderNow(ctx);
  const rows = ['h1-r01', 'h1-r02', 'h1-r03', 'h1-r04'];
  const fromMs = Date.now();
  // Killed while it opens the storm's first incidents and pages them; the rest open while nobody leads.
  for (const r of rows.slice(0, 2)) await ctx.rig.fault(`cdu-trip:${r}-cdu-a`);
  await sleep(400);
  const killMs = Date.now();
  await pair[leader].crash();
  for (const r of rows.slice(2)) await ctx.rig.fault(`cdu-trip:${r}-cdu-a`);
  ctx.log(`leader ${pair[leader].name} killed ${killMs - fromMs} ms after tripping 2 CDUs; 2 more tripped after`);
  const failoverMs = await leadsAfter(ctx, 1 - leader, killMs);
  ctx.log(`${pair[1 - leader].name} leads after ${failoverMs} ms`);
  await pair[leader].start();
  await ctx.rig.whole();
  await paged(ctx, rows, fromMs);
  await ctx.rig.fault('clear-all');
  // Cleared: each incident resolves once its alerts stop firing (keepFiringS) and is paged resolved.
  await waitFor('the storm resolved and its resolved pages sent', () => {
    const open = [...ctx.w.incidents.openNow()].filter((id) => rows.some((r) => id.includes(r)));
    const fired = new Set(ctx.w.receiver.at('/hook').filter((d) => d.atMs >= fromMs && d.body.kind === 'firing').map((d) => d.body.incident.id));
    const resolved = new Set(ctx.w.receiver.at('/hook').filter((d) => d.atMs >= fromMs && d.body.kind === 'resolved').map((d) => d.body.incident.id));
    const waiting = [...fired].filter((id) => !resolved.has(id));
    return (open.length === 0 && waiting.length === 0) || notYet({ open, waiting });
  }, 150_000, 500).catch((e: Error) => ctx.log(e.message));
  return {
    scenario: 'kill -9 of the leader in an incident storm',
    injected: `2 CDUs tripped, kill -9 of the leader ${pair[leader].name} 0.4 s later, 2 more tripped; the killed one restarted; all cleared`,
    fromMs, toMs: Date.now(), failover: { ms: failoverMs, limitMs: KILL_FAILOVER_MS }, checks: [], resolved: true,
  };
}

/** SIGSTOP of the leader for `holdMs`: past the lease the other takes over, and the old one must not send after waking. */
export async function freezeLeader(ctx: Ctx, holdMs: number): Promise<Outcome> {
  const { pair } = ctx.rig;
  const leader = await leaderNow(ctx);
  const other = 1 - leader;
  const pastLease = holdMs > 15_000;
  const rows = pastLease ? ['h1-r05', 'h1-r06'] : [];
  const fromMs = Date.now();
  if (pastLease) await ctx.rig.fault(`cdu-trip:${rows[0]}-cdu-a`);
  const sentBefore = await pair[leader].metric('hallwatch_notifications_total', 'outcome="delivered"');
  const stopMs = Date.now();
  pair[leader].signal('SIGSTOP');
  ctx.log(`leader ${pair[leader].name} frozen for ${holdMs / 1000} s`);
  let failoverMs = Number.NaN;
  if (pastLease) {
    failoverMs = await leadsAfter(ctx, other, stopMs, holdMs + 5000).catch(() => Number.NaN);
    ctx.log(`${pair[other].name} leads after ${failoverMs} ms`);
    await ctx.rig.fault(`cdu-trip:${rows[1]}-cdu-a`);
  }
  await sleep(Math.max(0, stopMs + holdMs - Date.now()));
  pair[leader].signal('SIGCONT');
  const wokeMs = Date.now();
  await sleep(8000);
  if (pastLease) await paged(ctx, rows, fromMs);
  const sentAfter = await pair[leader].metric('hallwatch_notifications_total', 'outcome="delivered"');
  await ctx.rig.whole();
  const ledAfterWaking = ctx.w.leader.answers(leader, wokeMs, Date.now()).filter((x) => x.leader === 1).length;
  if (pastLease) await ctx.rig.fault('clear-all');
  // Nothing but the freeze was injected: a page now is an incident the pause itself made up.
  const madeUp = ctx.w.receiver.at('/hook').filter((d) => d.atMs >= stopMs && d.body.kind === 'firing');
  const madeUpRules = [...new Set(ctx.w.incidents.seen(stopMs, Date.now()).filter((i) => madeUp.some((d) => d.body.incident.id === i.id)).flatMap((i) => i.rules))];
  const checks = !pastLease ? [
    { what: 'no page (nothing but the pause was injected)', ok: madeUp.length === 0, figure: `${madeUp.length} pages after the pause${madeUpRules.length ? ` (${madeUpRules.join(', ')})` : ''}` },
  ] : [
    { what: 'the old leader sends nothing after it wakes', ok: sentAfter === sentBefore, figure: `old leader delivered ${fmt(sentAfter - sentBefore)} after waking` },
    { what: 'the old leader does not lead after it wakes', ok: ledAfterWaking === 0, figure: `it said it leads in ${ledAfterWaking} answers after waking` },
  ];
  return {
    scenario: pastLease ? 'SIGSTOP of the leader past the lease' : 'SIGSTOP of the leader shorter than the lease',
    injected: `SIGSTOP of the leader for ${holdMs / 1000} s, then SIGCONT${pastLease ? '; a CDU tripped before and one during the freeze' : ''}`,
    fromMs, toMs: Date.now(), failover: pastLease ? { ms: failoverMs, limitMs: KILL_FAILOVER_MS } : 'none', checks,
  };
}

export async function cleanStopOfLeader(ctx: Ctx): Promise<Outcome> {
  const { pair } = ctx.rig;
  const leader = await leaderNow(ctx);
  const rows = ['h1-r07'];
  const fromMs = Date.now();
  await ctx.rig.fault(`cdu-trip:${rows[0]}-cdu-a`);
  await incidentsOpen(ctx, rows, fromMs);
  const stopMs = Date.now();
  const stopped = pair[leader].stop();
  const failoverMs = await leadsAfter(ctx, 1 - leader, stopMs, 30_000).catch(() => Number.NaN);
  await stopped;
  ctx.log(`leader ${pair[leader].name} stopped (SIGTERM); ${pair[1 - leader].name} leads after ${failoverMs} ms`);
  await pair[leader].start();
  await ctx.rig.whole();
  await paged(ctx, rows, fromMs);
  await ctx.rig.fault('clear-all');
  return {
    scenario: 'clean stop of the leader', injected: `SIGTERM of the leader ${pair[leader].name} as a CDU trip's incident opens; restarted`,
    fromMs, toMs: Date.now(), failover: { ms: failoverMs, limitMs: CLEAN_FAILOVER_MS }, checks: [],
  };
}

export async function reconnectStorm(ctx: Ctx): Promise<Outcome> {
  const fromMs = Date.now();
  ctx.w.fleet.dropAll();
  const back = await waitFor('every wall back', () => ctx.w.fleet.down === 0 || notYet({ down: ctx.w.fleet.down }), 30_000, 100).then(() => true, () => false);
  await sleep(2000);
  return {
    scenario: 'reconnect storm', injected: `all ${ctx.w.fleet.size} walls dropped at once`, fromMs, toMs: Date.now(), failover: 'none',
    checks: [{ what: 'every wall back', ok: back, figure: `${ctx.w.fleet.down} walls still down` }],
  };
}
