/**
 * An HA scenario's row: the figures the issue asks of each (failover, overlap, pages, wall
 * reconnects, 5xx, key-value stall, samples missed per server, InfluxDB points) and whether
 * the pair's promises held — no overlap, no page lost or sent twice outside a quorum loss,
 * failover within its aim, walls back within 5 s (p95), no rack-second missing in InfluxDB.
 */
import { rawSamples } from '../../../test/helpers/raw-history.ts';
import { missing } from '../ingest-kill.ts';
import { fmt } from '../kit.ts';
import { row, type ChaosRow } from '../scenario.ts';
import type { Measured } from './measure.ts';
import type { PageCount } from './pages.ts';

/** A wall whose server went is live again within this (p95), ms. */
export const WALL_RECONNECT_P95_MS = 5000;

export interface History {
  stored: number;
  expected: number;
  lost: number;
  twice: number;
  /** Where samples are missing (a few racks): `rack from→to`, ISO times. */
  gaps: string[];
}

/** Gaps over 1.5 s between a rack's stored samples in the window, the first few. */
async function gapsOf(query: (q: string) => Promise<any>, fromMs: number, toMs: number): Promise<string[]> {
  const samples = await rawSamples(query, 'rack', ['rack_kw'], 'rack', `time > ${fromMs - 10_000}ms AND time < ${toMs + 10_000}ms`, fromMs - 10_000, toMs + 10_000);
  const out: string[] = [];
  for (const [rack, s] of samples) {
    for (let k = 1; k < s.tsMs.length && out.length < 5; k++) {
      const [a, b] = [s.tsMs[k - 1], s.tsMs[k]];
      if (b - a > 1500 && b > fromMs && a < toMs) out.push(`${rack} ${new Date(a).toISOString().slice(11, 23)}→${new Date(b).toISOString().slice(11, 23)}`);
    }
  }
  return out;
}

/** Raw rack samples InfluxDB holds for the window, against one per rack and second. */
export async function historyOf(query: (q: string) => Promise<any>, racks: number, fromMs: number, toMs: number): Promise<History> {
  const m = await missing(query, fromMs, toMs);
  const gaps = m.lost > 0 ? await gapsOf(query, fromMs, toMs) : [];
  return { stored: m.stored, expected: Math.round((racks * (toMs - fromMs)) / 1000), lost: m.lost, twice: m.twice, gaps };
}

const s = (ms: number) => (Number.isFinite(ms) ? fmt(ms / 1000, 1) : '—');
const pages = (c: PageCount) => `${c.expected} / ${c.sent} / ${c.duplicated} / ${c.lost}`;

/** The row, with what failed named in the figure. */
export function haRow(m: Measured, h: History | null): ChaosRow {
  const fails: string[] = [];
  const need = (ok: boolean, what: string) => ok || fails.push(what);
  const parts: string[] = [];
  if (m.failover === 'none') {
    parts.push(`lead moved ${m.leaderChanges}×`);
    need(m.leaderChanges === 0, 'the lead moved');
  } else if (m.failover) {
    parts.push(`failover ${s(m.failover.ms)} s`);
    need(m.failover.ms <= m.failover.limitMs, `failover over ${m.failover.limitMs / 1000} s`);
  }
  parts.push(`overlap ${fmt(m.overlapMs)} ms`);
  need(m.overlapMs === 0, 'two leaders at once');
  parts.push(`notifications exp/sent/dup/lost ${pages(m.firing)}${m.resolvedPages ? `; resolved ${pages(m.resolvedPages)}` : ''}` +
    (m.shadowOnly.length ? ` (not due: ${m.shadowOnly.length} incidents listed only by a standby — ${m.shadowOnly.join(', ')})` : ''));
  if (!m.quorumLoss) {
    need(m.firing.lost === 0 && (m.resolvedPages?.lost ?? 0) === 0, `page lost (${[...m.firing.lostIds, ...(m.resolvedPages?.lostIds ?? [])].join(', ')})`);
    need(m.firing.duplicated === 0 && (m.resolvedPages?.duplicated ?? 0) === 0, `page sent twice (${[...m.firing.duplicatedIds, ...(m.resolvedPages?.duplicatedIds ?? [])].join(', ')})`);
  }
  parts.push(m.ws.recoveries > 0
    ? `WS ${m.ws.recoveries} reconnects p50/p95/max ${s(m.ws.p50Ms)}/${s(m.ws.p95Ms)}/${s(m.ws.maxMs)} s`
    : 'WS 0 reconnects');
  parts.push(`longest frame gap ${s(m.ws.longestGapMs)} s`);
  if (m.ws.recoveries > 0) need(m.ws.p95Ms <= WALL_RECONNECT_P95_MS, `walls back after ${s(m.ws.p95Ms)} s (p95)`);
  parts.push(`HTTP 5xx ${m.http5xx}${m.httpFailed ? ` (+${m.httpFailed} no answer)` : ''}`);
  parts.push(`KV stall ${s(m.kvStallMs)} s${m.kvFailed ? ` (${m.kvFailed} writes failed)` : ''}`);
  parts.push(`samples missed ${Object.entries(m.missed).map(([n, v]) => `${n.replace('hallwatch-', '')} ${fmt(v)}`).join(', ')}`);
  if (h) {
    parts.push(`InfluxDB ${fmt(h.stored)} of ${fmt(h.expected)} points (${fmt(h.lost)} rack-s lost${h.twice ? `, ${fmt(h.twice)} twice` : ''})`);
    if (!m.quorumLoss && !m.busFault) need(h.lost === 0, `${fmt(h.lost)} rack-seconds missing in InfluxDB`);
  }
  for (const c of m.checks) {
    parts.push(c.figure);
    need(c.ok, c.what);
  }
  const mustHold = [
    m.failover === 'none' ? 'no failover' : m.failover ? `failover ≤ ${m.failover.limitMs / 1000} s` : null,
    'no overlap',
    m.quorumLoss ? null : 'no page lost or sent twice',
    `walls back ≤ ${WALL_RECONNECT_P95_MS / 1000} s (p95)`,
    m.quorumLoss || m.busFault ? null : '0 rack-s missing in InfluxDB',
    ...m.checks.map((c) => c.what),
  ].filter(Boolean).join('; ');
  const figure = parts.join('; ') + (fails.length ? ` — **fails: ${fails.join('; ')}**` : '');
  return row(`ha: ${m.scenario}`, m.injected, mustHold, figure, fails.length === 0);
}
