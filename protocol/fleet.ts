/**
 * `GET /api/fleet`: what the fleet view on a hub (docs/multi-site.md) knows of every site — whether
 * its shards beat over the leaf connection, its halls and their servers, and its open incidents.
 * Any other server answers `fleet: false`.
 */
import type { IncidentView, SilenceView } from './alerts.ts';
import { fail, ok, type Result } from './result.ts';

export interface FleetHall {
  hallId: string;
  shard: string;
  serverName: string;
}

export interface FleetSite {
  siteKey: string;
  /** `stale`: no shard of the site beat within the threshold (its leaf connection, or its shards, down). */
  state: 'live' | 'stale';
  sinceMs: number;
  /** Why it is stale or partly silent; empty when all is well. */
  reason: string;
  halls: FleetHall[];
  /** Open incidents of its shards, as they last told (kept while the site is stale). */
  incidents: IncidentView[];
  /** Silences its shards keep, once each. */
  silences: SilenceView[];
  lastBeatMs: number | null;
  /** The site's dashboard (its shards' `--public-url`): where its halls and incidents open; null when not set. */
  dashboardUrl: string | null;
}

export interface FleetView {
  fleet: boolean;
  nowMs: number;
  sites: FleetSite[];
}

export function parseFleetView(body: unknown): Result<FleetView> {
  if (typeof body !== 'object' || body === null) return fail('shape', 'fleet view: object expected');
  const b = body as Record<string, unknown>;
  if (typeof b.fleet !== 'boolean' || typeof b.nowMs !== 'number' || !Array.isArray(b.sites)) {
    return fail('shape', 'fleet view: fleet (boolean), nowMs (number) and sites (array) expected');
  }
  for (const s of b.sites as Record<string, unknown>[]) {
    if (typeof s?.siteKey !== 'string' || (s.state !== 'live' && s.state !== 'stale') || !Array.isArray(s.halls) || !Array.isArray(s.incidents)) {
      return fail('shape', 'fleet view: each site needs siteKey, state (live or stale), halls and incidents');
    }
  }
  return ok(b as unknown as FleetView);
}
