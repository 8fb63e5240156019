/**
 * Exponential backoff with jitter: `baseMs · 2^attempt` (the exponent capped at `maxExponent`),
 * capped at `maxMs`, then scaled by a random factor in [0.5, 1) so that many clients retrying
 * the same target do not retry in step.
 */
export function jitteredBackoffMs(attempt: number, baseMs: number, maxMs: number, maxExponent: number, random: () => number = Math.random): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, maxExponent)) * (0.5 + random() * 0.5);
}
