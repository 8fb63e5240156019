/**
 * One HA scenario's window read from the run-long watchers: leader overlap, pages counted
 * against incidents, wall reconnects, 5xx through HAProxy, the longest key-value write, samples
 * each server missed. What the scenario itself checked comes with it (`checks`). InfluxDB is
 * read once at the end of the run, when both servers have written everything (report.ts).
 */
import type { Receiver } from '../../../test/helpers/webhook-receiver.ts';
import { countFiring, countResolved, type Delivery, type PageCount } from './pages.ts';
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
  return {
    ...o,
    overlapMs: w.leader.overlapMs(o.fromMs, o.toMs),
    leaderChanges: w.leader.changes(o.fromMs, o.toMs),
    firing: countFiring(w.incidents.seen(o.fromMs, o.toMs), inWindow, earlier, o.fromMs),
    resolvedPages: o.resolved ? countResolved(w.incidents.openNow(), inWindow) : null,
    ws: w.fleet.summary(o.fromMs, o.toMs),
    http5xx: w.http.serverErrorsAtMs.filter(inRange).length,
    httpFailed: w.http.failuresAtMs.filter(inRange).length,
    kvStallMs: kv.ms,
    kvFailed: kv.failed,
    missed,
  };
}

/** A line for the progress log. */
export function summaryLine(m: Measured): string {
  const p = (c: PageCount) => `${c.expected}/${c.sent}/${c.duplicated}/${c.lost}${c.lostIds.length ? ` lost ${c.lostIds.join(' ')}` : ''}${c.duplicatedIds.length ? ` dup ${c.duplicatedIds.join(' ')}` : ''}`;
  return `overlap ${m.overlapMs} ms, changes ${m.leaderChanges}, firing ${p(m.firing)}${m.resolvedPages ? `, resolved ${p(m.resolvedPages)}` : ''}, ` +
    `ws ${JSON.stringify(m.ws)}, 5xx ${m.http5xx} (failed ${m.httpFailed}), kv ${Math.round(m.kvStallMs)} ms (failed ${m.kvFailed}), missed ${JSON.stringify(m.missed)}; ` +
    m.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.what}: ${c.figure}`).join('; ');
}
