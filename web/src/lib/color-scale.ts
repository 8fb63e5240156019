/**
 * Quantised, colour-blind-safe scales for heat maps, 9 classes each, as lookup tables (a paint
 * maps a value to a class index, never computes a colour):
 * - diverging (`PALETTE`): ColorBrewer RdYlBu, blue for good through pale yellow to red for bad,
 *   for values judged against a limit (temperatures, ΔT, headroom, flow against need). Readable
 *   with deuteranopia and protanopia because it varies in lightness and along the blue–orange
 *   axis, not red–green.
 * - sequential (`SEQUENTIAL`): viridis (matplotlib), dark violet for little through green to
 *   yellow for much, for amounts that are not good or bad in themselves (rack and GPU power):
 *   lightness rises monotonically, so more reads as brighter, and a hall at full load is not red.
 */

/** Diverging, good → bad. */
export const PALETTE = ['#4575b4', '#74add1', '#abd9e9', '#e0f3f8', '#ffffbf', '#fee090', '#fdae61', '#f46d43', '#d73027'] as const;

/** Sequential, low → high (viridis sampled at 9 even steps). */
export const SEQUENTIAL = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'] as const;

/** Which palette a metric is drawn in: `diverging` against a limit, `sequential` for an amount. */
export type PaletteKind = 'diverging' | 'sequential';

export const PALETTES: Readonly<Record<PaletteKind, readonly string[]>> = { diverging: PALETTE, sequential: SEQUENTIAL };

export interface Scale {
  /** Value mapped to the first class (the best on a diverging scale, the least on a sequential one). */
  good: number;
  /** Value mapped to the last class (the worst, or the most). */
  bad: number;
}

/**
 * Class index 0…8 of `v` (0 best); -1 for a value that is not finite. `good` may be above or
 * below `bad`, so "lower is worse" metrics (headroom) use good > bad.
 */
export function classOf(scale: Scale, v: number): number {
  if (!Number.isFinite(v)) return -1;
  const t = (v - scale.good) / (scale.bad - scale.good);
  const k = Math.floor(t * PALETTE.length);
  return Math.min(PALETTE.length - 1, Math.max(0, k));
}

/** Colour of `v` in `palette` (diverging by default); null for a value that is not finite. */
export function colorOf(scale: Scale, v: number, palette: PaletteKind = 'diverging'): string | null {
  const k = classOf(scale, v);
  return k < 0 ? null : PALETTES[palette][k];
}

/** Lower bound of each class, for the legend, from good to bad. */
export function classBounds(scale: Scale): number[] {
  return PALETTE.map((_, k) => scale.good + ((scale.bad - scale.good) * k) / PALETTE.length);
}
