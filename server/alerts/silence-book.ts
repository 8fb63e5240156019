/** The silences in force: added and removed by operators, matched against incidents, dropped a day after they end. */
import type { SiteIndex } from '../site/site-index.ts';
import type { Incident } from './incidents.ts';
import type { Silence, SilenceView } from '../../protocol/alerts.ts';
import { silenceActive, silenceActiveUntil, silenceMatches } from './silences.ts';

/** How long an ended silence is kept (the log keeps its story after that). */
const KEEP_ENDED_MS = 86_400_000;

/** Whether a silence ended long enough ago to be dropped. */
export function endedLongAgo(s: Silence, nowMs: number): boolean {
  return s.endsMs <= nowMs - KEEP_ENDED_MS;
}

/** The keys a silence can name for an incident: its ID, scope, entities, and the rows and halls they are in (`row:…`, `hall:…`). */
export function silenceKeys(site: SiteIndex, i: Incident): string[] {
  const entities = [...i.roots, ...i.consequences].map((a) => a.entity).concat(i.children.map((c) => `rack:${c.rackId}`));
  const keys = new Set([i.id, i.scope, ...entities]);
  for (const e of entities) {
    const [kind, id] = e.split(/:(.*)/s);
    const place = kind === 'rack' ? site.racks[site.rackIndexById.get(id) ?? -1] : kind === 'cdu' ? site.cdus[site.cduIndexById.get(id) ?? -1] : undefined;
    if (place) keys.add(`row:${place.rowId}`).add(`hall:${place.hallId}`);
  }
  return [...keys];
}

/** A silence as an operator asks for it; `id` only from the campus view (one ID on every shard). */
export type NewSilence = Omit<Silence, 'id' | 'createdMs'> & { id?: string };

export class SilenceBook {
  private silences: Silence[] = [];

  constructor(private readonly site: SiteIndex) {}

  /** Every silence kept, for storing. */
  all(): Silence[] {
    return this.silences;
  }

  restore(silences: Silence[]): void {
    this.silences = silences;
  }

  /** Silences not yet ended, each with whether it mutes now (a recurring one may be between windows) and until when. */
  current(nowMs: number): SilenceView[] {
    return this.silences.filter((s) => s.endsMs > nowMs).map((s) => {
      const activeUntilMs = silenceActiveUntil(s, nowMs);
      return { ...s, activeNow: activeUntilMs !== null, activeUntilMs };
    });
  }

  /**
   * A new silence with its ID, not yet kept (it is kept once stored: `restore`). The campus view
   * gives the ID, so that every hall shard keeps its silence under the same one.
   */
  create(s: NewSilence, nowMs: number): Silence {
    return { ...s, id: s.id ?? `silence-${nowMs}-${Math.floor(Math.random() * 1e6)}`, createdMs: nowMs };
  }

  add(s: NewSilence, nowMs: number): Silence {
    const silence = this.create(s, nowMs);
    this.silences.push(silence);
    return silence;
  }

  has(id: string): boolean {
    return this.silences.some((s) => s.id === id);
  }

  /** Whether some silence ended long enough ago to be dropped. */
  hasEnded(nowMs: number): boolean {
    return this.silences.some((s) => endedLongAgo(s, nowMs));
  }

  remove(id: string): boolean {
    const before = this.silences.length;
    this.silences = this.silences.filter((s) => s.id !== id);
    return this.silences.length < before;
  }

  /** Drops silences that ended more than a day ago; whether any went. */
  pruneEnded(nowMs: number): boolean {
    const kept = this.silences.filter((x) => !endedLongAgo(x, nowMs));
    const changed = kept.length !== this.silences.length;
    this.silences = kept;
    return changed;
  }

  /** The silence muting an incident now, if any. */
  muting(i: Incident, nowMs: number): Silence | undefined {
    const keys = silenceKeys(this.site, i);
    return this.silences.find((s) => silenceActive(s, nowMs) && silenceMatches(s, keys));
  }
}
