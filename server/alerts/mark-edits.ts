/**
 * The marks operators put on alerts — acknowledgements and silences — changed as edits of one
 * object each: made again on the newest document when another server wrote it meanwhile, a
 * conflict naming the object (and who changed it) when that server changed the same one. Pure.
 */
import type { Acknowledgement, Silence } from '../../protocol/alerts.ts';
import { clashOn, removalClash, type Edit } from '../storage/saved-document.ts';
import type { SavedAcks, SavedSilences } from './alert-state-store.ts';
import { endedLongAgo } from './silence-book.ts';

/** How long an acknowledgement is kept once no incident of this server carries it (the other server may still have it open). */
const KEEP_LONE_ACK_MS = 86_400_000;

const noClash = () => null;
const iso = (ms: number) => new Date(ms).toISOString();

/** Acknowledges incident `id`: a conflict when another server acknowledged it, or cleared its acknowledgement, meanwhile. */
export function acknowledge(id: string, ack: Acknowledgement): Edit<SavedAcks> {
  return {
    apply: (doc) => ({ version: 1, acks: { ...doc?.acks, [id]: ack } }),
    clash: clashOn((doc) => doc?.acks[id], (_asked, now) => now
      ? `incident ${id} was acknowledged by ${now.by} on another server at ${iso(now.atMs)}: "${now.comment}"`
      : `the acknowledgement of incident ${id} was cleared on another server meanwhile (the incident resolved)`),
  };
}

/**
 * Drops the acknowledgements of incidents that resolved here (`resolved`), and those older than
 * a day whose incident is not open here (`open`): their incident resolved while this server was away.
 */
export function clearAcks(resolved: ReadonlySet<string>, open: (id: string) => boolean, nowMs: number): Edit<SavedAcks> {
  return {
    apply: (doc) => {
      if (!doc) return doc;
      const all = Object.entries(doc.acks);
      const kept = all.filter(([id, a]) => !resolved.has(id) && (open(id) || nowMs - a.atMs < KEEP_LONE_ACK_MS));
      return kept.length === all.length ? doc : { version: 1, acks: Object.fromEntries(kept) };
    },
    clash: noClash,
  };
}

const silenceWithId = (id: string) => (doc: SavedSilences | null) => doc?.silences.find((s) => s.id === id);

/** Adds a silence (its ID is new: nothing to clash with). */
export function addSilence(s: Silence): Edit<SavedSilences> {
  return { apply: (doc) => ({ version: 1, silences: [...(doc?.silences ?? []), s] }), clash: noClash };
}

/** Removes a silence (gone already: nothing to do, which is what was asked for). */
export function removeSilence(id: string): Edit<SavedSilences> {
  return {
    apply: (doc) => (silenceWithId(id)(doc) ? { version: 1, silences: doc!.silences.filter((s) => s.id !== id) } : doc),
    clash: removalClash(`silence ${id}`, silenceWithId(id)),
  };
}

/** Drops the silences that ended more than a day ago. */
export function pruneSilences(nowMs: number): Edit<SavedSilences> {
  return {
    apply: (doc) => {
      const kept = doc?.silences.filter((s) => !endedLongAgo(s, nowMs));
      return !doc || kept!.length === doc.silences.length ? doc : { version: 1, silences: kept! };
    },
    clash: noClash,
  };
}

/**
 * Stores `wanted` in place of `loaded` (acknowledgements and silences restored for the site, or
 * moved out of a state file from before they had their own), unless another server wrote since.
 */
export function restoreAs<T>(loaded: T | null, wanted: T, same: (a: T | null, b: T | null) => boolean): Edit<T> {
  return { apply: (doc) => (same(doc, loaded) ? wanted : doc), clash: noClash };
}
