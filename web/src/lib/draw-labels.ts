/** Text on the hall plan: row labels at their screen size, and the age of each stale rack. */
import type { HallLayout, Rect } from './hall-layout.ts';
import type { WorldView } from './draw-marks.ts';

/**
 * Row labels at their screen size (sized from the row's height on screen, at most 12 px, or the
 * layout's `labelPx`), shown once rows are tall enough on screen; `zoom` is the factor the
 * context is scaled by.
 */
export function drawRowLabels(ctx: CanvasRenderingContext2D, layout: HallLayout, zoom: number, visible: WorldView | undefined): void {
  const rowPx = layout.cellH * zoom;
  if (layout.labelWidth <= 0 || (rowPx < 8 && layout.labelPx === null)) return;
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

/** Each stale rack's age in whole seconds at its centre, once tiles are 26 px or more on screen. */
export function drawStaleAges(ctx: CanvasRenderingContext2D, layout: HallLayout, zoom: number, stale: { rect: Rect; ageMs: number }[]): void {
  if (layout.cell * zoom < 26) return;
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.font = `600 ${Math.round(layout.cell * 0.3)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const s of stale) ctx.fillText(`${Math.round(s.ageMs / 1000)}s`, s.rect.x + s.rect.w / 2, s.rect.y + s.rect.h / 2);
  ctx.restore();
}
