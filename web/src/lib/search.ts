/**
 * Finding a rack, CDU, row or hall by what an operator types. The index is built once per site
 * layout (flat lower-cased strings, one per entity); a query scans those strings only, so a
 * keystroke over a 20,000-rack site costs one pass over ~25,000 short strings.
 */
import type { SiteView } from '../../../protocol/site-view.ts';
import { formatRoute } from './route.ts';

export type SearchKind = 'rack' | 'cdu' | 'row' | 'hall';

export interface SearchEntry {
  kind: SearchKind;
  id: string;
  /** What the dropdown shows under the ID: the hall (and row) it is in, or a hall's name. */
  detail: string;
  hallId: string;
}

export interface SearchIndex {
  entries: SearchEntry[];
  /** `keys[i]`: entry i's ID, lower case. */
  keys: string[];
  /** `names[i]`: entry i's name, lower case ('' when it has none: only halls have names). */
  names: string[];
}

/** The part of the site the index reads. */
export type SearchSite = Pick<SiteView, 'halls' | 'racks' | 'cdus'>;

/** Order of kinds among equally good matches of one length: the things a fault is usually named by first. */
const KIND_ORDER: Record<SearchKind, number> = { rack: 0, cdu: 1, row: 2, hall: 3 };

/** How well an entry matches, best first. */
export const MatchRank = { Exact: 0, Prefix: 1, WordPrefix: 2, Contains: 3 } as const;

/** Builds the index of every hall, row, rack and CDU of a site (once per layout). */
export function buildSearchIndex(site: SearchSite): SearchIndex {
  const entries: SearchEntry[] = [];
  const names: string[] = [];
  const hallName = new Map(site.halls.map((h) => [h.id, h.name]));
  const add = (e: SearchEntry, name = '') => {
    entries.push(e);
    names.push(name.toLowerCase());
  };
  for (const h of site.halls) {
    add({ kind: 'hall', id: h.id, detail: h.name, hallId: h.id }, h.name);
    for (const row of h.rows) add({ kind: 'row', id: row.id, detail: `${h.name} · ${row.rackIds.length} racks`, hallId: h.id });
  }
  for (const r of site.racks) add({ kind: 'rack', id: r.id, detail: `${hallName.get(r.hallId) ?? r.hallId} · ${r.rowId}`, hallId: r.hallId });
  for (const c of site.cdus) add({ kind: 'cdu', id: c.id, detail: `${hallName.get(c.hallId) ?? c.hallId} · ${c.rowId}`, hallId: c.hallId });
  return { entries, keys: entries.map((e) => e.id.toLowerCase()), names };
}

/** True when `text` has `q` at its start or right after a separator (`-`, `_`, `.`, space). */
function atWordStart(text: string, q: string): boolean {
  for (let at = text.indexOf(q); at >= 0; at = text.indexOf(q, at + 1)) {
    if (at === 0 || '-_. '.includes(text[at - 1])) return true;
  }
  return false;
}

/** How well one text matches the whole query and its words; -1: not at all. */
function rankText(text: string, q: string, words: string[]): number {
  if (!text) return -1;
  if (text === q) return MatchRank.Exact;
  if (text.startsWith(q)) return MatchRank.Prefix;
  if (!words.every((w) => text.includes(w))) return -1;
  return words.every((w) => atWordStart(text, w)) ? MatchRank.WordPrefix : MatchRank.Contains;
}

export interface SearchHit {
  entry: SearchEntry;
  rank: number;
}

/**
 * The `limit` best matches for `query`: exact ID or name first, then IDs or names that start
 * with it, then those where each word of the query starts a part of the ID ("r03 k05" finds
 * h1-r03-k05), then those that merely contain every word. Ties: the shorter ID (the closer
 * completion) first; then racks, CDUs, rows, halls; then ID order. An empty query finds nothing.
 */
export function search(index: SearchIndex, query: string, limit = 8): SearchHit[] {
  const q = query.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!q) return [];
  const words = q.split(' ');
  // The best `limit` so far, in order: most entries fail the comparison with the last one kept.
  const hits: SearchHit[] = [];
  for (let i = 0; i < index.keys.length; i++) {
    const byId = rankText(index.keys[i], q, words);
    const byName = rankText(index.names[i], q, words);
    const rank = byId < 0 ? byName : byName < 0 ? byId : Math.min(byId, byName);
    if (rank < 0) continue;
    const hit = { entry: index.entries[i], rank };
    if (hits.length === limit && better(hits[limit - 1], hit)) continue;
    let at = hits.length;
    while (at > 0 && better(hit, hits[at - 1])) at--;
    hits.splice(at, 0, hit);
    if (hits.length > limit) hits.pop();
  }
  return hits;
}

/** Whether `a` is listed before `b`. */
function better(a: SearchHit, b: SearchHit): boolean {
  return (a.rank - b.rank
    || a.entry.id.length - b.entry.id.length
    || KIND_ORDER[a.entry.kind] - KIND_ORDER[b.entry.kind]
    || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0)) < 0;
}

/**
 * Where choosing an entry goes: a rack or CDU opens its panel in its hall (as a click on the map
 * does), a row its drill-down (the row's own page), a hall its heat map; `metric` is kept.
 */
export function hrefOf(entry: SearchEntry, metric: string | null): string {
  const base = { hallId: entry.hallId, metric, rackId: null };
  switch (entry.kind) {
    case 'rack': return formatRoute({ ...base, rackId: entry.id });
    case 'cdu': return formatRoute({ ...base, cduId: entry.id });
    case 'row': return formatRoute({ hallId: null, metric, rackId: null, history: { kind: 'row', id: entry.id, from: 'now-1h', to: 'now', gpu: null } });
    case 'hall': return formatRoute(base);
  }
}
