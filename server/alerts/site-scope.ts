/**
 * Whether saved alert state belongs to the loaded site: every key and matcher names a
 * `kind:id` (rack, cdu, row, hall, group), and state naming a place the site does not have —
 * left by a run on another site file with the same storage directory, or by racks since removed —
 * is dropped at start rather than shown or notified. Pure.
 */
import type { SiteIndex } from '../site/site-index.ts';
import type { IncidentJson } from '../../protocol/alerts.ts';

export interface SiteNames {
  rack: Set<string>;
  cdu: Set<string>;
  row: Set<string>;
  hall: Set<string>;
  group: Set<string>;
}

export function siteNames(site: SiteIndex): SiteNames {
  return {
    rack: new Set(site.racks.map((r) => r.id)),
    cdu: new Set(site.cdus.map((c) => c.id)),
    row: new Set(site.rows.map((r) => r.id)),
    hall: new Set(site.view.halls.map((h) => h.id)),
    group: new Set(site.groups.map((g) => g.id)),
  };
}

const KINDS: Record<keyof SiteNames, true> = { rack: true, cdu: true, row: true, hall: true, group: true };

function split(key: string): [keyof SiteNames | null, string] {
  const i = key.indexOf(':');
  const kind = key.slice(0, i);
  return [kind in KINDS ? (kind as keyof SiteNames) : null, key.slice(i + 1)];
}

/** `rack:h1-r01-k01`, `cdu:…`, `row:…`, `hall:…`, `group:…` names something in the site; `site:site` is any site's. */
export function siteHas(names: SiteNames, key: string): boolean {
  if (key === 'site:site') return true;
  const [kind, tail] = split(key);
  // Incident IDs may carry a rule (`row:h1-r07/rack-return-trend`) and a serial (`~2`).
  const id = tail.replace(/[/~].*$/s, '');
  return kind !== null && id !== '' && names[kind].has(id);
}

/**
 * A silence matcher still matches something in the site: rack and CDU matchers also as a
 * prefix (as `silenceMatches` reads them), the others exactly.
 */
export function matcherInSite(names: SiteNames, matcher: string): boolean {
  const [kind, id] = split(matcher);
  if (kind === null || id === '') return false;
  if (names[kind].has(id)) return true;
  if (kind !== 'rack' && kind !== 'cdu') return false;
  for (const x of names[kind]) if (x.startsWith(id)) return true;
  return false;
}

/** Every place a (resolved or saved) incident names: its ID, its roots' and consequences' entities, its racks. */
export function incidentInSite(names: SiteNames, i: Pick<IncidentJson, 'id' | 'roots' | 'children' | 'consequences'>): boolean {
  return siteHas(names, i.id)
    && [...(i.roots ?? []), ...(i.consequences ?? [])].every((a) => siteHas(names, a.entity))
    && (i.children ?? []).every((c) => names.rack.has(c.rackId));
}
