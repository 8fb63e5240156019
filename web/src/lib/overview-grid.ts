/**
 * How the site overview arranges its hall cards: how many columns, whether each card's KPIs sit
 * beside its map or above it, and how big the map is, chosen so the smallest rack tile of any
 * hall is as large as the screen allows. Pure: the overview asks it on every resize, and the
 * unit tests hold it to a table of screens.
 */
import { ROW_PITCH } from './hall-layout.ts';

/** Geometry of a hall card around its map, CSS px (SiteOverview.svelte's styles use the same numbers). */
export const CARD = {
  /** Between cards, both ways. */
  gapPx: 14,
  /** Padding and border on the left and right together. */
  chromeWPx: 26,
  /** Padding, border, the hall's title and the gap under it, together. */
  chromeHPx: 58,
  /** The KPI column beside the map, with the gap before it. */
  sideKpisWPx: 232,
  /** The KPI column's height (five KPIs): a side column needs a card at least this high. */
  sideKpisHPx: 260,
  /** A KPI box: narrowest width, height (one line of value: a long one wraps), and gap between boxes. */
  kpiMinWPx: 120,
  kpiHPx: 44,
  kpiGapPx: 6,
  kpiCount: 5,
  /** Gap between the KPIs above the map and the map. */
  topKpisGapPx: 10,
  /** A map lower than this is not worth drawing: the plan takes more rows of cards instead. */
  minMapHPx: 140,
} as const;

/** How much larger the tiles must be for the plan to take another row of cards. */
const MORE_ROWS_GAIN = 1.1;

/** How much taller than wide an overview tile may grow to fill the card (hall-layout's maxAspect). */
export const OVERVIEW_MAX_ASPECT = 1.6;

export interface OverviewPlan {
  columns: number;
  kpis: 'side' | 'top';
  /** The map's box, CSS px. */
  mapWPx: number;
  mapHPx: number;
  /** The card's height, CSS px: the map's, the KPIs' above it (estimated: they may wrap) and the card's own. */
  cardHPx: number;
  /** The smallest hall's rack tile, square, CSS px (what the plan makes as large as it can). */
  cellPx: number;
}

/** Height of the KPI boxes wrapped above a map `mapWPx` wide, with the gap under them. */
export function topKpisHPx(mapWPx: number): number {
  const perRow = Math.max(1, Math.floor((mapWPx + CARD.kpiGapPx) / (CARD.kpiMinWPx + CARD.kpiGapPx)));
  const rows = Math.ceil(CARD.kpiCount / perRow);
  return rows * CARD.kpiHPx + (rows - 1) * CARD.kpiGapPx + CARD.topKpisGapPx;
}

/**
 * The overview's arrangement for halls of `grids` (cells across and rows, hall-layout's
 * hallGrid) in a box `widthPx` wide with `heightPx` to show the cards in, CSS px. Every column
 * count and KPI placement is tried; the one whose smallest square tile is largest wins (another
 * row of cards only for tiles a tenth larger). The map is then no higher than its tiles can stretch to fill.
 */
export function planOverview(grids: { cols: number; rows: number }[], widthPx: number, heightPx: number): OverviewPlan {
  const n = Math.max(1, grids.length);
  let best: OverviewPlan | null = null;
  for (let columns = n; columns >= 1; columns--) {
    const cardRows = Math.ceil(n / columns);
    const cardW = (widthPx - (columns - 1) * CARD.gapPx) / columns;
    const cardH = (heightPx - (cardRows - 1) * CARD.gapPx) / cardRows;
    for (const kpis of ['top', 'side'] as const) {
      const mapWPx = Math.floor(cardW - CARD.chromeWPx - (kpis === 'side' ? CARD.sideKpisWPx : 0));
      if (kpis === 'side' && cardH - CARD.chromeHPx < CARD.sideKpisHPx) continue;
      const mapHPx = Math.floor(Math.max(CARD.minMapHPx, cardH - CARD.chromeHPx - (kpis === 'top' ? topKpisHPx(mapWPx) : 0)));
      if (mapWPx < 60) continue;
      const cellPx = Math.min(...grids.map((g) => Math.min(mapWPx / g.cols, mapHPx / (g.rows * ROW_PITCH))));
      // More rows of cards (a ragged last row, a longer page) only for tiles a tenth larger.
      const needs = best && Math.ceil(n / best.columns) < cardRows ? best.cellPx * MORE_ROWS_GAIN : (best?.cellPx ?? 0) + 0.01;
      if (!best || cellPx > needs) best = { columns, kpis, mapWPx, mapHPx, cellPx, cardHPx: 0 };
    }
  }
  if (!best) {
    const mapWPx = Math.max(60, Math.floor(widthPx - CARD.chromeWPx));
    best = { columns: 1, kpis: 'top', mapWPx, mapHPx: CARD.minMapHPx, cellPx: Math.min(...grids.map((g) => mapWPx / g.cols)), cardHPx: 0 };
  }
  // No higher than the tallest hall's tiles can stretch: a card with empty space under its map wastes the screen.
  const plan = best;
  const stretchedHPx = Math.max(...grids.map((g) => g.rows * ROW_PITCH * (plan.mapWPx / g.cols) * OVERVIEW_MAX_ASPECT));
  plan.mapHPx = Math.min(plan.mapHPx, Math.ceil(stretchedHPx));
  plan.cardHPx = CARD.chromeHPx + (plan.kpis === 'top' ? plan.mapHPx + topKpisHPx(plan.mapWPx) : Math.max(plan.mapHPx, CARD.sideKpisHPx));
  return plan;
}
