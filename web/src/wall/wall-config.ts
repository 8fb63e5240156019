/**
 * The wall's settings from its URL (`/wall?layout=noc&halls=hall-1,hall-2&metric=return&rotate=30
 * &per=1&sound=1&dwell=15&token=hwd_…`) over a named layout saved on the server. URL parameters win, so
 * one saved layout serves several walls with small differences. `views=a,b` rotates across the
 * screens of several saved layouts instead (each with its own halls and metric). The field
 * rules are the server's (protocol/wall.ts). Pure.
 */
import { WALL_DEFAULTS, WALL_RULES, isHallsPerScreen, isRotateS, isWallMetric, type WallLayoutSpec } from '../../../protocol/wall.ts';
import { CRITICAL_DWELL_S } from './rotation.ts';

/** The shortest dwell on a page of critical halls, s: time to find the marked unit. */
const MIN_DWELL_S = 2;

export interface WallParams {
  token: string | null;
  layout: string | null;
  /** Named layouts whose screens the wall rotates through, in order. */
  views: string[];
  overrides: Partial<WallLayoutSpec>;
  /** Seconds each page of critical halls is shown (`dwell=`; default CRITICAL_DWELL_S). */
  dwellS: number;
  /** Problems with the URL, shown on the wall rather than guessed around. */
  errors: string[];
}

export function parseWallParams(search: string): WallParams {
  const p = new URLSearchParams(search);
  const overrides: Partial<WallLayoutSpec> = {};
  const errors: string[] = [];
  const halls = p.get('halls');
  if (halls) overrides.halls = halls.split(',').map((h) => h.trim()).filter(Boolean);
  const metric = p.get('metric');
  if (metric !== null) {
    if (isWallMetric(metric)) overrides.metric = metric;
    else errors.push(`metric: "${metric}" is not ${WALL_RULES.metric}`);
  }
  const rotate = p.get('rotate');
  if (rotate !== null) {
    const s = Number(rotate);
    if (isRotateS(s)) overrides.rotateS = s;
    else errors.push(`rotate: "${rotate}" must be ${WALL_RULES.rotateS}`);
  }
  const per = p.get('per');
  if (per !== null) {
    const n = Number(per);
    if (isHallsPerScreen(n)) overrides.hallsPerScreen = n;
    else errors.push(`per: "${per}" halls per screen must be ${WALL_RULES.hallsPerScreen}`);
  }
  const sound = p.get('sound');
  if (sound !== null) overrides.sound = sound === '1' || sound === 'on' || sound === 'true';
  let dwellS = CRITICAL_DWELL_S;
  const dwell = p.get('dwell');
  if (dwell !== null) {
    const s = Number(dwell);
    if (Number.isInteger(s) && s >= MIN_DWELL_S && s <= 3600) dwellS = s;
    else errors.push(`dwell: "${dwell}" must be ${MIN_DWELL_S} to 3600 seconds`);
  }
  const views = (p.get('views') ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  return { token: p.get('token'), layout: p.get('layout'), views, overrides, dwellS, errors };
}

/** Layout from the server (or defaults), then URL overrides; unknown halls are reported and dropped. */
export function resolveWall(saved: WallLayoutSpec | null, params: WallParams, hallIds: string[]): { spec: WallLayoutSpec; errors: string[] } {
  const spec = { ...WALL_DEFAULTS, ...(saved ?? {}), ...params.overrides };
  const errors = [...params.errors];
  const unknown = spec.halls.filter((h) => !hallIds.includes(h));
  if (unknown.length) errors.push(`halls: no hall ${unknown.map((h) => `"${h}"`).join(', ')} in this site`);
  const halls = spec.halls.filter((h) => hallIds.includes(h));
  return { spec: { ...spec, halls: halls.length ? halls : hallIds }, errors };
}

/** The views a wall rotates through, with the rotation interval (s), sound, and what was wrong in the URL or layouts. */
export interface ResolvedViews {
  views: WallLayoutSpec[];
  rotateS: number;
  sound: boolean;
  errors: string[];
}

/**
 * Several saved views: each keeps its halls, per-screen and metric; the rotation interval and
 * sound come from the URL, else the first view.
 */
export function resolveViews(saved: WallLayoutSpec[], params: WallParams, hallIds: string[]): ResolvedViews {
  const errors = [...params.errors];
  const views = saved.map((v) => {
    const r = resolveWall(v, { ...params, overrides: {} }, hallIds);
    errors.push(...r.errors.filter((e) => !errors.includes(e)));
    return r.spec;
  });
  const rotateS = params.overrides.rotateS ?? views[0]?.rotateS ?? WALL_DEFAULTS.rotateS;
  return { views, rotateS, sound: params.overrides.sound ?? views.some((v) => v.sound), errors };
}
