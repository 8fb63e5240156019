/**
 * When a browser tries its server again. Jittered, so a hundred walls cut at the same moment
 * (their server died) do not come back in one burst; bounded, so a wall whose server died is
 * live again within seconds once the other one answers: the delays add up to 4 s at most over
 * the first four tries, then one try every 1–2 s.
 */

/** First delay at most, ms. */
export const RETRY_BASE_MS = 250;
/** Longest delay, ms. */
export const RETRY_CAP_MS = 2000;

/**
 * Delay before try `attempt` (0 = the first after a loss), ms: the attempt's ceiling
 * (RETRY_BASE_MS doubling, at most RETRY_CAP_MS) times a factor in [0.5, 1) from `random`.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, Math.min(attempt, 16)));
  return Math.round(ceilingMs * (0.5 + 0.5 * random()));
}
