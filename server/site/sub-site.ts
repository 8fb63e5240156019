/**
 * A hall shard's site: the campus's site file with only the shard's halls. The shard's live
 * state, rules and history are of these halls; the campus view maps them back by ID. Pure.
 */
import type { SiteSpec } from '../../protocol/site.ts';
import { fail, ok, type Result } from '../../protocol/result.ts';

/** The site with only `hallIds` (in the site file's order); an error names the halls it lacks. */
export function siteOfHalls(spec: SiteSpec, hallIds: readonly string[]): Result<SiteSpec> {
  const known = new Set(spec.halls.map((h) => h.id));
  const missing = hallIds.filter((h) => !known.has(h));
  if (missing.length > 0) {
    const has = spec.halls.map((h) => h.id).join(', ');
    return fail('unknown-hall', `--halls: ${missing.map((h) => `"${h}"`).join(', ')} not in site "${spec.name}" (its halls: ${has})`);
  }
  const wanted = new Set(hallIds);
  return ok({ ...spec, halls: spec.halls.filter((h) => wanted.has(h.id)) });
}
