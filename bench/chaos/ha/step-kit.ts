/**
 * What the HA steps share: the rig and the watchers, who leads now, waiting for a server to
 * lead, waiting until the incidents a step opened are paged, and bringing the pair back whole
 * after a step that failed half-way.
 */
import { notYet, waitFor } from '../../../test/helpers/wait.ts';
import type { ChaosScale } from '../scenario.ts';
import type { Outcome, Watchers } from './measure.ts';
import { deliveries } from './measure.ts';
import { countFiring } from './pages.ts';
import type { HaRig } from './rig.ts';

export interface Ctx {
  rig: HaRig;
  w: Watchers;
  scale: ChaosScale;
  log: (line: string) => void;
}

export type Step = (ctx: Ctx) => Promise<Outcome>;

/** Index of the member that leads now (asked directly, both answering). */
export async function leaderNow(ctx: Ctx): Promise<number> {
  return waitFor('exactly one leader', async () => {
    const l = await Promise.all(ctx.rig.pair.map((m) => m.leader()));
    return l[0] + l[1] === 1 ? { index: l.indexOf(1) } : notYet(l);
  }, 60_000, 200).then((r) => r.index);
}

/** Waits until member `i` says it leads (polled by the leader watch) at or after `sinceMs`; the time it took from `sinceMs`, ms. */
export async function leadsAfter(ctx: Ctx, i: number, sinceMs: number, timeoutMs = 60_000): Promise<number> {
  const atMs = await waitFor(`${ctx.rig.pair[i].name} to lead`, () => {
    const t = ctx.w.leader.leadsFromMs(i, sinceMs);
    return Number.isFinite(t) ? t : notYet('not yet');
  }, timeoutMs, 50);
  return atMs - sinceMs;
}

/** An incident ID naming this row (`group:h1-r01`, `rack:h1-r01-k07`), not a longer row number. */
export const ofRow = (id: string, row: string) => new RegExp(`${row}(?![0-9])`).test(id);

/** Waits until some server lists an incident of each row open. */
export async function incidentsOpen(ctx: Ctx, rows: string[], sinceMs: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(`incidents of ${rows.join(', ')}`, () => {
    const seen = ctx.w.incidents.seen(sinceMs, Date.now());
    const missing = rows.filter((r) => !seen.some((i) => ofRow(i.id, r)));
    return missing.length === 0 || notYet({ missing });
  }, timeoutMs, 200);
}

/**
 * Waits until every incident seen since `sinceMs` that is due a page has one, and each of
 * `rows` has been paged; a timeout is logged, not thrown (the row reports what was lost).
 */
export async function paged(ctx: Ctx, rows: string[], sinceMs: number, timeoutMs = 60_000): Promise<void> {
  try {
    await waitFor(`pages of ${rows.join(', ')}`, () => {
      const all = deliveries(ctx.w.receiver);
      const c = countFiring(ctx.w.incidents.seen(sinceMs, Date.now()), all.filter((d) => d.atMs >= sinceMs), all.filter((d) => d.atMs < sinceMs), sinceMs);
      const unpaged = rows.filter((r) => !all.some((d) => d.atMs >= sinceMs && d.kind === 'firing' && ofRow(d.incidentId, r)));
      return (c.lost === 0 && unpaged.length === 0) || notYet({ lost: c.lostIds, unpaged });
    }, timeoutMs, 250);
  } catch (e) {
    ctx.log(`not paged in time: ${(e as Error).message}`);
  }
}

/** Restarts what a failed step left down (servers, nodes, InfluxDB, a frozen process) and waits for the pair to be whole. */
export async function heal(ctx: Ctx): Promise<void> {
  const { rig } = ctx;
  for (const m of rig.pair) m.signal('SIGCONT');
  for (const n of rig.nats.nodes) {
    n.signal('SIGCONT');
    if (n.pid() === undefined) await n.start();
  }
  if (rig.influx.pid() === undefined) await rig.influx.start();
  for (const m of rig.pair) {
    const p = m.running();
    if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) await m.start();
  }
  await rig.nats.healthy(30_000).catch((e: Error) => ctx.log(e.message));
  await rig.whole(180_000);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
