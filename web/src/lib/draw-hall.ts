/**
 * Paints one hall on a canvas: the rack tiles and CDU boxes from a kept layer that repaints only
 * what changed colour (or, without one, one Path2D per colour class), then hatching over stale
 * racks with their age, a cross on offline racks and tripped CDUs, a diamond on leaking racks,
 * alert rings, the selection and the row labels.
 */
import { EntityState } from '../../../protocol/stream.ts';
import { PALETTE, classOf } from './color-scale.ts';
import type { HallLayout, Rect } from './hall-layout.ts';
import type { MetricDef } from './metrics.ts';
import type { CduColumn, RackColumn } from '../../../protocol/stream.ts';
import { METRICS } from './metrics.ts';
import { BRACKET, CDU_OUTLINE, type HallLayer, type LayerView } from './hall-layer.ts';

/** What the painter reads: the live feed, or a replayed minute. */
export interface HallValues {
  rack(col: RackColumn, i: number): number;
  /** A whole rack column, when the values are columnar (the live feed): the hot loop reads it directly. */
  rackColumn?(col: RackColumn): ArrayLike<number>;
  cdu(col: CduColumn, j: number): number;
}

const NO_DATA = '#2b3642';
const OFFLINE = '#11161c';
const CDU_SCALE = METRICS.find((m) => m.id === 'cdu')!.scale;

function addRect(p: Path2D, r: Rect): void {
  p.rect(r.x, r.y, r.w, r.h);
}

function hatch(ctx: CanvasRenderingContext2D, rects: Rect[], spacing: number): void {
  if (rects.length === 0) return;
  ctx.save();
  const clip = new Path2D();
  for (const r of rects) addRect(clip, r);
  ctx.clip(clip);
  ctx.fillStyle = 'rgba(15, 20, 25, 0.55)';
  ctx.fill(clip);
  ctx.strokeStyle = 'rgba(230, 237, 243, 0.75)';
  ctx.lineWidth = Math.max(1, spacing / 5);
  ctx.beginPath();
  for (const r of rects) {
    for (let d = -r.h; d < r.w; d += spacing) {
      ctx.moveTo(r.x + d, r.y + r.h);
      ctx.lineTo(r.x + d + r.h, r.y);
    }
  }
  ctx.stroke();
  ctx.restore();
}

function cross(ctx: CanvasRenderingContext2D, rects: Rect[], color: string): void {
  if (rects.length === 0) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = Math.max(1, Math.min(rects[0].w, rects[0].h) / 10);
  ctx.beginPath();
  // A square cross at the tile's centre, whatever the tile's shape (hall-view racks are wide).
  for (const r of rects) {
    const s = Math.min(r.w, r.h) * 0.3;
    const cx = r.x + r.w / 2;
    const cy = r.y + r.h / 2;
    ctx.moveTo(cx - s, cy - s);
    ctx.lineTo(cx + s, cy + s);
    ctx.moveTo(cx + s, cy - s);
    ctx.lineTo(cx - s, cy + s);
  }
  ctx.stroke();
  ctx.restore();
}

export interface DrawOptions {
  /** Worst firing alert severity by rack and by CDU index (only those with one). */
  alerts?: { racks: Map<number, string>; cdus: Map<number, string>; sensor?: Set<number> };
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
  visible?: { x0: number; y0: number; x1: number; y1: number };
  /**
   * The kept picture of the tiles at this device-pixel ratio and view (the context's zoom and
   * pan; unzoomed by default): only tiles whose colour changed are repainted into it, and it is
   * copied on screen whole.
   */
  layer?: { layer: HallLayer; dpr: number; view?: LayerView };
}

const outside = (r: Rect, v: DrawOptions['visible']) => v !== undefined && (r.x > v.x1 || r.y > v.y1 || r.x + r.w < v.x0 || r.y + r.h < v.y0);

/** Colour indices of the kept layer: the palette's classes, then no data and offline. */
const RACK_COLORS = [...PALETTE, NO_DATA, OFFLINE];
const NO_DATA_CODE = PALETTE.length;
const OFFLINE_CODE = PALETTE.length + 1;
const CDU_COLORS = [...PALETTE, OFFLINE];

export function drawHall(ctx: CanvasRenderingContext2D, layout: HallLayout, feed: HallValues, metric: MetricDef, opt: DrawOptions): void {
  ctx.clearRect(0, 0, layout.width, layout.height);
  const classes = PALETTE.map(() => new Path2D());
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
      kept.rack(n, k === -2 ? OFFLINE_CODE : noValue ? NO_DATA_CODE : k);
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
      ctx.fillStyle = PALETTE[k];
      ctx.fill(p);
    });
    ctx.fillStyle = NO_DATA;
    ctx.fill(noData);
  }
  const offlinePath = new Path2D();
  for (const r of offline) addRect(offlinePath, r);
  if (!kept) {
    ctx.fillStyle = OFFLINE;
    ctx.fill(offlinePath);
  }
  ctx.strokeStyle = '#8b98a5';
  ctx.lineWidth = 1;
  ctx.stroke(offlinePath);
  cross(ctx, offline, '#e6edf3');
  hatch(ctx, stale.map((s) => s.rect), Math.max(3, layout.cell / 4));
  const zoom = opt.zoom ?? 1;
  if (opt.showAges && layout.cell * zoom >= 26) {
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.font = `600 ${Math.round(layout.cell * 0.3)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const s of stale) ctx.fillText(`${Math.round(s.ageMs / 1000)}s`, s.rect.x + s.rect.w / 2, s.rect.y + s.rect.h / 2);
    ctx.restore();
  }
  if (leaks.length) {
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = Math.max(1, layout.cell / 16);
    for (const r of leaks) {
      const cx = r.x + r.w / 2, cy = r.y + r.h / 2, s = Math.min(r.w, r.h) * 0.28;
      ctx.beginPath();
      ctx.moveTo(cx, cy - s);
      ctx.lineTo(cx + s, cy);
      ctx.lineTo(cx, cy + s);
      ctx.lineTo(cx - s, cy);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
    ctx.restore();
  }
  drawCdus(ctx, layout, feed, visible, kept !== null);
  if (opt.alerts) drawAlertRings(ctx, layout, opt.alerts, visible);
  if (opt.selectedRack >= 0) {
    const sel = layout.racks.find((r) => r.index === opt.selectedRack);
    if (sel) {
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = Math.max(2, layout.cell / 8);
      ctx.strokeRect(sel.rect.x - 1, sel.rect.y - 1, sel.rect.w + 2, sel.rect.h + 2);
    }
  }
  // Row labels at their screen size (sized from the row's height on screen, at most 12 px).
  const rowPx = layout.cellH * zoom;
  if (layout.labelWidth > 0 && (rowPx >= 8 || layout.labelPx !== null)) {
    ctx.fillStyle = layout.labelPx !== null ? '#c9d4de' : '#8b98a5';
    ctx.font = `${(layout.labelPx ?? Math.min(12, Math.round(rowPx * 0.45))) / zoom}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    // Zoomed and panned right, the labels stay at the left edge of the view on a backdrop.
    const stickX = visible && visible.x0 > 0 ? visible.x0 + 4 / zoom : null;
    for (const l of layout.rowLabels) {
      if (visible && (l.y < visible.y0 || l.y > visible.y1)) continue;
      if (stickX !== null) {
        const w = ctx.measureText(l.text).width;
        const h = (layout.labelPx ?? 12) / zoom;
        const fill: string | CanvasGradient | CanvasPattern = ctx.fillStyle;
        ctx.fillStyle = 'rgba(15, 20, 25, 0.8)';
        ctx.fillRect(stickX - 3 / zoom, l.y - h * 0.7, w + 6 / zoom, h * 1.4);
        ctx.fillStyle = fill;
      }
      ctx.fillText(l.text, stickX ?? l.x, l.y);
    }
  }
}

/** A CDU's colour index in CDU_COLORS: its headroom class while live and running, else offline. */
function cduColor(feed: HallValues, index: number): number {
  const running = feed.cdu('running', index) === 1;
  return feed.cdu('state', index) === EntityState.Live && running ? Math.max(0, classOf(CDU_SCALE, feed.cdu('headroomPct', index))) : PALETTE.length;
}

/** CDU boxes and brackets (unless `inLayer`: the kept layer has them), then crosses and hatching. */
function drawCdus(ctx: CanvasRenderingContext2D, layout: HallLayout, feed: HallValues, visible: DrawOptions['visible'], inLayer: boolean): void {
  const tripped: Rect[] = [];
  const stale: Rect[] = [];
  // One path per fill colour and one for every outline: a large hall has a thousand CDUs.
  const brackets = new Path2D();
  const outlines = new Path2D();
  const fills = new Map<string, Path2D>();
  for (const { index, rect, bracket } of layout.cdus) {
    if (outside(rect, visible) && (!bracket || outside(bracket, visible))) continue;
    const state = feed.cdu('state', index);
    const running = feed.cdu('running', index) === 1;
    if (state === EntityState.Offline || (state === EntityState.Live && !running)) tripped.push(rect);
    if (state === EntityState.Stale) stale.push(rect);
    if (inLayer) continue;
    if (bracket) addRect(brackets, bracket);
    const color = CDU_COLORS[cduColor(feed, index)];
    let fill = fills.get(color);
    if (!fill) fills.set(color, (fill = new Path2D()));
    // Rounded corners only where they show: a rounded rect costs several times a plain one.
    const radius = Math.min(4, rect.w / 4, rect.h / 4);
    if (radius >= 1.5) {
      fill.roundRect(rect.x, rect.y, rect.w, rect.h, radius);
      outlines.roundRect(rect.x, rect.y, rect.w, rect.h, radius);
    } else {
      addRect(fill, rect);
      addRect(outlines, rect);
    }
  }
  if (!inLayer) {
    ctx.fillStyle = BRACKET;
    ctx.fill(brackets);
    for (const [color, p] of fills) {
      ctx.fillStyle = color;
      ctx.fill(p);
    }
    ctx.strokeStyle = CDU_OUTLINE;
    ctx.lineWidth = 1;
    ctx.stroke(outlines);
  }
  cross(ctx, tripped, '#f46d43');
  hatch(ctx, stale, Math.max(3, layout.cell / 4));
}

/**
 * Alert rings: critical in vermillion, major in orange, minor/warning in pale yellow, drawn
 * outside the tile; dashed on a rack with a sensor fault (its readings are not to be trusted).
 */
const RING: Record<string, string> = { critical: '#f46d43', major: '#fdae61', minor: '#fee090', warning: '#fee090' };

function drawAlertRings(ctx: CanvasRenderingContext2D, layout: HallLayout, alerts: NonNullable<DrawOptions['alerts']>, visible: DrawOptions['visible']): void {
  if (alerts.racks.size === 0 && alerts.cdus.size === 0) return;
  const w = Math.max(1.5, layout.cell / 10);
  ctx.save();
  ctx.lineWidth = w;
  for (const { color, dashed, path } of ringPaths(layout, alerts, visible, w)) {
    ctx.strokeStyle = color;
    ctx.setLineDash(dashed ? [w * 1.5, w * 1.2] : []);
    ctx.stroke(path);
  }
  ctx.restore();
}

type Rings = { color: string; dashed: boolean; path: Path2D }[];
/** Unzoomed ring paths of the last alert set seen with each layout (alerts change far less often than values). */
const ringCache = new WeakMap<HallLayout, { alerts: NonNullable<DrawOptions['alerts']>; rings: Rings }>();

/** One path per colour and dash: an alert storm rings thousands of racks. */
function ringPaths(layout: HallLayout, alerts: NonNullable<DrawOptions['alerts']>, visible: DrawOptions['visible'], w: number): Rings {
  const cached = visible ? undefined : ringCache.get(layout);
  if (cached?.alerts === alerts) return cached.rings;
  const byKey = new Map<string, Rings[number]>();
  const ring = (r: Rect, sev: string, dashed = false) => {
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
  const rings = [...byKey.values()];
  if (!visible) ringCache.set(layout, { alerts, rings });
  return rings;
}

const byIndex = new WeakMap<HallLayout, { racks: Map<number, Rect>; cdus: Map<number, Rect> }>();

/** Rack and CDU tiles of a layout by site index, built once per layout. */
function rectsByIndex(layout: HallLayout): { racks: Map<number, Rect>; cdus: Map<number, Rect> } {
  let m = byIndex.get(layout);
  if (!m) byIndex.set(layout, (m = { racks: new Map(layout.racks.map((r) => [r.index, r.rect])), cdus: new Map(layout.cdus.map((c) => [c.index, c.rect])) }));
  return m;
}
