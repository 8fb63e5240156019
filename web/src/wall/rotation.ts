/**
 * What the wall shows now. A view (a named layout, or the URL's settings) cuts its halls into
 * screens of `hallsPerScreen`, each coloured by the view's metric; several views (`views=a,b`)
 * line their screens up. Screens rotate every `rotateS`; while an unsilenced critical incident
 * is open, rotation pauses on the first screen holding the hall of the newest one. Pure: time is
 * an argument.
 */
export interface Screen {
  halls: string[];
  metric: string;
}

export interface RotationInput {
  screens: Screen[];
  rotateS: number;
  /** ms since the wall started rotating. */
  elapsedMs: number;
  /** Halls of open, unsilenced critical incidents, newest first. */
  criticalHalls: string[];
}

export interface RotationState {
  screen: number;
  screens: number;
  halls: string[];
  metric: string;
  paused: boolean;
  /** ms until the next screen; null when not rotating. */
  nextInMs: number | null;
}

/** One view's screens: its halls in groups of `perScreen`. */
export function screensOf(halls: string[], perScreen: number, metric: string): Screen[] {
  const out: Screen[] = [];
  for (let i = 0; i < halls.length; i += Math.max(1, perScreen)) out.push({ halls: halls.slice(i, i + Math.max(1, perScreen)), metric });
  return out;
}

export function wallRotation(r: RotationInput): RotationState {
  const screens = r.screens.length ? r.screens : [{ halls: [], metric: 'return' }];
  const at = (screen: number, paused: boolean, nextInMs: number | null): RotationState => ({
    screen,
    screens: screens.length,
    halls: screens[screen].halls,
    metric: screens[screen].metric,
    paused,
    nextInMs,
  });
  for (const hall of r.criticalHalls) {
    const screen = screens.findIndex((s) => s.halls.includes(hall));
    if (screen >= 0) return at(screen, true, null);
  }
  if (r.rotateS === 0 || screens.length === 1) return at(0, false, null);
  const periodMs = r.rotateS * 1000;
  // Clocks can step back (NTP, or a reading taken just before the start time): never below 0.
  const elapsedMs = Math.max(0, r.elapsedMs);
  return at(Math.floor(elapsedMs / periodMs) % screens.length, false, periodMs - (elapsedMs % periodMs));
}
