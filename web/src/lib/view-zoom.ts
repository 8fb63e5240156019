/**
 * Zoom and pan of a floor plan: screen = world × scale + offset. Pure: the heat map paints with
 * it, hit-tests through its inverse, and the browser tests check both against the same numbers.
 * The plan never leaves the box: at scale 1 it fits exactly, zoomed in it can be panned until an
 * edge meets the box's edge, and never zoomed out past the fit.
 */

export interface Zoom {
  scale: number;
  /** Screen position of world (0, 0), CSS px. */
  x: number;
  y: number;
}

/** Most a hall can be magnified: a 10,000-rack hall's racks then span dozens of pixels. */
export const MAX_SCALE = 24;
export const IDENTITY: Zoom = { scale: 1, x: 0, y: 0 };

/** Keeps the plan (`w` × `h` CSS px at scale 1) covering the box of the same size. */
export function clampZoom(z: Zoom, w: number, h: number): Zoom {
  const scale = Math.min(MAX_SCALE, Math.max(1, z.scale));
  const x = Math.min(0, Math.max(w - w * scale, z.x));
  const y = Math.min(0, Math.max(h - h * scale, z.y));
  return { scale, x, y };
}

/** Zooms by `factor` keeping the world point under screen (`px`, `py`) where it is. */
export function zoomAt(z: Zoom, px: number, py: number, factor: number, w: number, h: number): Zoom {
  const scale = Math.min(MAX_SCALE, Math.max(1, z.scale * factor));
  const k = scale / z.scale;
  return clampZoom({ scale, x: px - (px - z.x) * k, y: py - (py - z.y) * k }, w, h);
}

/** Moves the plan by (`dx`, `dy`) screen px. */
export function panBy(z: Zoom, dx: number, dy: number, w: number, h: number): Zoom {
  return clampZoom({ ...z, x: z.x + dx, y: z.y + dy }, w, h);
}

/** The world point under a screen point. */
export function toWorld(z: Zoom, px: number, py: number): { x: number; y: number } {
  return { x: (px - z.x) / z.scale, y: (py - z.y) / z.scale };
}

/** The world rectangle the box shows (for culling what is off screen). */
export function visibleWorld(z: Zoom, w: number, h: number): { x0: number; y0: number; x1: number; y1: number } {
  const a = toWorld(z, 0, 0);
  const b = toWorld(z, w, h);
  return { x0: a.x, y0: a.y, x1: b.x, y1: b.y };
}
