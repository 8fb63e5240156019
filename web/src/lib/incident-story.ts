/**
 * A resolved incident's story as the history tab shows it: the server's, or for history stored
 * before stories were kept, one read from what the entry holds (its title, severity and alerts
 * as they were at resolution; `partial` says so). Pure.
 */
import { SEVERITY_RANK, type IncidentStory, type ResolvedIncident, type StoryMember } from '../../../protocol/alerts.ts';

export interface ShownStory extends IncidentStory {
  /** Read from the entry, not kept while the incident was open: title, severity and values are those at resolution. */
  partial: boolean;
}

/** The story of `h`, the server's or one read from the entry. */
export function storyOf(h: ResolvedIncident): ShownStory {
  if (h.story) return { ...h.story, partial: false };
  const alerts = [...h.roots, ...h.children.flatMap((c) => c.alerts)];
  const lead = [...alerts].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])[0];
  const members: StoryMember[] = alerts.map((a) => ({
    rule: a.rule, entity: a.entity, severity: a.severity, summary: a.summary,
    firedMs: Number.isFinite(a.firedAtMs) ? a.firedAtMs : h.startedMs, clearedMs: h.resolvedMs,
  }));
  return {
    openingTitle: h.title, openingSeverity: h.severity, lastTitle: h.title, lastSeverity: h.severity,
    peak: {
      severity: h.severity, rule: lead?.rule ?? '', entity: lead?.entity ?? '', summary: lead?.summary ?? '',
      value: null, text: '', atMs: h.resolvedMs,
    },
    roots: h.roots.map((a) => a.entity), members, moreMembers: 0,
    acks: h.acknowledged ? [h.acknowledged] : [], silences: [], trackedFromMs: h.startedMs, partial: true,
  };
}

/** Members in the order they fired (a root first on a tie). */
export function membersByTime(story: IncidentStory): StoryMember[] {
  const root = new Set(story.roots);
  return [...story.members].sort((a, b) => a.firedMs - b.firedMs || Number(root.has(b.entity)) - Number(root.has(a.entity)));
}

/** "+0 s", "+2 min 05 s", "+1 h 04 min": a time as an offset from the incident's start. */
export function offsetText(ms: number, startMs: number): string {
  const s = Math.max(0, Math.round((ms - startMs) / 1000));
  if (s < 60) return `+${s} s`;
  if (s < 3600) return `+${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `+${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
