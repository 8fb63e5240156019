/**
 * Checks a stored incident story (alert state files are written by this server, but may be
 * hand-edited, truncated or from another version): the reason it cannot be used, or null. A bad
 * story is dropped and counted; its incident is kept without it. Pure.
 */
import { SEVERITIES, type IncidentStory, type Severity } from '../../protocol/alerts.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSeverity = (v: unknown): v is Severity => SEVERITIES.includes(v as Severity);
const isMs = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isText = (v: unknown) => typeof v === 'string';

/** Each entry of `list` as `check` finds it: the first reason, naming the field and index. */
function eachOf(list: unknown, name: string, check: (x: Obj) => string | null): string | null {
  if (!Array.isArray(list)) return `${name}: a list is required`;
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    const why = isObj(x) ? check(x) : 'an object is required';
    if (why) return `${name}[${i}]: ${why}`;
  }
  return null;
}

/** Why `v` is not an IncidentStory, or null when it is one. */
export function storyProblem(v: unknown): string | null {
  if (!isObj(v)) return 'an object is required';
  for (const k of ['openingTitle', 'lastTitle'] as const) if (!isText(v[k])) return `${k}: a string is required`;
  for (const k of ['openingSeverity', 'lastSeverity'] as const) if (!isSeverity(v[k])) return `${k}: a severity is required`;
  if (!isMs(v.trackedFromMs)) return 'trackedFromMs: a time in ms is required';
  if (!isMs(v.moreMembers)) return 'moreMembers: a number is required';
  const p = v.peak;
  if (!isObj(p)) return 'peak: an object is required';
  if (!isSeverity(p.severity)) return 'peak.severity: a severity is required';
  if (!isMs(p.atMs)) return 'peak.atMs: a time in ms is required';
  if (p.value !== null && !isMs(p.value)) return 'peak.value: a number or null is required';
  if (![p.rule, p.entity, p.summary, p.text].every(isText)) return 'peak: rule, entity, summary and text must be strings';
  if (!Array.isArray(v.roots) || !v.roots.every(isText)) return 'roots: a list of entities is required';
  return eachOf(v.members, 'members', (m) =>
    !isText(m.rule) || !isText(m.entity) || !isText(m.summary) ? 'rule, entity and summary must be strings'
    : !isSeverity(m.severity) ? 'severity: a severity is required'
    : !isMs(m.firedMs) ? 'firedMs: a time in ms is required'
    : m.clearedMs !== null && !isMs(m.clearedMs) ? 'clearedMs: a time in ms or null is required'
    : null)
    ?? eachOf(v.acks, 'acks', (a) => (isText(a.by) && isText(a.comment) && isMs(a.atMs) ? null : 'by, atMs and comment are required'))
    ?? eachOf(v.silences, 'silences', (s) =>
      [s.id, s.matcher, s.by, s.comment].every(isText) && [s.endsMs, s.fromMs, s.toMs].every(isMs) ? null
        : 'id, matcher, by, comment, endsMs, fromMs and toMs are required');
}

/** `v` as a story when it is one. */
export function asStory(v: unknown): IncidentStory | null {
  return storyProblem(v) === null ? (v as IncidentStory) : null;
}
