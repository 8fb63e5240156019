/** The alert feed's worst severities by entity key, turned into the site indexes the heat map paints by. */
import type { SiteView } from '../../../protocol/site-view.ts';
import type { AlertMarks } from './draw-rings.ts';

/** What the marks are built from: the alert feed. */
export interface AlertSource {
  /** Bumped whenever the maps below change. */
  version: number;
  /** Worst firing severity by entity key (`rack:ID`, `cdu:ID`). */
  worstByEntity: ReadonlyMap<string, string>;
  /** Entity keys with a sensor fault. */
  sensorFaults: ReadonlySet<string>;
}

/** Alert marks of one version of the alert feed. */
export type VersionedMarks = AlertMarks & { version: number; sensor: Set<number> };

/** Site index by alert entity key (`rack:ID`, `cdu:ID`), built once per site. */
const entityIndexes = new WeakMap<SiteView, { rackIndex: Map<string, number>; cduIndex: Map<string, number> }>();

function entityIndex(s: SiteView) {
  let m = entityIndexes.get(s);
  if (!m) {
    m = { rackIndex: new Map(s.racks.map((r) => [`rack:${r.id}`, r.index])), cduIndex: new Map(s.cdus.map((c) => [`cdu:${c.id}`, c.index])) };
    entityIndexes.set(s, m);
  }
  return m;
}

/** The marks of `a`'s present version on `site`: `prev` again when the feed has not changed since. */
export function alertMarks(site: SiteView, a: AlertSource, prev: VersionedMarks | null): VersionedMarks {
  if (prev?.version === a.version) return prev;
  const racks = new Map<number, string>();
  const cdus = new Map<number, string>();
  const { rackIndex, cduIndex } = entityIndex(site);
  for (const [entity, sev] of a.worstByEntity) {
    const r = rackIndex.get(entity);
    if (r !== undefined) racks.set(r, sev);
    const c = cduIndex.get(entity);
    if (c !== undefined) cdus.set(c, sev);
  }
  const sensor = new Set<number>();
  for (const entity of a.sensorFaults) {
    const r = rackIndex.get(entity);
    if (r !== undefined) sensor.add(r);
  }
  return { version: a.version, racks, cdus, sensor };
}
