/**
 * The rack tiles' colours, the hot part of a paint: from a kept layer that repaints only the
 * tiles whose colour changed (the CDU boxes with them), or, without one, one Path2D per colour
 * class. Collects on the way the racks that need a mark on screen: offline, stale and leaking.
 */
import { EntityState } from '../../../protocol/stream.ts';
import { PALETTE, PALETTES, SEQUENTIAL, classOf } from './color-scale.ts';
import type { HallLayout, Rect } from './hall-layout.ts';
import type { MetricDef } from './metrics.ts';
import { NO_DATA, OFFLINE, addRect, outside } from './draw-marks.ts';
import { CDU_COLORS, cduColor } from './draw-cdus.ts';
import type { DrawOptions, HallValues } from './draw-hall.ts';

/** Racks on screen that get a mark over their tile. */
export interface RackMarks {
  offline: Rect[];
  /** Stale racks (every rack with `allStale`) and how old their last sample is, ms. */
  stale: { rect: Rect; ageMs: number }[];
  leaks: Rect[];
}

/**
 * Colour indices of the kept layer: the diverging palette's classes, the sequential one's, then
 * no data and offline. Each palette has its own indices, so a tile whose class stays the same
 * when the metric moves to the other palette is still repainted.
 */
const RACK_COLORS = [...PALETTE, ...SEQUENTIAL, NO_DATA, OFFLINE];
const FIRST_CODE = { diverging: 0, sequential: PALETTE.length } as const;
const NO_DATA_CODE = PALETTE.length + SEQUENTIAL.length;
const OFFLINE_CODE = NO_DATA_CODE + 1;

/** Paints the rack tiles (and, into a kept layer, the CDU boxes); offline tiles are left to the marks. */
export function paintTiles(ctx: CanvasRenderingContext2D, layout: HallLayout, feed: HallValues, metric: MetricDef, opt: DrawOptions): RackMarks {
  const palette = PALETTES[metric.palette];
  const firstCode = FIRST_CODE[metric.palette];
  const classes = palette.map(() => new Path2D());
  const noData = new Path2D();
  const offline: Rect[] = [];
  const stale: { rect: Rect; ageMs: number }[] = [];
  const leaks: Rect[] = [];
  const visible = opt.visible;
  const kept = opt.layer ? opt.layer.layer : null;
  kept?.prepare(layout, opt.layer!.dpr, opt.layer!.view);
  const stateCol = feed.rackColumn?.('state');
  const valueCol = feed.rackColumn?.(metric.column);
  const leakCol = feed.rackColumn?.('leak');
  for (let n = 0; n < layout.racks.length; n++) {
    const { index, rect } = layout.racks[n];
    // Every tile gets its colour (the layer itself leaves out those off its pixels); overlays only on screen.
    if (!kept && outside(rect, visible)) continue;
    const state = stateCol ? stateCol[index] : feed.rack('state', index);
    const k = state === EntityState.Offline ? -2 : classOf(metric.scale, valueCol ? valueCol[index] : feed.rack(metric.column, index));
    const noValue = k === -1 || state === EntityState.NoData || Number.isNaN(state);
    if (kept) {
      kept.rack(n, k === -2 ? OFFLINE_CODE : noValue ? NO_DATA_CODE : firstCode + k);
      if (outside(rect, visible)) continue;
    }
    if (k === -2) {
      offline.push(rect);
      continue;
    }
    if (!kept) addRect(noValue ? noData : classes[k], rect);
    if (state === EntityState.Stale || opt.allStale) stale.push({ rect, ageMs: opt.nowMs - feed.rack('tsMs', index) });
    if ((leakCol ? leakCol[index] : feed.rack('leak', index)) >= 1) leaks.push(rect);
  }
  if (kept) {
    // The CDUs' colours go into the layer too before it is copied on screen.
    layout.cdus.forEach(({ index }, j) => kept.cdu(j, cduColor(feed, index)));
    kept.flush(RACK_COLORS, CDU_COLORS);
    // The layer is in device pixels of the view: copied one to one, whatever the zoom.
    if (kept.canvas) {
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(kept.canvas, 0, 0);
      ctx.restore();
    }
  } else {
    classes.forEach((p, k) => {
      ctx.fillStyle = palette[k];
      ctx.fill(p);
    });
    ctx.fillStyle = NO_DATA;
    ctx.fill(noData);
  }
  return { offline, stale, leaks };
}
