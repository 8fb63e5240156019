/**
 * Floor-plan geometry of a hall: rows top to bottom, rack positions left to right, the row's
 * CDUs as boxes after its last rack, and under each section CDU a bracket spanning the racks
 * it serves. Pure: the canvas and the hit-testing both use it.
 */
import type { HallView, SiteView } from '../../../protocol/site-view.ts';
import { shortName } from './mark-plan.ts';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface HallLayout {
  width: number;
  height: number;
  /** The smaller side of a rack cell, CSS px (line widths, fonts and hatching are sized from it). */
  cell: number;
  /** A rack cell's width and height, CSS px (equal unless the layout stretches to fill its box). */
  cellW: number;
  cellH: number;
  /** Each rack with its grid cell (`row` in the hall, `col` = position − 1) and the name its tile shows. */
  racks: { index: number; rect: Rect; row: number; col: number; name: string }[];
  /** The rack grid: `cols` positions from `x0`, row `r` at `rowY[r]` (large halls are blitted from it). */
  grid: { cols: number; x0: number; rowY: number[]; gap: number };
  cdus: { index: number; rect: Rect; bracket: Rect | null; name: string }[];
  /** Row names at their row's middle; with a font size (`labelPx`) only as many as fit without overlapping. */
  rowLabels: { text: string; x: number; y: number }[];
  labelWidth: number;
  /** Row-label font size, px; null = sized from the cell (at most 12 px). */
  labelPx: number | null;
}

/** The hall view's racks may be up to three times as wide as high, so a large hall fills the width. */
export const HALL_VIEW_MAX_ASPECT = 3;

/** A row is one cell high plus an aisle. */
export const ROW_PITCH = 1.45;
/** Width reserved for row labels per px of label font. */
export const LABEL_WIDTH_PER_PX = 3.6;

/** The hall's size in cells: rack positions plus the CDU column, and rows. */
export function hallGrid(hall: HallView): { cols: number; rows: number } {
  const maxPos = Math.max(1, ...hall.rows.map((r) => r.maxPosition));
  const maxCdus = Math.max(0, ...hall.rows.map((r) => r.cduIds.length));
  return { cols: maxPos + (maxCdus > 0 ? maxCdus + 0.6 : 0), rows: hall.rows.length };
}

export interface LayoutOptions {
  /**
   * How much wider than high (or higher than wide) a rack cell may grow to fill the box
   * (default 1: square cells). A 100 × 100 hall in a wide box fills its width at 2 or 3.
   */
  maxAspect?: number;
}

/**
 * Lays out `hall` in a box of `width` × `height` CSS pixels; `labels` reserves room for row
 * names — `true` for the dashboard's small labels, or a font size in px (the wall's large type).
 */
export function layoutHall(
  site: SiteView, hall: HallView, width: number, height: number, labels: boolean | number = true, opts: LayoutOptions = {},
): HallLayout {
  const rackIndexById = new Map(site.racks.map((r) => [r.id, r]));
  const cduById = new Map(site.cdus.map((c) => [c.id, c]));
  const maxPos = Math.max(1, ...hall.rows.map((r) => r.maxPosition));
  const labelPx = typeof labels === 'number' ? labels : null;
  const labelWidth = labelPx !== null ? labelPx * LABEL_WIDTH_PER_PX : labels ? Math.min(70, width * 0.12) : 0;
  const { cols } = hallGrid(hall);
  const rowPitch = ROW_PITCH;
  const fitW = Math.max(1, (width - labelWidth) / cols);
  // Wall labels can be taller than a row: room above the first row for the first label's top half.
  const labelTop = labelPx !== null ? labelPx * 0.55 : 0;
  const fitH = Math.max(1, (height - labelTop) / (hall.rows.length * rowPitch));
  const aspect = Math.max(1, opts.maxAspect ?? 1);
  const cellW = Math.min(fitW, fitH * aspect);
  const cellH = Math.min(fitH, fitW * aspect);
  const cell = Math.min(cellW, cellH);
  const gap = Math.max(0.5, cellW * 0.08);
  // Wall type can be taller than a dense hall's rows: then only every k-th row is named, so
  // labels stay a font size apart (row IDs have no descenders: ink about 0.75 of it) and never overlap.
  const labelEvery = labelPx !== null ? Math.max(1, Math.ceil(labelPx / (cellH * rowPitch))) : 1;
  const out: HallLayout = {
    width, height, cell, cellW, cellH, racks: [], cdus: [], rowLabels: [], labelWidth, labelPx,
    grid: { cols: maxPos, x0: labelWidth, rowY: [], gap },
  };
  hall.rows.forEach((row, r) => {
    const y = Math.max(0, labelTop - cellH / 2) + r * cellH * rowPitch;
    out.grid.rowY.push(y);
    if (r % labelEvery === 0) out.rowLabels.push({ text: row.id, x: 0, y: y + cellH / 2 });
    const xOf = (pos: number) => labelWidth + (pos - 1) * cellW;
    for (const rackId of row.rackIds) {
      const rack = rackIndexById.get(rackId);
      if (!rack) continue;
      out.racks.push({ index: rack.index, row: r, col: rack.position - 1, name: shortName(rackId, row.id),
        rect: { x: xOf(rack.position) + gap / 2, y, w: cellW - gap, h: cellH } });
    }
    row.cduIds.forEach((cduId, k) => {
      const cdu = cduById.get(cduId);
      if (!cdu) return;
      const x = labelWidth + (maxPos + 0.6 + k) * cellW;
      const served = cdu.rackIds.map((id) => rackIndexById.get(id)?.position ?? 0).filter((p) => p > 0);
      // A unit serving the whole row (the group's spare) gets no bracket: its box says enough.
      const first = Math.min(...served);
      const span = Math.max(...served) - first + 1;
      const bracket = served.length > 0 && served.length < row.rackIds.length
        ? { x: xOf(first) + gap, y: y + cellH + cellH * 0.12, w: span * cellW - 2 * gap, h: Math.max(1, cellH * 0.08) }
        : null;
      out.cdus.push({ index: cdu.index, name: shortName(cduId, row.id), rect: { x: x + gap / 2, y: y + cellH * 0.1, w: cellW - gap, h: cellH * 0.8 }, bracket });
    });
  });
  return out;
}

/** The rack or CDU under point (x, y), if any. */
export function hitTest(layout: HallLayout, x: number, y: number): { kind: 'rack' | 'cdu'; index: number } | null {
  const inside = (r: Rect) => x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h;
  for (const r of layout.racks) if (inside(r.rect)) return { kind: 'rack', index: r.index };
  for (const c of layout.cdus) if (inside(c.rect)) return { kind: 'cdu', index: c.index };
  return null;
}
