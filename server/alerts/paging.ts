/**
 * When an open incident pages, decided after each concluded round of evaluation: once when it
 * opens (unless muted), again when a worse alert joins it (escalation), when a silence that
 * muted its start ends, and on its rules' repeat interval while nobody has acknowledged it. Pure.
 */
import { SEVERITY_RANK, type Severity } from '../../protocol/alerts.ts';
import type { Notified } from './alert-state-store.ts';

/** What a concluded round knows of one open incident. */
export interface PagingFacts {
  startedMs: number;
  severity: Severity;
  /** A silence mutes it now. */
  silenced: boolean;
  /** One of its alerts fired or changed in a way that notifies, this round. */
  notifying: boolean;
  /** One of its alerts asked to repeat this round. */
  repeating: boolean;
  nowMs: number;
  /** Shortest repeat interval of its alerts' rules, ms (asked only when a repeat is due otherwise). */
  repeatMs: () => number;
}

export interface Page {
  /** What to send now, if anything. */
  send: 'firing' | 'repeat' | null;
  /** A worse severity than the one last paged: the page's ID carries the severity. */
  escalation: boolean;
  /** The incident's record after this round. */
  next: Notified;
  /** Whether the record changed in a way that must be stored. */
  changed: boolean;
}

/** What to send for an incident, given its record so far (undefined: it opened this round). */
export function pageFor(seen: Notified | undefined, f: PagingFacts): Page {
  const paged = { lastSentMs: f.nowMs, sentSeverity: f.severity };
  if (!seen) {
    const firingSent = !f.silenced && f.notifying;
    const next: Notified = { startedMs: f.startedMs, firingSent, ...(firingSent ? paged : {}) };
    return { send: firingSent ? 'firing' : null, escalation: false, next, changed: true };
  }
  if (f.silenced) return { send: null, escalation: false, next: seen, changed: false };
  if (seen.firingSent && SEVERITY_RANK[f.severity] < SEVERITY_RANK[seen.sentSeverity ?? f.severity]) {
    // A worse alert joined (a leak on a rack of a warm row): page again; the acknowledgement stays.
    return { send: 'firing', escalation: true, next: { ...seen, ...paged }, changed: true };
  }
  if (!seen.firingSent && !seen.ack) {
    // Muted when it started (a silence that has now ended): page it now.
    return { send: 'firing', escalation: false, next: { ...seen, firingSent: true, ...paged }, changed: true };
  }
  if (!seen.ack && f.repeating && f.nowMs - (seen.lastSentMs ?? 0) >= f.repeatMs()) {
    return { send: 'repeat', escalation: false, next: { ...seen, lastSentMs: f.nowMs }, changed: false };
  }
  return { send: null, escalation: false, next: seen, changed: false };
}
