/**
 * Wall layouts (`GET /api/wall/layouts`, `PUT /api/admin/wall-layouts/{name}`) and the wall
 * URL's overrides (`/wall?metric=…&rotate=…&per=…`): which halls in rotation order, the heat-map
 * metric, halls per screen, seconds per screen and sound. The server checks a saved layout and
 * the wall checks its URL with the same rules, which name the field.
 */
import { fail, ok, type Result } from './result.ts';

/** Heat-map metrics a wall (or the dashboard) colours racks by; web/src/lib/metrics.ts says what each shows. */
export const WALL_METRICS = ['return', 'dt', 'power', 'headroom', 'flow', 'cdu'] as const;
export type WallMetric = (typeof WALL_METRICS)[number];

/** What a wall shows; a saved layout adds its name. */
export interface WallLayoutSpec {
  /** Hall IDs in rotation order; empty = every hall. */
  halls: string[];
  /** Halls shown side by side on one screen (1–4; 0 = as many as fit without shrinking). */
  hallsPerScreen: number;
  metric: WallMetric;
  /** Seconds per screen; 0 = no rotation. */
  rotateS: number;
  /** Whether a new critical incident sounds. */
  sound: boolean;
}

export interface WallLayout extends WallLayoutSpec {
  name: string;
}

/** A field left out of a layout or URL: every hall, as many per screen as fit, return temperature, 30 s, silent. */
export const WALL_DEFAULTS: Readonly<WallLayoutSpec> = { halls: [], hallsPerScreen: 0, metric: 'return', rotateS: 30, sound: false };

export const LAYOUT_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** What each field accepts, for messages. */
export const WALL_RULES = {
  metric: `one of ${WALL_METRICS.join(', ')}`,
  hallsPerScreen: '1 to 4, or 0 for as many as fit',
  rotateS: '0 (no rotation) or 5 to 3600 seconds',
} as const;

export function isWallMetric(v: unknown): v is WallMetric {
  return WALL_METRICS.includes(v as WallMetric);
}

export function isHallsPerScreen(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 4;
}

export function isRotateS(v: unknown): v is number {
  return Number.isInteger(v) && (v === 0 || ((v as number) >= 5 && (v as number) <= 3600));
}

/** A layout to save: fields left out take WALL_DEFAULTS; the message names the first bad field. */
export function parseWallLayout(name: string, body: unknown, hallIds: string[]): Result<WallLayout, 'invalid_layout'> {
  const bad = (m: string) => fail('invalid_layout' as const, m);
  if (!LAYOUT_NAME.test(name)) return bad('name: lower-case letters, digits and dashes, at most 40');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('body: a JSON object is required');
  const b = body as Record<string, unknown>;
  const halls = b.halls ?? WALL_DEFAULTS.halls;
  if (!Array.isArray(halls) || !halls.every((h) => typeof h === 'string')) return bad('halls: a list of hall IDs is required');
  const unknown = halls.find((h) => !hallIds.includes(h));
  if (unknown !== undefined) return bad(`halls: no hall "${unknown}" in this site (${hallIds.join(', ')})`);
  const hallsPerScreen = b.hallsPerScreen ?? WALL_DEFAULTS.hallsPerScreen;
  if (!isHallsPerScreen(hallsPerScreen)) return bad(`hallsPerScreen: ${WALL_RULES.hallsPerScreen}`);
  const metric = b.metric ?? WALL_DEFAULTS.metric;
  if (!isWallMetric(metric)) return bad(`metric: ${WALL_RULES.metric} is required`);
  const rotateS = b.rotateS ?? WALL_DEFAULTS.rotateS;
  if (!isRotateS(rotateS)) return bad(`rotateS: ${WALL_RULES.rotateS}`);
  const sound = b.sound ?? WALL_DEFAULTS.sound;
  if (typeof sound !== 'boolean') return bad('sound: true or false');
  return ok({ name, halls, hallsPerScreen, metric, rotateS, sound });
}
