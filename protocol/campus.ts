/**
 * What hall shards tell the campus view (subjects in protocol/campus-subjects.ts) and what the
 * campus view tells the dashboard (`GET /api/campus`). Live state travels as binary delta frames
 * (protocol/stream-binary.ts) indexed by the shard's own site (its halls, in site-file order).
 */
import { fail, ok, type Result } from './result.ts';

/** A shard's beat, every second: who it is, what it holds and whether its telemetry flows. */
export interface ShardBeat {
  shard: string;
  halls: string[];
  serverName: string;
  /** SHA-256 of the campus site file (canonical JSON): a campus view with another site ignores the shard, saying why. */
  siteSha256: string;
  /** Racks and CDUs of the shard's site. */
  racks: number;
  cdus: number;
  /** Whether the shard's telemetry flows (its broker connected, samples arriving). */
  telemetryFlows: boolean;
  sentMs: number;
  /**
   * Where users reach the shard's halls (its `--public-url`; on a campus, the campus view's
   * address): the fleet view links the site there. An http(s) URL; absent or null when not set.
   */
  dashboardUrl?: string | null;
}

/** Whether `url` is an absolute http(s) URL: the only kind a dashboard links to. */
export function isDashboardUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > 2000) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function parseShardBeat(body: unknown): Result<ShardBeat> {
  if (typeof body !== 'object' || body === null) return fail('shape', 'shard beat: object expected');
  const b = body as Record<string, unknown>;
  for (const k of ['shard', 'serverName', 'siteSha256'] as const) {
    if (typeof b[k] !== 'string') return fail('shape', `shard beat: ${k}: string expected`);
  }
  if (!Array.isArray(b.halls) || !b.halls.every((h) => typeof h === 'string')) return fail('shape', 'shard beat: halls: strings expected');
  for (const k of ['racks', 'cdus', 'sentMs'] as const) {
    if (typeof b[k] !== 'number' || !Number.isFinite(b[k])) return fail('shape', `shard beat: ${k}: number expected`);
  }
  if (typeof b.telemetryFlows !== 'boolean') return fail('shape', 'shard beat: telemetryFlows: boolean expected');
  if (b.dashboardUrl !== undefined && b.dashboardUrl !== null && !isDashboardUrl(b.dashboardUrl)) {
    return fail('shape', 'shard beat: dashboardUrl: an http(s) URL or null expected');
  }
  return ok(b as unknown as ShardBeat);
}

/** A hall as the campus view sees it. */
export interface CampusHall {
  hallId: string;
  /** The shard holding it; null before any shard said so. */
  shard: string | null;
  serverName: string | null;
  /** `live`: its shard beats; `unreachable`: no beat for longer than the stale threshold; `missing`: no shard has claimed it. */
  status: 'live' | 'unreachable' | 'missing';
  /** Since when it is in this status, ms (null for `missing` from the start). */
  sinceMs: number | null;
  /** What the dashboard shows: "hall h3: its server is unreachable since 14:02:11". Empty when live. */
  reason: string;
}

/** `GET /api/campus`: the campus view's halls; a hall shard or a whole-site server answers `campus: false`. */
export interface CampusView {
  campus: boolean;
  halls: CampusHall[];
  /** Halls whose shard beats, of all the site's halls: what the site totals include. */
  hallsLive: number;
  hallsTotal: number;
}

/** What a server that is not the campus view answers. */
export function notCampus(hallsTotal: number): CampusView {
  return { campus: false, halls: [], hallsLive: hallsTotal, hallsTotal };
}

/** The campus view's requests to the shard holding an incident or a hall (request/reply). */
export type ShardRequestBody =
  | { req: 'ack'; incidentId: string; by: string; comment: string }
  | { req: 'silence'; op: 'add'; silence: { id?: string; matcher: string; startsMs: number; endsMs: number; comment: string; by: string; recurrence?: unknown } }
  | { req: 'silence'; op: 'remove'; id: string; by: string }
  | { req: 'history'; path: string; query: string }
  | { req: 'detail'; rackId: string };

/** A shard's answer: an HTTP status and body, as its own API would have answered. */
export interface ShardAnswer {
  status: number;
  body: unknown;
}

/** Reads `/api/campus`'s body, naming what is wrong. */
export function parseCampusView(body: unknown): Result<CampusView> {
  if (typeof body !== 'object' || body === null) return fail('shape', 'campus view: object expected');
  const b = body as Record<string, unknown>;
  if (typeof b.campus !== 'boolean') return fail('shape', 'campus view: campus: boolean expected');
  if (typeof b.hallsLive !== 'number' || typeof b.hallsTotal !== 'number') return fail('shape', 'campus view: hallsLive, hallsTotal: numbers expected');
  if (!Array.isArray(b.halls)) return fail('shape', 'campus view: halls: array expected');
  for (const h of b.halls as Record<string, unknown>[]) {
    if (typeof h?.hallId !== 'string' || !['live', 'unreachable', 'missing'].includes(h.status as string) || typeof h.reason !== 'string') {
      return fail('shape', 'campus view: each hall needs hallId, status (live, unreachable, missing) and reason');
    }
  }
  return ok(b as unknown as CampusView);
}
