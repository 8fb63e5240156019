/**
 * Minute and hour rollups to InfluxDB. A closed minute is written a little later, a share on
 * each recorder tick: every entity's minute closes within the same second (8,800 lines of 30
 * values at 1 GW), which in one go stalled the event loop for half a second each minute.
 */
import type { LineSink } from './leader-lines.ts';
import { pointFormat, type Series } from './recorder-series.ts';
import type { ClosedWindow } from './rollup.ts';
import type { Tier } from './schema.ts';

/** Closed minutes written per 250 ms tick at least. */
const MINUTES_PER_TICK = 50;
/**
 * Ticks a minute's rollups are spread over (30 s). Every entity's minute closes in the same
 * second: at 1 GW that is 8,800 lines of 30 values, which written within a few seconds made
 * InfluxDB take most of a core and stalled the server each minute.
 */
const MINUTE_DRAIN_TICKS = 120;

/** Writes closed minutes (a share per tick) and the hours they close. */
export class RollupWriter {
  /** Closed minutes waiting to be written (`writeMinutes`). */
  private readonly pendingMinutes: { s: Series; w: ClosedWindow }[] = [];
  /** Minutes written per tick while a backlog drains (set by its size, so it empties in MINUTE_DRAIN_TICKS). */
  private minuteQuota = 0;
  /** Rollup line values: mean, min, max per field, then the sample count. */
  private readonly rollupValues = new Float64Array(49);

  constructor(private readonly writer: LineSink | null) {}

  /** Queues a closed minute for a later tick. */
  closedMinute(s: Series, w: ClosedWindow): void {
    this.pendingMinutes.push({ s, w });
  }

  /** One tick's share of the pending minutes (four ticks a second: a minute's rollups go out over at most 30 s, at an even rate). */
  tick(): void {
    const pending = this.pendingMinutes.length;
    this.minuteQuota = pending === 0 ? 0 : Math.max(this.minuteQuota, MINUTES_PER_TICK, Math.ceil(pending / MINUTE_DRAIN_TICKS));
    this.writeMinutes(this.minuteQuota);
  }

  /**
   * Closes `s`'s windows that ended before `cutoffMs` and got no sample since `quietSinceMs`. An
   * hour closes here two minutes later than that (its last minute may still wait in
   * `pendingMinutes`); a live entity's hour closes earlier, when its next hour's first minute
   * is written.
   */
  closeQuiet(s: Series, cutoffMs: number, quietSinceMs: number): void {
    for (const w of s.m1.closeQuiet(cutoffMs, quietSinceMs)) this.closedMinute(s, w);
    for (const h of s.h1.closeQuiet(cutoffMs - 120_000, quietSinceMs)) this.writeHour(s, h);
  }

  /** Writes every open minute and hour of `series` (a partial last minute/hour). */
  closeAll(series: readonly Series[]): void {
    for (const s of series) for (const w of s.m1.closeBefore(Number.POSITIVE_INFINITY)) this.closedMinute(s, w);
    // Every minute into its hour before the hours close.
    this.writeMinutes(Number.POSITIVE_INFINITY);
    for (const s of series) for (const h of s.h1.closeBefore(Number.POSITIVE_INFINITY)) this.writeHour(s, h);
  }

  /** Writes up to `max` pending minutes (and the hours they close). */
  private writeMinutes(max: number): void {
    const n = Math.min(max, this.pendingMinutes.length);
    for (let k = 0; k < n; k++) {
      const { s, w } = this.pendingMinutes[k];
      this.write(s, 'm1', w);
      const hour = s.h1.addWindow(w);
      if (hour) this.writeHour(s, hour);
      s.m1.release(w);
    }
    this.pendingMinutes.splice(0, n);
  }

  /** Writes a closed hour and hands it back to its rollup. */
  private writeHour(s: Series, h: ClosedWindow): void {
    this.write(s, 'h1', h);
    s.h1.release(h);
  }

  private write(s: Series, tier: Tier, w: ClosedWindow): void {
    if (!this.writer) return;
    const v = this.rollupValues;
    let samples = 0;
    for (let k = 0; k < s.fields.length; k++) {
      v[3 * k] = w.mean[k];
      v[3 * k + 1] = w.min[k];
      v[3 * k + 2] = w.max[k];
      if (w.count[k] > samples) samples = w.count[k];
    }
    v[3 * s.fields.length] = samples;
    const line = pointFormat(s, tier, w.key).line(v, w.startMs);
    if (line) this.writer.write(tier, [line]);
  }
}
