/**
 * Marks drawn over hall tiles, racks and CDUs alike: hatching over stale tiles, a cross on
 * offline racks, and the colours a tile takes when it has no value to show.
 */
import type { Rect } from './hall-layout.ts';

/** Fill of a tile with no value (no sample yet, or none in range). */
export const NO_DATA = '#2b3642';
/** Fill of an offline rack or a tripped CDU. */
export const OFFLINE = '#11161c';

/** The world rectangle on screen (world units: the unzoomed layout's CSS px). */
export interface WorldView {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function addRect(p: Path2D, r: Rect): void {
  p.rect(r.x, r.y, r.w, r.h);
}

/** Whether `r` lies wholly off the view (never, without a view: the whole plan is on screen). */
export const outside = (r: Rect, v: WorldView | undefined) => v !== undefined && (r.x > v.x1 || r.y > v.y1 || r.x + r.w < v.x0 || r.y + r.h < v.y0);

/** Darkens the tiles and strikes them with diagonal lines `spacing` apart: their values are old. */
export function hatch(ctx: CanvasRenderingContext2D, rects: Rect[], spacing: number): void {
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

/** A square cross in `color` at the centre of each tile. */
export function cross(ctx: CanvasRenderingContext2D, rects: Rect[], color: string): void {
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
