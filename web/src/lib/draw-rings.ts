/**
 * Alert rings: major in orange, minor/warning in pale yellow, drawn outside the tile over a dark
 * line (so a ring shows on a tile of its own colour); dashed on a rack with a sensor fault (its
 * readings are not to be trusted). Critical alerts get no ring: their tiles are handed back for
 * the alarm overlay's beacons (draw-alarms.ts).
 */
import type { HallLayout, Rect } from './hall-layout.ts';
import { outside, type WorldView } from './draw-marks.ts';

/** Worst firing alert severity by rack and by CDU site index (only those with one). */
export interface AlertMarks {
  racks: Map<number, string>;
  cdus: Map<number, string>;
  /** Racks with a sensor fault: their ring is dashed. */
  sensor?: Set<number>;
}

const RING: Record<string, string> = { major: '#fdae61', minor: '#fee090', warning: '#fee090' };
const RING_OUTLINE = '#0b0f14';

/**
 * Strokes a ring around every rack and CDU of `layout` that has a firing alert short of
 * critical, within the view; returns the tiles with a critical alert.
 */
export function drawAlertRings(ctx: CanvasRenderingContext2D, layout: HallLayout, alerts: AlertMarks, visible: WorldView | undefined): Rect[] {
  if (alerts.racks.size === 0 && alerts.cdus.size === 0) return [];
  const w = Math.max(1.5, layout.cell / 10);
  const { rings, critical } = ringPaths(layout, alerts, visible, w);
  ctx.save();
  for (const { color, dashed, path } of rings) {
    ctx.setLineDash(dashed ? [w * 1.5, w * 1.2] : []);
    ctx.strokeStyle = RING_OUTLINE;
    ctx.lineWidth = w * 2;
    ctx.stroke(path);
    ctx.strokeStyle = color;
    ctx.lineWidth = w;
    ctx.stroke(path);
  }
  ctx.restore();
  return critical;
}

type Rings = { rings: { color: string; dashed: boolean; path: Path2D }[]; critical: Rect[] };
/** Unzoomed ring paths of the last alert set seen with each layout (alerts change far less often than values). */
const ringCache = new WeakMap<HallLayout, { alerts: AlertMarks; rings: Rings }>();

/** One path per colour and dash: an alert storm rings thousands of racks. */
function ringPaths(layout: HallLayout, alerts: AlertMarks, visible: WorldView | undefined, w: number): Rings {
  const cached = visible ? undefined : ringCache.get(layout);
  if (cached?.alerts === alerts) return cached.rings;
  const byKey = new Map<string, Rings['rings'][number]>();
  const critical: Rect[] = [];
  const ring = (r: Rect, sev: string, dashed = false) => {
    if (sev === 'critical') return void critical.push(r);
    const color = RING[sev] ?? RING.warning;
    const key = `${color}|${dashed}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { color, dashed, path: new Path2D() }));
    g.path.rect(r.x - w / 2, r.y - w / 2, r.w + w, r.h + w);
  };
  // The site's alerts looked up in this hall: not 10,000 map lookups per paint.
  const { racks, cdus } = rectsByIndex(layout);
  for (const [index, sev] of alerts.racks) {
    const rect = racks.get(index);
    if (rect && !outside(rect, visible)) ring(rect, sev, alerts.sensor?.has(index));
  }
  for (const [index, sev] of alerts.cdus) {
    const rect = cdus.get(index);
    if (rect && !outside(rect, visible)) ring(rect, sev);
  }
  const rings = { rings: [...byKey.values()], critical };
  if (!visible) ringCache.set(layout, { alerts, rings });
  return rings;
}

type RectsByIndex = { racks: Map<number, Rect>; cdus: Map<number, Rect> };
const byIndex = new WeakMap<HallLayout, RectsByIndex>();

/** Rack and CDU tiles of a layout by site index, built once per layout. */
function rectsByIndex(layout: HallLayout): RectsByIndex {
  let m = byIndex.get(layout);
  if (!m) byIndex.set(layout, (m = { racks: new Map(layout.racks.map((r) => [r.index, r.rect])), cdus: new Map(layout.cdus.map((c) => [c.index, c.rect])) }));
  return m;
}
