/**
 * The wall's type scale from its viewport. Everything is sized in multiples of one unit so the
 * same layout fits 1920×1080 and 3840×2160 (and anything between) with no scrolling. The
 * smallest text is MIN_TEXT_PX_1080 at 1080p, doubled at 4K: about 11 mm tall on a 55-inch TV,
 * legible from 5 m (a character subtending ≥ 7 arc-minutes). Pure.
 */
const BASE_TEXT_PX_1080 = 22;
const MIN_TEXT_PX_1080 = 18;

export interface WallSize {
  /** 1 at 1920×1080, 2 at 3840×2160. */
  scale: number;
  /** Root font size of the wall, px; child sizes are in em. */
  basePx: number;
  /** Smallest text allowed anywhere on the wall, px. */
  minTextPx: number;
}

export function wallSize(widthPx: number, heightPx: number): WallSize {
  const scale = Math.max(0.5, Math.min(widthPx / 1920, heightPx / 1080));
  return { scale, basePx: Math.round(BASE_TEXT_PX_1080 * scale), minTextPx: Math.round(MIN_TEXT_PX_1080 * scale) };
}

