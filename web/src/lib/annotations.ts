/**
 * Incident bands on the drill-down charts: which incidents (active and resolved) touched the
 * entities of the view, clipped to the chart's range. Pure.
 */
import type { IncidentJson, IncidentStory, Severity } from '../../../protocol/alerts.ts';

export interface IncidentSpan {
  id: string;
  severity: Severity;
  title: string;
  startedMs: number;
  /** null while the incident is active. */
  resolvedMs: number | null;
  entities: string[];
}

export interface Band {
  id: string;
  severity: Severity;
  title: string;
  fromMs: number;
  toMs: number;
  /** The band runs into the present (still active). */
  open: boolean;
}

/** Bands of the incidents that touch `entities`, within [fromMs, toMs], oldest first. */
export function incidentBands(spans: IncidentSpan[], entities: Set<string>, fromMs: number, toMs: number): Band[] {
  const bands: Band[] = [];
  for (const s of spans) {
    if (!s.entities.some((e) => entities.has(e))) continue;
    const end = s.resolvedMs ?? toMs;
    if (end < fromMs || s.startedMs > toMs) continue;
    bands.push({
      id: s.id, severity: s.severity, title: s.title,
      fromMs: Math.max(fromMs, s.startedMs), toMs: Math.min(toMs, end), open: s.resolvedMs === null,
    });
  }
  return bands.sort((a, b) => a.fromMs - b.fromMs);
}

/** Entity keys an incident touches: its roots and its affected racks. */
export function incidentEntities(i: { id: string; roots: { entity: string }[]; consequences?: { entity: string }[]; children: { rackId: string }[] }): string[] {
  return [i.id, ...[...i.roots, ...(i.consequences ?? [])].map((a) => a.entity), ...i.children.map((c) => `rack:${c.rackId}`)];
}

/**
 * An incident as a span: under the worst severity it reached and its opening title (a resolved
 * one's story, an open one's `peakSeverity` and `openingTitle`; servers before they were kept
 * gave neither, and its severity and title then stand).
 */
export function incidentSpan(
  i: IncidentJson & { peakSeverity?: Severity; openingTitle?: string; story?: IncidentStory },
  resolvedMs: number | null,
): IncidentSpan {
  return {
    id: i.id,
    severity: i.story?.peak.severity ?? i.peakSeverity ?? i.severity,
    title: i.story?.openingTitle ?? i.openingTitle ?? i.title,
    startedMs: i.startedMs,
    resolvedMs,
    // A resolved incident touched every entity that was in it, not only those in it at the end.
    entities: i.story ? [...new Set([...incidentEntities(i), ...i.story.roots, ...i.story.members.map((m) => m.entity)])] : incidentEntities(i),
  };
}
