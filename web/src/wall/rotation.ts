/**
 * What the wall shows now. A view (a named layout, or the URL's settings) cuts its halls into
 * screens of `hallsPerScreen`, each coloured by the view's metric; several views (`views=a,b`)
 * line their screens up. Screens rotate every `rotateS`.
 *
 * While unsilenced critical incidents are open, the wall shows only the halls holding them:
 * newest first, cut into pages of `criticalPerScreen`, each page shown for `dwellS` from the
 * moment that set of pages appeared (so a new critical is on screen at once). One page stays
 * put; several alternate, so no critical hall goes unseen. When they all close, the normal
 * rotation resumes. Pure: time is an argument.
 */
export interface Screen {
  halls: string[];
  metric: string;
}

/** How long each page of critical halls is shown unless the wall's URL says otherwise, s. */
export const CRITICAL_DWELL_S = 15;

export interface RotationInput {
  screens: Screen[];
  rotateS: number;
  /** ms since the wall started rotating. */
  elapsedMs: number;
  /** Halls of open, unsilenced critical incidents, newest first (repeats allowed). */
  criticalHalls: string[];
  /** Halls per page while showing critical halls (the wall's halls per screen), ≥ 1. */
  criticalPerScreen: number;
  /** Seconds each page of critical halls is shown (CRITICAL_DWELL_S by default). */
  dwellS: number;
  /** ms since these critical pages appeared (`criticalCycle`). */
  criticalElapsedMs: number;
}

export interface RotationState {
  /** The screen (or, with `critical`, the page of critical halls) shown, from 0. */
  screen: number;
  /** How many screens (or critical pages) there are. */
  screens: number;
  halls: string[];
  metric: string;
  /** Showing the halls of open critical incidents instead of the normal rotation. */
  critical: boolean;
  /** Held on one screen by a critical incident (one page of critical halls). */
  paused: boolean;
  /** ms until the next screen or page; null when not moving. */
  nextInMs: number | null;
}

/** One view's screens: its halls in groups of `perScreen`. */
export function screensOf(halls: string[], perScreen: number, metric: string): Screen[] {
  const out: Screen[] = [];
  for (let i = 0; i < halls.length; i += Math.max(1, perScreen)) out.push({ halls: halls.slice(i, i + Math.max(1, perScreen)), metric });
  return out;
}

/**
 * The pages of critical halls: each hall once, only halls this wall shows at all, the page
 * with the newest incident first; on a page, halls in the wall's order, coloured by the metric
 * of the first screen holding its first hall.
 */
export function criticalPages(screens: Screen[], criticalHalls: string[], perScreen: number): Screen[] {
  const metricOf = new Map<string, string>();
  for (const s of screens) for (const h of s.halls) if (!metricOf.has(h)) metricOf.set(h, s.metric);
  const order = [...metricOf.keys()];
  const halls = [...new Set(criticalHalls)].filter((h) => metricOf.has(h));
  return screensOf(halls, perScreen, '').map((p) => {
    const inOrder = [...p.halls].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    return { halls: inOrder, metric: metricOf.get(inOrder[0])! };
  });
}

/** When the present critical pages appeared; `key` names them (their halls in order). */
export interface CriticalCycle {
  key: string;
  sinceMs: number;
}

/** The cycle kept while its pages stay the same, a new one from `nowMs` when they change. */
export function criticalCycle(prev: CriticalCycle | null, key: string, nowMs: number): CriticalCycle {
  return prev !== null && prev.key === key ? prev : { key, sinceMs: nowMs };
}

/** The key `criticalCycle` compares: the pages' halls in order. */
export function pagesKey(pages: Screen[]): string {
  return pages.map((p) => p.halls.join(',')).join('|');
}

export function wallRotation(r: RotationInput): RotationState {
  const screens = r.screens.length ? r.screens : [{ halls: [], metric: 'return' }];
  const pages = criticalPages(screens, r.criticalHalls, r.criticalPerScreen);
  const at = (list: Screen[], critical: boolean, screen: number, nextInMs: number | null): RotationState => ({
    screen,
    screens: list.length,
    halls: list[screen].halls,
    metric: list[screen].metric,
    critical,
    paused: critical && list.length === 1,
    nextInMs,
  });
  if (pages.length === 1) return at(pages, true, 0, null);
  if (pages.length > 1) return at(pages, true, ...step(r.criticalElapsedMs, r.dwellS, pages.length));
  if (r.rotateS === 0 || screens.length === 1) return at(screens, false, 0, null);
  return at(screens, false, ...step(r.elapsedMs, r.rotateS, screens.length));
}

/** Which of `count` items is shown `elapsedMs` in at `periodS` each, and ms until the next. */
function step(elapsedMs: number, periodS: number, count: number): [number, number] {
  const periodMs = Math.max(1, periodS) * 1000;
  // Clocks can step back (NTP, or a reading taken just before the start time): never below 0.
  const ms = Math.max(0, elapsedMs);
  return [Math.floor(ms / periodMs) % count, periodMs - (ms % periodMs)];
}
