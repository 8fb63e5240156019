/**
 * Seconds missing from a 1 Hz series within a window, judged from the samples stored around it.
 * A publisher's tick drifts by a millisecond or so a second, so a window edge can fall a hair
 * after a sample: the next one is then just over a period inside. Counting the edges against the
 * window would call that a lost second; counting them against the neighbouring samples does not.
 */

/**
 * Whole periods missing in [fromMs, toMs) from sorted sample times `tsMs`, which should reach
 * beyond both ends of the window. Between two samples more than 1.5 periods apart, the
 * round(gap / period) − 1 missing samples are spread evenly over the gap, and those inside the
 * window count. With no sample before the window, the samples due between its start and the first
 * sample count; with none after it, those due after the last sample and before its end; with
 * none inside it at all, the window's whole periods.
 */
export function missingSeconds(tsMs: readonly number[], fromMs: number, toMs: number, periodMs = 1000): number {
  const n = tsMs.length;
  if (n === 0) return Math.floor((toMs - fromMs) / periodMs);
  let lost = 0;
  if (tsMs[0] >= fromMs) lost += Math.floor((Math.min(tsMs[0], toMs) - fromMs) / periodMs);
  if (tsMs[n - 1] < toMs) lost += tsMs[n - 1] < fromMs ? Math.floor((toMs - fromMs) / periodMs) : Math.ceil((toMs - tsMs[n - 1]) / periodMs) - 1;
  for (let k = 1; k < n; k++) {
    const a = tsMs[k - 1];
    const b = tsMs[k];
    const gapMs = b - a;
    if (gapMs <= 1.5 * periodMs || b <= fromMs || a >= toMs) continue;
    const slots = Math.round(gapMs / periodMs) - 1;
    for (let j = 1; j <= slots; j++) {
      const slotMs = a + (j * gapMs) / (slots + 1);
      if (slotMs >= fromMs && slotMs < toMs) lost++;
    }
  }
  return lost;
}
