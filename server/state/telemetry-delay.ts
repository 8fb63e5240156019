/**
 * Tells a delay of the telemetry path from dead racks. Racks and CDUs publish on their own; when
 * many of them go stale within the same few seconds, their silence has one cause upstream — the
 * broker, a gateway, the network, or this server — and is one delay, not hundreds of faults.
 *
 * A burst is at least `BURST_ENTITIES` entities of the site, or a tenth of one hall's (at least
 * `BURST_MIN_HALL_ENTITIES`), going stale within `windowMs` of each other. It opens an episode:
 * its entities are "delayed", and so is any entity of a hall it touched that goes stale while it
 * lasts. The episode ends `windowMs` after what is still stale of it would no longer make a burst
 * (the last samples of a recovery arrive); an entity still stale then is judged on its own. An
 * entity going stale outside an episode is "undecided" for `windowMs` — long enough to see
 * whether others follow — then "stale". Pure: times are arguments.
 */

export type DelayKind = 'rack' | 'cdu';

/**
 * Entities going stale together that make a burst, whatever the hall sizes: one more than a
 * redundancy group of the reference hall holds (16 racks + 3 CDUs, ../shared/docs/domain.md §5).
 * A group going dark at once is a local fault — its row's switch or PDU — which the group's own
 * incident names; more than that at once is the path they share. Independent publisher failures
 * within a few seconds of each other are negligible even at 7,400 racks (a few a day at most).
 */
export const BURST_ENTITIES = 20;
/** In a hall with fewer than 200 entities, a tenth of them going stale together is a burst too. */
export const BURST_HALL_SHARE = 0.1;
/** …but never fewer than this many (two at once may be a rack and its row's CDU). */
export const BURST_MIN_HALL_ENTITIES = 3;

/** Where each entity is, for the per-hall burst and the halls an episode touches. */
export interface DelayPlaces {
  /** Hall index of each rack and of each CDU. */
  rackHall: ArrayLike<number>;
  cduHall: ArrayLike<number>;
  halls: number;
}

/** What an entity's stale mark means now. */
export type StaleVerdict = 'live' | 'undecided' | 'delayed' | 'stale';

/** An open delay, as the site's alert and `/healthz` tell it. */
export interface DelayEpisode {
  sinceMs: number;
  /** Entities that went stale in it. */
  racks: number;
  cdus: number;
  /** Of those, still stale now. */
  racksStale: number;
  cdusStale: number;
  /** Indexes of the halls it touched, ascending. */
  halls: number[];
  /** The oldest last sample of an entity still stale (the largest seen while it lasts), ms. */
  oldestSampleAgeMs: number;
}

interface Episode {
  sinceMs: number;
  halls: Uint8Array;
  members: Record<DelayKind, number[]>;
  stale: Record<DelayKind, number>;
  staleByHall: Int32Array;
  /** Since when what is still stale makes no burst (NaN while it does). */
  quietSinceMs: number;
  oldestSampleAgeMs: number;
}

const KINDS: readonly DelayKind[] = ['rack', 'cdu'];

export class TelemetryDelay {
  /** When each entity went stale (NaN while it is not). */
  private readonly since: Record<DelayKind, Float64Array>;
  /** Its last sample's receive time when it went stale, ms. */
  private readonly lastMs: Record<DelayKind, Float64Array>;
  /** 1 while it is stale within the open episode. */
  private readonly member: Record<DelayKind, Uint8Array>;
  /** 1 once it went stale within the open episode (counted once, however often it comes and goes). */
  private readonly joined: Record<DelayKind, Uint8Array>;
  private readonly hallOf: Record<DelayKind, ArrayLike<number>>;
  /** Entities of one hall that make a burst. */
  private readonly hallBurst: Int32Array;
  /** Entities that went stale outside an episode within the last window, oldest first. */
  private recent: { kind: DelayKind; i: number; atMs: number }[] = [];
  private readonly byHall: Int32Array;
  private episode: Episode | null = null;

  constructor(
    private readonly places: DelayPlaces,
    /** How close together stale marks count as one burst, and the wait for a verdict, ms (the site's stale threshold). */
    readonly windowMs: number,
  ) {
    const n = places.rackHall.length;
    const m = places.cduHall.length;
    this.since = { rack: new Float64Array(n).fill(Number.NaN), cdu: new Float64Array(m).fill(Number.NaN) };
    this.lastMs = { rack: new Float64Array(n), cdu: new Float64Array(m) };
    this.member = { rack: new Uint8Array(n), cdu: new Uint8Array(m) };
    this.joined = { rack: new Uint8Array(n), cdu: new Uint8Array(m) };
    this.hallOf = { rack: places.rackHall, cdu: places.cduHall };
    const entities = new Int32Array(places.halls);
    for (const k of KINDS) for (let i = 0; i < this.hallOf[k].length; i++) entities[this.hallOf[k][i]]++;
    this.hallBurst = entities.map((e) => Math.max(BURST_MIN_HALL_ENTITIES, Math.ceil(e * BURST_HALL_SHARE)));
    this.byHall = new Int32Array(places.halls);
  }

  /** Entity `i` was marked stale at `nowMs`; its last sample arrived at `lastReceivedMs`. */
  wentStale(kind: DelayKind, i: number, nowMs: number, lastReceivedMs: number): void {
    this.since[kind][i] = nowMs;
    this.lastMs[kind][i] = lastReceivedMs;
    const e = this.episode;
    if (e && e.halls[this.hallOf[kind][i]] === 1) this.join(e, kind, i);
    else this.recent.push({ kind, i, atMs: nowMs });
  }

  /** Entity `i` is no longer stale (a sample arrived, or its Last Will took it offline). */
  leftStale(kind: DelayKind, i: number): void {
    if (Number.isNaN(this.since[kind][i])) return;
    this.since[kind][i] = Number.NaN;
    const e = this.episode;
    if (this.member[kind][i] === 1 && e) {
      this.member[kind][i] = 0;
      e.stale[kind]--;
      e.staleByHall[this.hallOf[kind][i]]--;
    }
  }

  /** After each round of stale marks: opens an episode on a burst, ends one that is over. */
  update(nowMs: number): void {
    if (this.recent.length) this.detectBurst(nowMs);
    const e = this.episode;
    if (!e) return;
    if (this.isBurst(e.stale.rack + e.stale.cdu, e.staleByHall)) e.quietSinceMs = Number.NaN;
    else if (Number.isNaN(e.quietSinceMs)) e.quietSinceMs = nowMs;
    else if (nowMs - e.quietSinceMs >= this.windowMs) this.close(e);
  }

  /** What entity `i`'s stale mark means at `nowMs` ('live' when it has none). */
  verdict(kind: DelayKind, i: number, nowMs: number): StaleVerdict {
    const s = this.since[kind][i];
    if (Number.isNaN(s)) return 'live';
    if (this.member[kind][i] === 1) return 'delayed';
    return nowMs - s < this.windowMs ? 'undecided' : 'stale';
  }

  /** Whether an episode is open. */
  get isOpen(): boolean {
    return this.episode !== null;
  }

  /** The open episode at `nowMs`, or null. */
  current(nowMs: number): DelayEpisode | null {
    const e = this.episode;
    if (!e) return null;
    for (const k of KINDS) {
      for (const i of e.members[k]) if (this.member[k][i] === 1) e.oldestSampleAgeMs = Math.max(e.oldestSampleAgeMs, nowMs - this.lastMs[k][i]);
    }
    const halls: number[] = [];
    e.halls.forEach((v, h) => v === 1 && halls.push(h));
    return {
      sinceMs: e.sinceMs, racks: e.members.rack.length, cdus: e.members.cdu.length,
      racksStale: e.stale.rack, cdusStale: e.stale.cdu, halls, oldestSampleAgeMs: e.oldestSampleAgeMs,
    };
  }

  private detectBurst(nowMs: number): void {
    // Still stale, went stale within the window, not yet in an episode.
    this.recent = this.recent.filter((r) => nowMs - r.atMs < this.windowMs && this.since[r.kind][r.i] === r.atMs && this.member[r.kind][r.i] === 0);
    this.byHall.fill(0);
    for (const r of this.recent) this.byHall[this.hallOf[r.kind][r.i]]++;
    if (!this.isBurst(this.recent.length, this.byHall)) return;
    const e = (this.episode ??= {
      sinceMs: this.recent[0].atMs, halls: new Uint8Array(this.places.halls), members: { rack: [], cdu: [] },
      stale: { rack: 0, cdu: 0 }, staleByHall: new Int32Array(this.places.halls), quietSinceMs: Number.NaN, oldestSampleAgeMs: 0,
    });
    for (const r of this.recent) this.join(e, r.kind, r.i);
    this.recent = [];
  }

  private isBurst(entities: number, byHall: Int32Array): boolean {
    if (entities >= BURST_ENTITIES) return true;
    for (let h = 0; h < byHall.length; h++) if (byHall[h] >= this.hallBurst[h]) return true;
    return false;
  }

  private join(e: Episode, kind: DelayKind, i: number): void {
    if (this.member[kind][i] === 1) return;
    const h = this.hallOf[kind][i];
    this.member[kind][i] = 1;
    if (this.joined[kind][i] === 0) e.members[kind].push(i);
    this.joined[kind][i] = 1;
    e.stale[kind]++;
    e.staleByHall[h]++;
    e.halls[h] = 1;
  }

  /** Ends the episode: what is still stale of it is judged on its own from now on (long stale: 'stale' at once). */
  private close(e: Episode): void {
    for (const k of KINDS) {
      for (const i of e.members[k]) {
        this.member[k][i] = 0;
        this.joined[k][i] = 0;
      }
    }
    this.episode = null;
  }
}
