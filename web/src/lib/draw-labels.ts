/** Text on the hall plan: row labels at their screen size, and the age of each stale rack. */
import { ROW_PITCH, type HallLayout, type Rect } from './hall-layout.ts';
import type { WorldView } from './draw-marks.ts';
import { nameFontPx, rowLabelPlan } from './mark-plan.ts';

/**
 * Row labels at their screen size (mark-plan's rowLabelPlan: never under 11 px, on every few
 * rows when rows are closer than a line; the wall's `labelPx` as given); `zoom` is the factor
 * the context is scaled by.
 */
export function drawRowLabels(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, layout: HallLayout, zoom: number, visible: WorldView | undefined): void {
  if (layout.labelWidth <= 0) return;
  const plan = rowLabelPlan(layout.cellH * ROW_PITCH * zoom, layout.cellH * zoom, layout.labelPx ?? undefined);
  const fontPx = plan.fontPx / zoom;
  ctx.fillStyle = '#c9d4de';
  ctx.font = `${fontPx}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  // Zoomed and panned right, the labels stay at the left edge of the view on a backdrop.
  const stickX = visible && visible.x0 > 0 ? visible.x0 + 4 / zoom : null;
  for (let r = 0; r < layout.rowLabels.length; r += plan.every) {
    const l = layout.rowLabels[r];
    if (visible && (l.y < visible.y0 || l.y > visible.y1)) continue;
    if (stickX !== null) {
      const w = ctx.measureText(l.text).width;
      const fill: string | CanvasGradient | CanvasPattern = ctx.fillStyle;
      ctx.fillStyle = 'rgba(15, 20, 25, 0.8)';
      ctx.fillRect(stickX - 3 / zoom, Math.max(l.y, fontPx * 0.6) - fontPx * 0.7, w + 6 / zoom, fontPx * 1.4);
      ctx.fillStyle = fill;
    }
    // The first row's label kept whole inside the canvas when rows are lower than the text.
    ctx.fillText(l.text, stickX ?? l.x, Math.max(l.y, fontPx * 0.6));
  }
}

/**
 * Each stale rack's age in whole seconds, once tiles are 26 px or more on screen: at the tile's
 * centre, a little lower when the tiles carry names (in their upper half).
 */
export function drawStaleAges(ctx: CanvasRenderingContext2D, layout: HallLayout, zoom: number, stale: { rect: Rect; ageMs: number }[]): void {
  if (layout.cell * zoom < 26) return;
  const namePx = nameFontPx((layout.cellW - layout.grid.gap) * zoom, layout.cellH * zoom);
  const below = namePx === null ? 0 : (namePx * 0.8) / zoom;
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.font = `600 ${Math.round(layout.cell * 0.3)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const s of stale) ctx.fillText(`${Math.round(s.ageMs / 1000)}s`, s.rect.x + s.rect.w / 2, s.rect.y + (s.rect.h + below) / 2);
  ctx.restore();
}
