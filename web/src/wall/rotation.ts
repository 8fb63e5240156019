/**
 * Which halls the wall shows now. Halls are cut into screens of `hallsPerScreen` and rotated
 * every `rotateS`; while an unsilenced critical incident is open, rotation pauses on the screen
 * holding the hall of the newest one. Pure: time is an argument.
 */
export interface RotationInput {
  halls: string[];
  hallsPerScreen: number;
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
  paused: boolean;
  /** ms until the next screen; null when not rotating. */
  nextInMs: number | null;
}

export function screensOf(halls: string[], perScreen: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < halls.length; i += perScreen) out.push(halls.slice(i, i + perScreen));
  return out.length ? out : [[]];
}

export function wallRotation(r: RotationInput): RotationState {
  const screens = screensOf(r.halls, r.hallsPerScreen);
  const hot = r.criticalHalls.find((h) => r.halls.includes(h));
  if (hot !== undefined) {
    const screen = screens.findIndex((s) => s.includes(hot));
    return { screen, screens: screens.length, halls: screens[screen], paused: true, nextInMs: null };
  }
  if (r.rotateS === 0 || screens.length === 1) return { screen: 0, screens: screens.length, halls: screens[0], paused: false, nextInMs: null };
  const periodMs = r.rotateS * 1000;
  // Clocks can step back (NTP, or a reading taken just before the start time): never below 0.
  const elapsedMs = Math.max(0, r.elapsedMs);
  const screen = Math.floor(elapsedMs / periodMs) % screens.length;
  return { screen, screens: screens.length, halls: screens[screen], paused: false, nextInMs: periodMs - (elapsedMs % periodMs) };
}
