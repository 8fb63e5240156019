/**
 * What only the leader of a pair writes to InfluxDB: the rollups (1 min, 1 h), the row, hall and
 * site totals and the GPU windows — values each server computes from its own view of the
 * stream. Two servers writing them would interleave two computations under one key (InfluxDB
 * merges a point's fields by last write). Raw samples are not gated: keyed by their source
 * time, the same block written by both lands once.
 *
 * The standby computes the same lines and holds the last `holdMs` of them. When it becomes the
 * leader it writes what it holds — the windows that closed while the old leader was dying or
 * gone, which that one may never have written — a share per tick; a window the old leader did
 * write is written again under the same key, with the same samples.
 */
import type { InfluxWriter } from './influx-writer.ts';
import type { Tier } from './schema.ts';

/** Where the recorder's lines go: the InfluxDB writer, or this gate in front of it. */
export type LineSink = Pick<InfluxWriter, 'write'>;

interface Held {
  atMs: number;
  tier: Tier;
  lines: string[];
}

export interface LeaderLinesOptions {
  /** Whether this server writes them now (the lease; always true for a single server). */
  writes: () => boolean;
  clock: () => number;
  /** How long a standby keeps what it did not write, ms: longer than a failover takes. */
  holdMs: number;
  /** Most lines held; the oldest go first beyond it. */
  maxHeldLines: number;
  /** Held lines written per `tick()` after taking over (a minute's rollups at once stalled InfluxDB). */
  releasePerTick: number;
}

/** The leader-only writes: straight through on the leader, held for a takeover on the standby. */
export class LeaderLines implements LineSink {
  private held: Held[] = [];
  /** First entry of `held` not yet written or dropped. */
  private head = 0;
  private heldLines = 0;
  /** Lines dropped from the hold: older than `holdMs`, or beyond `maxHeldLines`. */
  dropped = 0;

  constructor(private readonly sink: LineSink, private readonly o: LeaderLinesOptions) {}

  /** Lines held for a takeover now. */
  get holding(): number {
    return this.heldLines;
  }

  write(tier: Tier, lines: string[]): void {
    if (this.o.writes()) {
      this.sink.write(tier, lines);
      return;
    }
    this.held.push({ atMs: this.o.clock(), tier, lines });
    this.heldLines += lines.length;
    this.trim();
  }

  /** Call a few times a second: a new leader writes a share of what it held; a standby forgets what is too old. */
  tick(): void {
    if (!this.o.writes()) return this.trim();
    let budget = this.o.releasePerTick;
    while (this.head < this.held.length && budget > 0) {
      const h = this.held[this.head++];
      this.heldLines -= h.lines.length;
      budget -= h.lines.length;
      this.sink.write(h.tier, h.lines);
    }
    this.compact();
  }

  /** Drops entries older than `holdMs` and, past `maxHeldLines`, the oldest. */
  private trim(): void {
    const oldestMs = this.o.clock() - this.o.holdMs;
    while (this.head < this.held.length && (this.held[this.head].atMs < oldestMs || this.heldLines > this.o.maxHeldLines)) {
      const h = this.held[this.head++];
      this.heldLines -= h.lines.length;
      this.dropped += h.lines.length;
    }
    this.compact();
  }

  private compact(): void {
    if (this.head === this.held.length) {
      this.held = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
  }
}
