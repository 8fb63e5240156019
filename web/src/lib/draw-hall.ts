/**
 * Paints one hall on a canvas: the rack tiles (draw-tiles.ts), then hatching over stale racks
 * with their age, a cross on offline racks, the CDU boxes (draw-cdus.ts), alert rings
 * (draw-rings.ts), the selection and the row labels (draw-labels.ts). Leaks, tripped CDUs and
 * critical alerts are handed back as beacons for the alarm overlay (draw-alarms.ts).
 */
import type { CduColumn, RackColumn } from '../../../protocol/stream.ts';
import type { HallLayout } from './hall-layout.ts';
import type { MetricDef } from './metrics.ts';
import type { HallLayer, LayerView } from './hall-layer.ts';
import { OFFLINE, addRect, cross, hatch, type WorldView } from './draw-marks.ts';
import { paintTiles, type RackMarks } from './draw-tiles.ts';
import { drawCdus } from './draw-cdus.ts';
import { drawAlertRings, type AlertMarks } from './draw-rings.ts';
import { drawRowLabels, drawStaleAges } from './draw-labels.ts';
import { mergeBeacons, type Beacon } from './draw-alarms.ts';

/** What the painter reads: the live feed, or a replayed minute. */
export interface HallValues {
  rack(col: RackColumn, i: number): number;
  /** A whole rack column, when the values are columnar (the live feed): the hot loop reads it directly. */
  rackColumn?(col: RackColumn): ArrayLike<number>;
  cdu(col: CduColumn, j: number): number;
}

export interface DrawOptions {
  /** Worst firing alert severity by rack and by CDU index (only those with one). */
  alerts?: AlertMarks;
  selectedRack: number;
  /** Server-clock now, ms (for stale ages). */
  nowMs: number;
  showAges: boolean;
  /** Hatch every rack as stale (the stream itself is down, so nothing shown is current). */
  allStale?: boolean;
  /**
   * Zoom factor the context is scaled by (default 1): row labels keep their screen size, and
   * appear once rows are tall enough on screen.
   */
  zoom?: number;
  /** World rectangle on screen: racks and CDUs outside it are not painted. */
  visible?: WorldView;
  /**
   * The kept picture of the tiles at this device-pixel ratio and view (the context's zoom and
   * pan; unzoomed by default): only tiles whose colour changed are repainted into it, and it is
   * copied on screen whole.
   */
  layer?: { layer: HallLayer; dpr: number; view?: LayerView };
}

/**
 * Paints `layout` with `feed`'s values of `metric` on `ctx` (already scaled by the zoom);
 * returns the tiles on screen that need an alarm beacon.
 */
export function drawHall(ctx: CanvasRenderingContext2D, layout: HallLayout, feed: HallValues, metric: MetricDef, opt: DrawOptions): Beacon[] {
  ctx.clearRect(0, 0, layout.width, layout.height);
  const zoom = opt.zoom ?? 1;
  const marks = paintTiles(ctx, layout, feed, metric, opt);
  drawRackMarks(ctx, layout, marks, opt.layer !== undefined);
  if (opt.showAges) drawStaleAges(ctx, layout, zoom, marks.stale);
  const tripped = drawCdus(ctx, layout, feed, opt.visible, opt.layer !== undefined);
  const critical = opt.alerts ? drawAlertRings(ctx, layout, opt.alerts, opt.visible) : [];
  drawSelection(ctx, layout, opt.selectedRack);
  // An unzoomed kept layer has the row labels already.
  if (!opt.layer || opt.layer.view) drawRowLabels(ctx, layout, zoom, opt.visible);
  const glyphs: Beacon[] = [];
  for (const rect of tripped) glyphs.push({ kind: 'trip', rect });
  for (const rect of marks.leaks) glyphs.push({ kind: 'leak', rect });
  return mergeBeacons(glyphs, critical);
}

/** Offline racks outlined and crossed (filled too unless `inLayer`: the kept layer has them), stale ones hatched. */
function drawRackMarks(ctx: CanvasRenderingContext2D, layout: HallLayout, marks: RackMarks, inLayer: boolean): void {
  const offlinePath = new Path2D();
  for (const r of marks.offline) addRect(offlinePath, r);
  if (!inLayer) {
    ctx.fillStyle = OFFLINE;
    ctx.fill(offlinePath);
  }
  ctx.strokeStyle = '#8b98a5';
  ctx.lineWidth = 1;
  ctx.stroke(offlinePath);
  cross(ctx, marks.offline, '#e6edf3');
  hatch(ctx, marks.stale.map((s) => s.rect), Math.max(3, layout.cell / 4));
}

/** A white frame around the selected rack (site index; -1 for none). */
function drawSelection(ctx: CanvasRenderingContext2D, layout: HallLayout, selectedRack: number): void {
  if (selectedRack < 0) return;
  const sel = layout.racks.find((r) => r.index === selectedRack);
  if (!sel) return;
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = Math.max(2, layout.cell / 8);
  ctx.strokeRect(sel.rect.x - 1, sel.rect.y - 1, sel.rect.w + 2, sel.rect.h + 2);
}
