/**
 * Breaks chart lines where data is missing: uPlot joins neighbouring points however far apart
 * they are, so an outage would be drawn as a straight line across it. Between two samples
 * further apart than `factor` × the typical spacing (median, at least `minGapS`) a row of nulls
 * is inserted; the series draw with `spanGaps: false`. Data: x in seconds first, then series.
 */
export function withGaps(data: (number | null)[][], factor = 3, minGapS = 5): (number | null)[][] {
  const x = data[0] as number[];
  if (x.length < 3) return data;
  const deltas = x.slice(1).map((t, k) => t - x[k]).sort((a, b) => a - b);
  const limit = Math.max(minGapS, factor * deltas[deltas.length >> 1]);
  const out: (number | null)[][] = data.map(() => []);
  for (let k = 0; k < x.length; k++) {
    if (k > 0 && x[k] - x[k - 1] > limit) {
      out[0].push(x[k - 1] + (x[k] - x[k - 1]) / 2);
      for (let s = 1; s < data.length; s++) out[s].push(null);
    }
    for (let s = 0; s < data.length; s++) out[s].push(data[s][k] ?? null);
  }
  return out;
}
