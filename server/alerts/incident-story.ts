/**
 * The story of an open incident, kept round by round so its history says what happened rather
 * than how it looked when it resolved: its opening title, the worst severity it reached and the
 * most extreme value of its worst alert, its causes, every alert with when it fired and cleared,
 * and who acknowledged or silenced it. Pure: time is an argument; a story is plain JSON, stored
 * with the evaluation while open and with the resolved incident after.
 */
import {
  SEVERITY_RANK, type Acknowledgement, type IncidentPeak, type IncidentStory, type Severity, type Silence, type StoryMember,
} from '../../protocol/alerts.ts';
import { signalText } from './rules.ts';

/** Members kept per incident: a storm of thousands of racks keeps the first ones and a count. */
export const STORY_MEMBER_LIMIT = 200;
/** Roots, acknowledgements and silences kept per incident. */
export const STORY_LIST_LIMIT = 20;

/** An alert as the story reads it (ActiveAlert's shape, narrowed). */
export interface StoryAlert {
  rule: { id: string; severity: Severity; summary: string; signal: string; comparison: 'above' | 'below' };
  entity: string;
  state: { value: number; firedAtMs: number };
}

/** An open incident as the story reads it (Incident's shape, narrowed). */
export interface StoryIncident {
  title: string;
  severity: Severity;
  startedMs: number;
  roots: StoryAlert[];
  children: { alerts: StoryAlert[] }[];
}

/** What operators had put on the incident at this round. */
export interface StoryMarks {
  ack: Acknowledgement | null;
  /** The silence muting it now, if any. */
  silence: Silence | null;
}

const alertsOf = (inc: StoryIncident) => [...inc.roots, ...inc.children.flatMap((c) => c.alerts)];

/** " — now 62.1 °C" → "62.1 °C", " — in 8 min" → "in 8 min". */
const valueText = (signal: string, value: number) => signalText(signal, value).replace(/^ — (now )?/, '');

function peakOf(a: StoryAlert, nowMs: number): IncidentPeak {
  const value = Number.isFinite(a.state.value) ? a.state.value : null;
  return {
    severity: a.rule.severity, rule: a.rule.id, entity: a.entity, summary: a.rule.summary,
    value, text: value === null ? '' : valueText(a.rule.signal, value), atMs: nowMs,
  };
}

/** Whether `a` is worse than the peak: a worse severity, or the same rule further past its threshold. */
function beyond(peak: IncidentPeak, a: StoryAlert): boolean {
  const rank = SEVERITY_RANK[a.rule.severity] - SEVERITY_RANK[peak.severity];
  if (rank !== 0) return rank < 0;
  if (a.rule.id !== peak.rule || !Number.isFinite(a.state.value)) return false;
  if (peak.value === null) return true;
  return a.rule.comparison === 'above' ? a.state.value > peak.value : a.state.value < peak.value;
}

/** A story begun at `nowMs` from the incident as it is (its first round, or its first after a server without stories). */
export function openStory(inc: StoryIncident, nowMs: number): IncidentStory {
  const lead = alertsOf(inc).sort((a, b) => SEVERITY_RANK[a.rule.severity] - SEVERITY_RANK[b.rule.severity])[0];
  return {
    openingTitle: inc.title, openingSeverity: inc.severity, lastTitle: inc.title, lastSeverity: inc.severity,
    peak: lead ? peakOf(lead, nowMs) : { severity: inc.severity, rule: '', entity: '', summary: '', value: null, text: '', atMs: nowMs },
    roots: [], members: [], moreMembers: 0, acks: [], silences: [], trackedFromMs: nowMs,
  };
}

/** Adds this round of the incident to its story (in place; returns it). */
export function advanceStory(story: IncidentStory, inc: StoryIncident, marks: StoryMarks, nowMs: number): IncidentStory {
  story.lastTitle = inc.title;
  story.lastSeverity = inc.severity;
  const alerts = alertsOf(inc);
  for (const a of alerts) if (beyond(story.peak, a)) story.peak = peakOf(a, nowMs);
  for (const r of inc.roots) if (!story.roots.includes(r.entity) && story.roots.length < STORY_LIST_LIMIT) story.roots.push(r.entity);
  // A member is one firing: the same pair firing again later is a new member.
  const open = new Map<string, StoryMember>();
  for (const m of story.members) if (m.clearedMs === null) open.set(`${m.rule}|${m.entity}|${m.firedMs}`, m);
  let left = 0;
  for (const a of alerts) {
    const key = `${a.rule.id}|${a.entity}|${a.state.firedAtMs}`;
    if (open.delete(key)) continue;
    if (story.members.length >= STORY_MEMBER_LIMIT) {
      left++;
      continue;
    }
    const firedMs = Number.isFinite(a.state.firedAtMs) ? a.state.firedAtMs : nowMs;
    story.members.push({ rule: a.rule.id, entity: a.entity, severity: a.rule.severity, summary: a.rule.summary, firedMs, clearedMs: null });
  }
  for (const m of open.values()) m.clearedMs = nowMs;
  story.moreMembers = Math.max(story.moreMembers, left);
  if (marks.ack) noteAck(story, marks.ack);
  const s = marks.silence;
  if (s) {
    const seen = story.silences.find((x) => x.id === s.id);
    if (seen) seen.toMs = nowMs;
    else if (story.silences.length < STORY_LIST_LIMIT) {
      story.silences.push({ id: s.id, matcher: s.matcher, by: s.by, comment: s.comment, endsMs: s.endsMs, fromMs: nowMs, toMs: nowMs });
    }
  }
  return story;
}

function noteAck(story: IncidentStory, ack: Acknowledgement): void {
  const last = story.acks.at(-1);
  if (last && last.atMs === ack.atMs && last.by === ack.by) return;
  if (story.acks.length < STORY_LIST_LIMIT) story.acks.push({ by: ack.by, atMs: ack.atMs, comment: ack.comment });
}

/** Ends a story as its incident resolves at `nowMs`: members still firing in its last round leave then. */
export function closeStory(story: IncidentStory, ack: Acknowledgement | null, nowMs: number): IncidentStory {
  for (const m of story.members) if (m.clearedMs === null) m.clearedMs = nowMs;
  if (ack) noteAck(story, ack);
  return story;
}

/** The stories of the open incidents, by incident ID. */
export class IncidentStories {
  private readonly byId = new Map<string, IncidentStory>();

  /** Adds this round of an open incident to its story, beginning one for an incident it does not know. */
  advance(id: string, inc: StoryIncident, marks: StoryMarks, nowMs: number): IncidentStory {
    let story = this.byId.get(id);
    if (!story) this.byId.set(id, (story = openStory(inc, nowMs)));
    return advanceStory(story, inc, marks, nowMs);
  }

  get(id: string): IncidentStory | undefined {
    return this.byId.get(id);
  }

  /** Ends and forgets the story of an incident that resolved (undefined when none was kept). */
  close(id: string, ack: Acknowledgement | null, nowMs: number): IncidentStory | undefined {
    const story = this.byId.get(id);
    this.byId.delete(id);
    return story && closeStory(story, ack, nowMs);
  }

  /** Forgets the stories of incidents not open (one another server resolved, or none of this server's). */
  retain(openIds: ReadonlySet<string>): void {
    for (const id of this.byId.keys()) if (!openIds.has(id)) this.byId.delete(id);
  }

  /** The open stories, for the state file. */
  export(): Record<string, IncidentStory> {
    return Object.fromEntries(this.byId);
  }

  restore(saved: Record<string, IncidentStory>): void {
    this.byId.clear();
    for (const [id, s] of Object.entries(saved)) this.byId.set(id, s);
  }
}

/** What an open incident's listing carries of its story: the worst severity so far and its opening title. */
export function storyHeadline(story: IncidentStory | undefined): { peakSeverity?: Severity; openingTitle?: string } {
  return story ? { peakSeverity: story.peak.severity, openingTitle: story.openingTitle } : {};
}
