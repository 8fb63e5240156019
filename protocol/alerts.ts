/**
 * Alerts as `GET /api/alerts` carries them (docs/alerts.md): open incidents with their alerts,
 * acknowledgements and silences, and the resolved history. Notifications (webhook, MQTT) carry
 * the same incident shape.
 */

/** Most severe first: a severity's position is its rank (0 = critical). */
export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Rank of each severity for sorting: critical 0 … warning 3. */
export const SEVERITY_RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Readonly<Record<Severity, number>>;

/** Where one (rule, entity) pair is: no condition, condition holding for less than its pending time, or firing. */
export type AlertPhase = 'inactive' | 'pending' | 'firing';

export interface Acknowledgement {
  by: string;
  atMs: number;
  comment: string;
}

/** One alert: a rule holding on an entity (`rack:{id}`, `cdu:{id}`, `hall:{id}`, `site:site`). */
export interface AlertJson {
  rule: string;
  severity: Severity;
  entity: string;
  summary: string;
  /** Last value seen (NaN, null in JSON, before the first). */
  value: number;
  phase: AlertPhase;
  /** When it fired, ms (NaN, null in JSON, while pending). */
  firedAtMs: number;
  acknowledged: boolean;
}

export interface IncidentJson {
  /** Given when the incident opens and kept while it lives. */
  id: string;
  /** Of its most severe alert. */
  severity: Severity;
  title: string;
  startedMs: number;
  /** Narrowest place holding everything in it (`rack:…`, `row:…`, `group:…`, `hall:…`, `site:site`). */
  scope: string;
  /** The hall it is in (null when it spans halls or is about Hallwatch itself). */
  hallId: string | null;
  /** Racks affected: the cause's and those with alerts of their own. */
  racks: string[];
  /**
   * Alerts on the cause: the entity whose own physics is off — a tripped or degraded CDU, a rack
   * whose own flow or heat is off, the hall, the site; empty when racks share a rule and no alert names the cause.
   */
  roots: AlertJson[];
  /** Racks with alerts of their own under the cause. */
  children: { rackId: string; alerts: AlertJson[] }[];
  // The fields below are absent from incidents stored before they existed.
  /** Alerts of CDUs reacting to the cause (their group's flow imbalance, N+1 lost after a trip). */
  consequences?: AlertJson[];
  /** The entity at the root (`rack:…`, `cdu:…`, `group:…`, `hall:…`, a scope) and why: "flow at 45 % of what its load needs (82 of 182 L/min)". */
  rootCause?: { entity: string; why: string } | null;
  /** Racks not affected yet that the cause puts at risk: the rest of the redundancy groups whose CDUs alert. */
  atRisk?: string[];
  /** One line of what to do, from the cause's rule, with the live state's advice ("…; consider capping h1-r02"); null when its rules have none. */
  action?: string | null;
  /**
   * What it costs or how soon, from the live state: "partners at 69 %, pumps at 88 %, N+1 lost: a second trip
   * overloads h1-r02 by 520 kW", "return 53.2 °C: reaches its 55 °C limit in about 6 min"; null when not computed.
   */
  impact?: string | null;
}

/** An open incident on the dashboard. */
export interface IncidentView extends IncidentJson {
  acknowledged: Acknowledgement | null;
  /** ID of the silence muting its notifications now; null when none does. */
  silencedBy: string | null;
  /** The worst severity it has reached so far (absent from servers before it was kept). */
  peakSeverity?: Severity;
  /** Its title when it opened (absent from servers before it was kept). */
  openingTitle?: string;
}

/** The worst an incident got: its peak severity, and the most extreme value of its worst alert, with when. */
export interface IncidentPeak {
  severity: Severity;
  rule: string;
  entity: string;
  summary: string;
  /** Most extreme value seen (highest for an `above` rule, lowest for `below`); null for none (state signals are 1). */
  value: number | null;
  /** The value with its unit ("62.1 °C", "in 0 min"); empty for state signals. */
  text: string;
  /** When that value was seen, ms. */
  atMs: number;
}

/** One alert's time in an incident: each firing of a (rule, entity) pair is one member. */
export interface StoryMember {
  rule: string;
  entity: string;
  severity: Severity;
  summary: string;
  firedMs: number;
  /** When it left the incident (cleared, or the incident resolved); null while it fires. */
  clearedMs: number | null;
}

/** A silence that muted an incident, and for how long it did. */
export interface StorySilence {
  id: string;
  matcher: string;
  by: string;
  comment: string;
  /** When the silence ends (or ended), ms. */
  endsMs: number;
  /** First and last evaluation at which it muted the incident, ms. */
  fromMs: number;
  toMs: number;
}

/**
 * What happened while an incident was open, kept with it once resolved: what a post-mortem
 * needs. Lists are bounded (`moreMembers` counts the alerts left out).
 */
export interface IncidentStory {
  openingTitle: string;
  openingSeverity: Severity;
  /** Its title and severity when it resolved. */
  lastTitle: string;
  lastSeverity: Severity;
  peak: IncidentPeak;
  /** Entities that were its cause (roots), in the order they first were. */
  roots: string[];
  members: StoryMember[];
  /** Alerts in it at once beyond those in `members`, at most. */
  moreMembers: number;
  acks: Acknowledgement[];
  silences: StorySilence[];
  /** When its story began to be kept: its start, or later for an incident open before a server kept stories. */
  trackedFromMs: number;
}

/**
 * A resolved incident as the history tab shows it. With a story, `severity` is its peak and
 * `title` its opening title; `roots`, `children` and `racks` are as they were when it resolved.
 */
export interface ResolvedIncident extends IncidentJson {
  resolvedMs: number;
  acknowledged: Acknowledgement | null;
  /** Whether it paged anyone (a silenced or short-lived one did not). */
  notified: boolean;
  /** What happened while it was open (absent from history stored before stories were kept). */
  story?: IncidentStory;
}

/** `GET /api/incidents/history?format=json`: the resolved incidents, newest first. */
export interface IncidentHistoryExport {
  version: 1;
  generatedMs: number;
  incidents: ResolvedIncident[];
}

export interface Recurrence {
  /** 0 = Sunday … 6 = Saturday, in `timeZone`. */
  weekdays: number[];
  /** Local start, "HH:MM". */
  start: string;
  durationMinutes: number;
  /** IANA time zone, e.g. "Europe/Amsterdam" or "UTC". */
  timeZone: string;
}

export interface Silence {
  id: string;
  /**
   * An incident ID (`group:h1-r01`), an entity or entity prefix (`cdu:h1-r01-cdu-a`, `rack:h1-r02-`),
   * or a scope: every incident touching a row (`row:h1-r02`) or hall (`hall:hall-1`); on a campus,
   * `shard:{id}` mutes that hall shard's outage (docs/campus.md).
   */
  matcher: string;
  /** The silence exists from `startsMs` to `endsMs`; without `recurrence` it mutes throughout. */
  startsMs: number;
  endsMs: number;
  recurrence?: Recurrence;
  comment: string;
  by: string;
  createdMs: number;
}

export interface SilenceView extends Silence {
  /** Whether it mutes now (a recurring silence only inside its window). */
  activeNow: boolean;
  /**
   * When it stops muting, ms: the end of the present window of a recurring silence, else `endsMs`;
   * null while it does not mute. Absent from servers before this field.
   */
  activeUntilMs?: number | null;
}

/** `GET /api/alerts[?history=1]`. */
export interface AlertsSnapshot {
  /** Server time, ms: ages on the dashboard are against it. */
  nowMs: number;
  incidents: IncidentView[];
  alerts: AlertJson[];
  /** Silences that have not ended. */
  silences: SilenceView[];
  /** Resolved incidents, newest first; only with `?history=1`. */
  history?: ResolvedIncident[];
}
