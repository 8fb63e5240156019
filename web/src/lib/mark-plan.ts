/**
 * How big the hall plan's text and alarm marks are at a given tile size on screen. Pure: the
 * painters ask it, and the unit tests hold it to a table of tile sizes. All sizes are CSS px
 * on screen (after the zoom), so text and alarms stay legible whatever the zoom.
 */

/** Smallest text drawn on the plan, px: the 6–7 px row labels of a 1 GW hall could not be read. */
export const MIN_TEXT_PX = 11;
/** Largest row-label and name text, px (the wall's labels are sized by the wall instead). */
export const MAX_TEXT_PX = 14;
/**
 * Rack and CDU names appear once a tile is at least this wide on screen, px (a name is written
 * only where it fits in its tile's top-left quarter: `k01` at 11 px needs about 48 px).
 */
export const NAME_MIN_TILE_W_PX = 40;
/** Room between a name and its tile's edge, px. */
const NAME_PAD_PX = 3;

/** Row labels: their font size and which rows carry one (every `every`-th, from the first). */
export interface RowLabelPlan {
  fontPx: number;
  every: number;
}

/**
 * Row labels for rows `rowPitchPx` apart whose racks are `cellHPx` high on screen: the font is
 * `fixedPx` (the wall's) or from the rack height, never under MIN_TEXT_PX; when rows are closer
 * than a line of it only every few rows are labelled, so labels never overlap.
 */
export function rowLabelPlan(rowPitchPx: number, cellHPx: number, fixedPx?: number): RowLabelPlan {
  const fontPx = fixedPx ?? Math.min(MAX_TEXT_PX, Math.max(MIN_TEXT_PX, Math.floor(cellHPx * 0.6)));
  const linePx = fontPx * 1.25;
  const every = rowPitchPx >= linePx ? 1 : Math.ceil(linePx / Math.max(0.1, rowPitchPx));
  return { fontPx, every };
}

/**
 * Font size of the names written in rack and CDU tiles `tileWPx` × `tileHPx` on screen, or null
 * when the tiles are too small to hold legible text: narrower than NAME_MIN_TILE_W_PX, or too
 * low for a line of MIN_TEXT_PX in their upper half (the lower half and the centre stay the
 * tile's colour, and its age when stale).
 */
export function nameFontPx(tileWPx: number, tileHPx: number): number | null {
  const fontPx = Math.min(MAX_TEXT_PX, Math.floor((tileHPx / 2 - NAME_PAD_PX) / 1.2));
  return tileWPx < NAME_MIN_TILE_W_PX || fontPx < MIN_TEXT_PX ? null : fontPx;
}

/**
 * The name written in a tile: the entity's ID without its row's ID in front (the row label
 * already says it), so `h1-r06-k01` in row `h1-r06` reads `k01`.
 */
export function shortName(id: string, rowId: string): string {
  return id.startsWith(`${rowId}-`) && id.length > rowId.length + 1 ? id.slice(rowId.length + 1) : id;
}

/** Sizes of one alarm beacon on screen, px, for a tile `tileWPx` × `tileHPx` at pulse phase `phase`. */
export interface BeaconSize {
  /** How far the steady frame stands out from the tile on every side. */
  framePadPx: number;
  /** Line width of the frame (the alarm colour, drawn over a dark line twice as wide). */
  lineWPx: number;
  /** Side of the glyph (✕, ◆) at the tile's centre. */
  glyphPx: number;
  /** How far the pulse's halo stands out from the frame, and its opacity (0 hides it). */
  haloPadPx: number;
  haloAlpha: number;
}

/** Smallest glyph, px: larger than a 1 GW hall's overview tile, so it covers its neighbours. */
export const MIN_GLYPH_PX = 14;

/**
 * A beacon over a faulted or critically alerting tile: a frame standing well clear of the tile
 * (over its neighbours on a small map), a glyph at least MIN_GLYPH_PX, and a halo that grows and
 * fades once per pulse (`phase` 0 → 1; without motion, phase 0: the halo at its most visible).
 */
export function beaconSize(tileWPx: number, tileHPx: number, phase: number, screenScale = 1): BeaconSize {
  const tile = Math.min(tileWPx, tileHPx);
  const k = Math.max(1, screenScale);
  // Thicker on large tiles (a 4K wall): a frame is read from across the room, not beside the screen.
  const lineWPx = Math.max(Math.round((tile >= 24 ? 4 : 3) * k), Math.round(tile * 0.1));
  const framePadPx = Math.max(Math.round(5 * k), Math.round(tile * 0.3)) + lineWPx;
  const glyphPx = Math.max(Math.round(MIN_GLYPH_PX * k), Math.round(tile * 0.6));
  const reach = Math.max(14 * k, tile * 0.8);
  return { framePadPx, lineWPx, glyphPx, haloPadPx: framePadPx + reach * phase, haloAlpha: 0.85 * (1 - phase) };
}

/**
 * How much larger than on a 1920-px-wide screen the smallest beacon is drawn: a wall of 3840 CSS
 * px is watched from as far as one of 1920, so its beacons are twice the size.
 */
export function beaconScreenScale(viewportWPx: number): number {
  return Number.isFinite(viewportWPx) ? Math.max(1, viewportWPx / 1920) : 1;
}

/** Period of the alarm pulse, ms (a little under a second and a half: urgent, not a strobe). */
export const PULSE_PERIOD_MS = 1400;
/** Distinct pulse phases per period: the overlay is redrawn this often per period, never every frame. */
export const PULSE_STEPS = 14;

/** Pulse phase in [0, 1) at `tMs`, in PULSE_STEPS steps; 0 always when motion is unwanted. */
export function pulsePhase(tMs: number, still: boolean): number {
  if (still) return 0;
  const step = Math.floor(((tMs % PULSE_PERIOD_MS) + PULSE_PERIOD_MS) % PULSE_PERIOD_MS / (PULSE_PERIOD_MS / PULSE_STEPS));
  return Math.min(PULSE_STEPS - 1, step) / PULSE_STEPS;
}

/** Text colours for writing on a tile: dark on light fills, light on dark ones. */
export const INK_DARK = '#0f1419';
export const INK_LIGHT = '#f2f6fa';
const inkByFill = new Map<string, string>();

/**
 * The text colour that stands out from a `#rrggbb` tile fill: dark on fills whose relative
 * luminance (WCAG 2.x, sRGB) is above 0.18, where dark text has the better contrast; light otherwise.
 */
export function inkOn(fill: string): string {
  let ink = inkByFill.get(fill);
  if (ink) return ink;
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(fill);
  const lin = (h: string) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const lum = m ? 0.2126 * lin(m[1]) + 0.7152 * lin(m[2]) + 0.0722 * lin(m[3]) : 0;
  ink = lum > 0.18 ? INK_DARK : INK_LIGHT;
  inkByFill.set(fill, ink);
  return ink;
}
