/**
 * Two servers pair only when they load the same site: each compares a fingerprint of its site
 * (SHA-256 of the site spec as canonical JSON, so spacing and key order do not count) with the
 * one stored in the cluster by the first server that started on it. Pure; the store is in
 * `server/storage/state-stores.ts`.
 */
import { createHash } from 'node:crypto';
import type { SiteSpec } from '../../protocol/site.ts';
import { canonicalJson } from '../storage/canonical-json.ts';

/** The site a cluster runs, as stored under the `site` key of `hallwatch-state`. */
export interface SiteClaim {
  /** SHA-256 (hex) of the site spec as canonical JSON. */
  sha256: string;
  name: string;
  halls: number;
  racks: number;
  cdus: number;
  /** The server that stored it, and when (ms since the epoch). */
  by: string;
  atMs: number;
}

/** The claim a server with `spec` makes. */
export function siteClaim(spec: SiteSpec, by: string, atMs: number): SiteClaim {
  const sha256 = createHash('sha256').update(canonicalJson(spec)).digest('hex');
  const racks = spec.halls.reduce((n, h) => n + h.rows.reduce((m, r) => m + r.racks.length, 0), 0);
  const cdus = spec.halls.reduce((n, h) => n + h.cdus.length, 0);
  return { sha256, name: spec.name, halls: spec.halls.length, racks, cdus, by, atMs };
}

/** Checks a stored claim's shape; throws with the reason. */
export function parseSiteClaim(json: unknown): SiteClaim {
  const c = json as Partial<SiteClaim> | null;
  const fields: [keyof SiteClaim, string][] = [['sha256', 'string'], ['name', 'string'], ['halls', 'number'], ['racks', 'number'], ['cdus', 'number'],
    ['by', 'string'], ['atMs', 'number']];
  if (typeof c !== 'object' || c === null) throw new Error('not a site fingerprint (an object is required)');
  const bad = fields.find(([k, type]) => typeof c[k] !== type);
  if (bad) throw new Error(`not a site fingerprint (${bad[0]}: a ${bad[1]} is required)`);
  return c as SiteClaim;
}

/** "name" (N racks, M CDUs in H halls, sha256 1234abcd…). */
export function describeSite(c: SiteClaim): string {
  return `"${c.name}" (${c.racks} racks, ${c.cdus} CDUs in ${c.halls} halls, sha256 ${c.sha256.slice(0, 12)}…)`;
}

/** Why a server loading `mine` must not join a cluster that runs `theirs`; null when they are the same site. */
export function siteMismatch(mine: SiteClaim, theirs: SiteClaim): string | null {
  if (mine.sha256 === theirs.sha256) return null;
  return `this server's site file is ${describeSite(mine)} but the cluster runs ${describeSite(theirs)}, ` +
    `stored by server ${theirs.by} at ${new Date(theirs.atMs).toISOString()}: both servers of a pair must load the same site file. ` +
    'To change the site on purpose, give both servers the new file and start one with --cluster-adopt-site 1';
}
