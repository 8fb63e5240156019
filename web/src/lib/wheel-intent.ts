/**
 * What a wheel over a zoomable heat map does. The map sits in a page that scrolls, so a wheel
 * only zooms when the operator asked for the map: it has focus (clicked or tabbed to), or Ctrl or
 * Meta is held (a trackpad pinch arrives as a wheel with ctrlKey). Otherwise, and when a focused
 * map is already at the whole hall and the wheel would zoom out further, the page scrolls.
 */

export type WheelIntent = { kind: 'scroll' } | { kind: 'zoom'; factor: number };

/** The parts of a WheelEvent the decision reads. */
export interface WheelInput {
  /** Vertical delta in `deltaMode` units (positive: away from the user, zoom out). */
  deltaY: number;
  /** 0 pixels, 1 lines, 2 pages (WheelEvent.DOM_DELTA_*). */
  deltaMode: number;
  ctrlKey: boolean;
  metaKey: boolean;
}

/** A line of wheel delta (Firefox's usual unit), CSS px. */
const LINE_PX = 16;
/** A page of wheel delta, CSS px. */
const PAGE_PX = 800;
/** Zoom per pixel of plain wheel on a focused map: one 100 px notch is ×1.22. */
const WHEEL_RATE = 0.002;
/** Zoom per pixel of a Ctrl/Meta wheel: a pinch sends a few px per event, so it is faster… */
const PINCH_RATE = 0.01;
/** …and a Ctrl + mouse-wheel notch (±100 px) is capped to this many px: at most ×1.65 a notch. */
const PINCH_CAP_PX = 50;

/**
 * Scroll the page or zoom the map by `factor` (> 1 in). `focused`: the map has keyboard focus;
 * `scale`: its present zoom (1 = the whole hall, the least there is).
 */
export function wheelIntent(ev: WheelInput, focused: boolean, scale: number): WheelIntent {
  const px = ev.deltaY * (ev.deltaMode === 1 ? LINE_PX : ev.deltaMode === 2 ? PAGE_PX : 1);
  // Ctrl/Meta always zooms the map, even to no effect, so the browser never zooms the page instead.
  if (ev.ctrlKey || ev.metaKey) {
    return { kind: 'zoom', factor: Math.exp(-Math.max(-PINCH_CAP_PX, Math.min(PINCH_CAP_PX, px)) * PINCH_RATE) };
  }
  if (!focused || px === 0) return { kind: 'scroll' };
  if (px > 0 && scale <= 1) return { kind: 'scroll' };
  return { kind: 'zoom', factor: Math.exp(-px * WHEEL_RATE) };
}
