/**
 * Quantised, colour-blind-safe scale for heat maps: ColorBrewer RdYlBu (9 classes), blue for
 * good through pale yellow to red for bad. Readable with deuteranopia and protanopia because it
 * varies in lightness and along the blue–orange axis, not red–green.
 */

/** Good → bad. */
export const PALETTE = ['#4575b4', '#74add1', '#abd9e9', '#e0f3f8', '#ffffbf', '#fee090', '#fdae61', '#f46d43', '#d73027'] as const;

export interface Scale {
  /** Value mapped to the best (first) class. */
  good: number;
  /** Value mapped to the worst (last) class. */
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

export function colorOf(scale: Scale, v: number): string | null {
  const k = classOf(scale, v);
  return k < 0 ? null : PALETTE[k];
}

/** Lower bound of each class, for the legend, from good to bad. */
export function classBounds(scale: Scale): number[] {
  return PALETTE.map((_, k) => scale.good + ((scale.bad - scale.good) * k) / PALETTE.length);
}
