/**
 * One HA scenario's window read from the run-long watchers: leader overlap, pages counted
 * against incidents, wall reconnects, 5xx through HAProxy, the longest key-value write, samples
 * each server missed. What the scenario itself checked comes with it (`checks`). InfluxDB is
 * read once at the end of the run, when both servers have written everything (report.ts).
 */
import type { Receiver } from '../../../test/helpers/webhook-receiver.ts';
import { countFiring, countResolved, type Delivery, type PageCount, type SeenIncident } from './pages.ts';
import type { PairMember } from './rig.ts';
import type { HttpWatch, IncidentWatch, KvStallWatch, LeaderWatch, SampleWatch } from './watchers.ts';
import type { WsFleet } from './ws-fleet.ts';

export interface Watchers {
  pair: PairMember[];
  leader: LeaderWatch;
  http: HttpWatch;
  kv: KvStallWatch;
  samples: SampleWatch;
  incidents: IncidentWatch;
  fleet: WsFleet;
  receiver: Receiver;
  /** Racks of the site: samples due per second. */
  racks: number;
}

/** A check of the scenario's own: what must hold, whether it held, the figure. */
export interface Check {
  what: string;
  ok: boolean;
  figure: string;
}

/** What a scenario reports: its window, what it injected, its failover and its own checks. */
export interface Outcome {
  scenario: string;
  injected: string;
  fromMs: number;
  toMs: number;
  /** Measured failover and its aim; 'none' when the lead must not move. */
  failover: { ms: number; limitMs: number } | 'none' | null;
  checks: Check[];
  /** Resolved pages are due too (incidents cleared inside the window). */
  resolved?: boolean;
  /** Quorum lost: pages and history are reported, not judged (the issue's exception). */
  quorumLoss?: boolean;
  /**
   * A fault of the bus itself (a NATS node down): the racks' publishers reconnect too, so what
   * InfluxDB misses is reported, not judged (the issue promises 0 rack-seconds for a server killed).
   */
  busFault?: boolean;
}

export interface Measured extends Outcome {
  overlapMs: number;
  leaderChanges: number;
  firing: PageCount;
  resolvedPages: PageCount | null;
  ws: ReturnType<WsFleet['summary']>;
  http5xx: number;
  httpFailed: number;
  kvStallMs: number;
  kvFailed: number;
  /** Rack samples each server did not accept in the window, by name. */
  missed: Record<string, number>;
  /** Incidents only a standby listed, while it did not lead (its own telemetry gap, not the site's): `id on server`. */
  shadowOnly: string[];
}

/**
 * IDs listed by one server only — under any start time: the two servers may date one incident a
 * tick apart — which did not lead at any time while it listed them.
 */
function onlyOnStandby(w: Watchers, seen: SeenIncident[]): Set<string> {
  const byId = new Map<string, Record<string, [number, number]>>();
  for (const i of seen) {
    const by = byId.get(i.id) ?? byId.set(i.id, {}).get(i.id)!;
    for (const [name, [first, last]] of Object.entries(i.seenBy)) by[name] = [Math.min(by[name]?.[0] ?? first, first), Math.max(by[name]?.[1] ?? last, last)];
  }
  const out = new Set<string>();
  for (const [id, by] of byId) {
    const names = Object.keys(by);
    if (names.length !== 1) continue;
    const index = w.pair.findIndex((m) => m.name === names[0]);
    const [firstMs, lastMs] = by[names[0]];
    if (!w.leader.answers(index, firstMs - 2000, lastMs + 2000).some((x) => x.leader === 1)) out.add(id);
  }
  return out;
}

/** Webhook deliveries as the page counter reads them. */
export function deliveries(receiver: Receiver): Delivery[] {
  return receiver.at('/hook').map((r) => ({ key: r.key, kind: String(r.body?.kind), incidentId: String(r.body?.incident?.id), atMs: r.atMs }));
}

/** The window's figures from the watchers. */
export function measure(w: Watchers, o: Outcome): Measured {
  const all = deliveries(w.receiver);
  const inWindow = all.filter((d) => d.atMs >= o.fromMs && d.atMs <= o.toMs);
  const earlier = all.filter((d) => d.atMs < o.fromMs);
  const missed: Record<string, number> = {};
  w.pair.forEach((m, i) => {
    const a = w.samples.accepted(i, o.fromMs, o.toMs);
    missed[m.name] = Math.max(0, Math.round(w.racks * a.spanS - a.samples));
  });
  const kv = w.kv.longest(o.fromMs, o.toMs);
  const inRange = (t: number) => t >= o.fromMs && t < o.toMs;
  const seen = w.incidents.seen(o.fromMs, o.toMs);
  const shadow = onlyOnStandby(w, seen);
  return {
    ...o,
    overlapMs: w.leader.overlapMs(o.fromMs, o.toMs),
    leaderChanges: w.leader.changes(o.fromMs, o.toMs),
    firing: countFiring(seen.filter((i) => !shadow.has(i.id)), inWindow, earlier, o.fromMs),
    shadowOnly: seen.filter((i) => shadow.has(i.id) && i.startedMs >= o.fromMs).map((i) => `${i.id} (${i.rules.join('+')}) on ${Object.keys(i.seenBy)[0]}`),
    resolvedPages: o.resolved ? countResolved(w.incidents.openNow(), inWindow) : null,
    ws: w.fleet.summary(o.fromMs, o.toMs),
    http5xx: w.http.serverErrorsAtMs.filter(inRange).length,
    httpFailed: w.http.failuresAtMs.filter(inRange).length,
    kvStallMs: kv.ms,
    kvFailed: kv.failed,
    missed,
  };
}

/** Everything a window saw, for reading after a run (`HALLWATCH_CHAOS_HA_DUMP=file.json`). */
export function dump(w: Watchers, o: Outcome): unknown {
  return {
    ...o,
    deliveries: deliveries(w.receiver).filter((d) => d.atMs >= o.fromMs && d.atMs <= o.toMs),
    incidents: w.incidents.seen(o.fromMs, o.toMs),
    leader: w.pair.map((m, i) => ({ name: m.name, changes: w.leader.answers(i, o.fromMs, o.toMs).filter((x, k, a) => k === 0 || x.leader !== a[k - 1].leader) })),
  };
}

/** A line for the progress log. */
export function summaryLine(m: Measured): string {
  const p = (c: PageCount) => `${c.expected}/${c.sent}/${c.duplicated}/${c.lost}${c.lostIds.length ? ` lost ${c.lostIds.join(' ')}` : ''}${c.duplicatedIds.length ? ` dup ${c.duplicatedIds.join(' ')}` : ''}`;
  return `overlap ${m.overlapMs} ms, changes ${m.leaderChanges}, firing ${p(m.firing)}${m.shadowOnly.length ? ` (only on a standby: ${m.shadowOnly.join(', ')})` : ''}${m.resolvedPages ? `, resolved ${p(m.resolvedPages)}` : ''}, ` +
    `ws ${JSON.stringify(m.ws)}, 5xx ${m.http5xx} (failed ${m.httpFailed}), kv ${Math.round(m.kvStallMs)} ms (failed ${m.kvFailed}), missed ${JSON.stringify(m.missed)}; ` +
    m.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.what}: ${c.figure}`).join('; ');
}
