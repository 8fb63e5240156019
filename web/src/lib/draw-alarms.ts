/**
 * Alarm beacons: a tripped or offline CDU, a leaking rack, and any rack or CDU with a critical
 * alert, drawn on their own canvas over the heat map so they can pulse without the map being
 * repainted. A beacon is a magenta frame (a colour no data palette here uses) on a dark line
 * standing well clear of the tile, a halo that grows and fades with the pulse, and at the
 * tile's centre a white ✕ (trip) or ◆ (leak) outlined in black — all sized in screen pixels
 * (mark-plan's beaconSize), so they read from across the room at any zoom and on any tile colour.
 */
import type { Rect } from './hall-layout.ts';
import { beaconSize } from './mark-plan.ts';

/** The alarm colour: magenta, outside the heat maps' blue–yellow–red scales and the ring colours. */
export const ALARM = '#ff2bd6';
/** The dark line under every alarm stroke, so it stands out from light and dark tiles alike. */
export const ALARM_OUTLINE = '#0b0f14';
/** Glyph fill. */
const GLYPH = '#ffffff';

export type BeaconKind = 'trip' | 'leak' | 'critical';

/** A tile (world rect of the hall layout) that gets a beacon, and why. */
export interface Beacon {
  kind: BeaconKind;
  rect: Rect;
}

/** Screen transform of the plan: screen = world × scale + (x, y), CSS px. */
export interface ScreenView {
  scale: number;
  x: number;
  y: number;
}

/**
 * One beacon per tile, a glyph kind before a bare critical (a tripped CDU's critical alert
 * would otherwise be a second frame on the same tile).
 */
export function mergeBeacons(glyphs: Beacon[], critical: Rect[]): Beacon[] {
  if (critical.length === 0) return glyphs;
  const marked = new Set(glyphs.map((b) => b.rect));
  return [...glyphs, ...critical.filter((r) => !marked.has(r)).map((rect) => ({ kind: 'critical' as const, rect }))];
}

/**
 * Clears the overlay (`w` × `h` CSS px at `dpr`) and draws `beacons` seen through `view` at
 * pulse `phase` (0 → 1). One path per kind of stroke: an alert storm can light thousands.
 * `screenScale` (≥ 1) grows the smallest beacon with the screen (mark-plan's beaconSize).
 */
export function drawBeacons(
  ctx: CanvasRenderingContext2D, beacons: Beacon[], view: ScreenView, dpr: number, phase: number, w: number, h: number, screenScale = 1,
): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  if (beacons.length === 0) return;
  const halos = new Path2D();
  const frames = new Path2D();
  const crosses = new Path2D();
  const diamonds = new Path2D();
  // A hall's racks and CDUs are near enough in size to share the last beacon's line widths.
  let lineW = 2;
  let glyphLineW = 2;
  for (const { kind, rect } of beacons) {
    const x0 = rect.x * view.scale + view.x, y0 = rect.y * view.scale + view.y;
    const tw = rect.w * view.scale, th = rect.h * view.scale;
    const s = beaconSize(tw, th, phase, screenScale);
    if (x0 + tw + s.haloPadPx < 0 || y0 + th + s.haloPadPx < 0 || x0 - s.haloPadPx > w || y0 - s.haloPadPx > h) continue;
    lineW = s.lineWPx;
    glyphLineW = Math.max(2, s.glyphPx / 6);
    // Whole pixels: the frame's colour is exact, not blended with the tile under it.
    const fx = Math.round(x0 - s.framePadPx), fy = Math.round(y0 - s.framePadPx);
    const fw = Math.round(tw + 2 * s.framePadPx), fh = Math.round(th + 2 * s.framePadPx);
    frames.rect(fx, fy, fw, fh);
    if (s.haloAlpha > 0) halos.rect(x0 - s.haloPadPx, y0 - s.haloPadPx, tw + 2 * s.haloPadPx, th + 2 * s.haloPadPx);
    const cx = x0 + tw / 2, cy = y0 + th / 2, g = s.glyphPx / 2;
    if (kind === 'trip') {
      crosses.moveTo(cx - g * 0.8, cy - g * 0.8);
      crosses.lineTo(cx + g * 0.8, cy + g * 0.8);
      crosses.moveTo(cx + g * 0.8, cy - g * 0.8);
      crosses.lineTo(cx - g * 0.8, cy + g * 0.8);
    } else if (kind === 'leak') {
      diamonds.moveTo(cx, cy - g);
      diamonds.lineTo(cx + g, cy);
      diamonds.lineTo(cx, cy + g);
      diamonds.lineTo(cx - g, cy);
      diamonds.closePath();
    }
  }
  ctx.lineJoin = 'miter';
  ctx.globalAlpha = beaconSize(1, 1, phase).haloAlpha;
  ctx.strokeStyle = ALARM;
  ctx.lineWidth = lineW * 1.5;
  ctx.stroke(halos);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = ALARM_OUTLINE;
  ctx.lineWidth = lineW + 3;
  ctx.stroke(frames);
  ctx.strokeStyle = ALARM;
  ctx.lineWidth = lineW;
  ctx.stroke(frames);
  ctx.lineCap = 'round';
  ctx.strokeStyle = ALARM_OUTLINE;
  ctx.lineWidth = glyphLineW + 3;
  ctx.stroke(crosses);
  ctx.stroke(diamonds);
  ctx.strokeStyle = GLYPH;
  ctx.lineWidth = glyphLineW;
  ctx.stroke(crosses);
  ctx.fillStyle = GLYPH;
  ctx.fill(diamonds);
  ctx.lineCap = 'butt';
}
