/**
 * How the halls of one wall screen share its map area: side by side, stacked, or two by two,
 * whichever gives the largest rack tiles, and how many halls fit on a screen at all. Rack cells
 * stretch up to WALL_MAX_ASPECT times taller than wide (or wider than tall) so the maps fill
 * the area whatever the halls' shape. Pure: sizes in CSS px.
 */

/** How far a wall's rack cells may stretch to fill their box (hall-layout's maxAspect). */
export const WALL_MAX_ASPECT = 3;

/** The map area and what each hall's box loses to text. */
export interface MapArea {
  widthPx: number;
  heightPx: number;
  /** Between halls, across and down. */
  gapPx: number;
  /** Each hall's title line above its canvas. */
  titlePx: number;
  /** The row-label column at the left of each canvas. */
  labelWidthPx: number;
  /** A row's height in cells (hall-layout's ROW_PITCH). */
  rowPitch: number;
}

/** Halls across and down, and the rack cells they get. */
export interface Arrangement {
  cols: number;
  rows: number;
  /** A rack cell's width and height in the smallest hall, px (hall-layout's stretch rule). */
  cellWPx: number;
  cellHPx: number;
}

/** A hall's size in cells (hall-layout's hallGrid). */
export interface GridSize {
  cols: number;
  rows: number;
}

/** The cells `grids` get with `cols` × `rows` boxes in `area`. */
export function cellsIn(grids: GridSize[], area: MapArea, cols: number, rows: number): Arrangement {
  const boxW = (area.widthPx - area.gapPx * (cols - 1)) / cols;
  const boxH = (area.heightPx - area.gapPx * (rows - 1)) / rows - area.titlePx;
  let cellWPx = Infinity;
  let cellHPx = Infinity;
  for (const g of grids) {
    const fitW = Math.max(0, (boxW - area.labelWidthPx) / g.cols);
    const fitH = Math.max(0, boxH / (g.rows * area.rowPitch));
    cellWPx = Math.min(cellWPx, fitW, fitH * WALL_MAX_ASPECT);
    cellHPx = Math.min(cellHPx, fitH, fitW * WALL_MAX_ASPECT);
  }
  return { cols, rows, cellWPx: Number.isFinite(cellWPx) ? cellWPx : 0, cellHPx: Number.isFinite(cellHPx) ? cellHPx : 0 };
}

/** The smaller side of a cell: what decides whether a tile and its marks can be read. */
const side = (a: Arrangement) => Math.min(a.cellWPx, a.cellHPx);

/**
 * The arrangement of `count` halls (the largest of `grids`) with the largest tiles: their
 * smaller side first, then their area; on a tie, fewer rows of halls.
 */
export function arrangeHalls(grids: GridSize[], count: number, area: MapArea): Arrangement {
  const n = Math.max(1, count);
  let best: Arrangement | null = null;
  for (let cols = n; cols >= 1; cols--) {
    const rows = Math.ceil(n / cols);
    // 3 halls in 3 × 2 boxes is 3 × 1 with an empty row: only the fewest rows for each column count.
    if (cols > 1 && Math.ceil(n / (cols - 1)) === rows) continue;
    const a = cellsIn(grids, area, cols, rows);
    if (best === null || side(a) > side(best) * 1.02 || (side(a) >= side(best) * 0.98 && a.cellWPx * a.cellHPx > best.cellWPx * best.cellHPx * 1.02)) best = a;
  }
  return best!;
}

/**
 * How many halls share a screen without shrinking their tiles: the most (up to 4) whose best
 * arrangement keeps the cells' smaller side within 10 % of one hall using the whole area.
 */
export function autoHallsPerScreen(grids: GridSize[], area: MapArea): number {
  if (grids.length === 0 || area.widthPx <= 0 || area.heightPx <= 0) return 1;
  const whole = side(arrangeHalls(grids, 1, area));
  let best = 1;
  for (let n = 2; n <= Math.min(4, grids.length); n++) if (side(arrangeHalls(grids, n, area)) >= whole * 0.9) best = n;
  return best;
}
