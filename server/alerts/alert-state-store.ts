/**
 * What alerting keeps across restarts, as three documents written separately so an operator's
 * action rewrites only its own: the evaluation (alert states, open and resolved incidents, which
 * were notified), acknowledgements, and silences. On disk: `alerts-state.json`,
 * `alerts-acks.json` and `alerts-silences.json` in the storage directory; a state file from
 * before the split (acknowledgements and silences inside it) still loads.
 */
import { join } from 'node:path';
import { JsonFileStore } from '../storage/json-file-store.ts';
import type { DocumentStore } from '../storage/store.ts';
import type { SiteIndex } from '../site/site-index.ts';
import type { AlertState } from './rule-state.ts';
import type { SavedIncident } from './incidents.ts';
import type { Acknowledgement, IncidentJson, IncidentStory, ResolvedIncident, Severity, Silence } from '../../protocol/alerts.ts';
import { incidentInSite, matcherInSite, siteHas, siteNames } from './site-scope.ts';
import { storyProblem } from './story-check.ts';

/** What was sent for an open incident. */
export interface Notified {
  startedMs: number;
  firingSent: boolean;
  /** When this incident last paged (firing or repeat). */
  lastSentMs?: number;
  /** The severity it last paged with: a worse one pages again (escalation). */
  sentSeverity?: Severity;
  ack?: Acknowledgement;
  /** The time of the acknowledgement whose notification was queued (an ack made elsewhere is notified by the leader). */
  ackSentAtMs?: number;
}


export interface SavedAlertState {
  version: 1;
  /** When it was saved (absent from state files from before it was kept): see restore-horizon.ts. */
  savedAtMs?: number;
  alerts: { ruleId: string; entity: string; state: AlertState }[];
  /** By incident ID; acknowledgements live in their own document. */
  notified: Record<string, Notified>;
  open: SavedIncident[];
  incidents: IncidentJson[];
  history: ResolvedIncident[];
  /** The stories of the open incidents, by incident ID (absent from state files from before they were kept). */
  stories?: Record<string, IncidentStory>;
  /** Only in state files from before silences had their own document. */
  silences?: Silence[];
}

export interface SavedAcks {
  version: 1;
  /** By incident ID. */
  acks: Record<string, Acknowledgement>;
}

export interface SavedSilences {
  version: 1;
  silences: Silence[];
}

/**
 * What the leader of a pair paged, by incident ID, with the start time that is part of each
 * notification's ID: the one part of the evaluation a new leader takes over (~100 bytes an open
 * incident, where the whole evaluation reaches megabytes).
 */
export interface SavedPaging {
  version: 1;
  notified: Record<string, Notified>;
}

/** The documents of alert state; `paged` only on a cluster, where two servers share it. */
export interface AlertStateStore {
  state: DocumentStore<SavedAlertState>;
  acks: DocumentStore<SavedAcks>;
  silences: DocumentStore<SavedSilences>;
  paged?: DocumentStore<SavedPaging>;
}

/** Checks a stored paging ledger's shape; throws with the reason. */
export function parsePaging(json: unknown): SavedPaging {
  const n = (json as Partial<SavedPaging> | null)?.notified;
  if (typeof n !== 'object' || n === null || Array.isArray(n)) throw new Error('not a paging ledger (notified: an object by incident ID is required)');
  for (const [id, v] of Object.entries(n)) {
    if (!Number.isFinite(v?.startedMs) || typeof v?.firingSent !== 'boolean') throw new Error(`paging ledger: incident "${id}" needs startedMs and firingSent`);
  }
  return json as SavedPaging;
}

/** Checks a stored acknowledgements document's shape; throws with the reason. */
export function parseAcks(json: unknown): SavedAcks {
  const acks = (json as Partial<SavedAcks> | null)?.acks;
  if (typeof acks !== 'object' || acks === null || Array.isArray(acks)) throw new Error('not acknowledgements (acks: an object by incident ID is required)');
  return json as SavedAcks;
}

/** Checks a stored silences document's shape; throws with the reason. */
export function parseSilences(json: unknown): SavedSilences {
  if (!Array.isArray((json as Partial<SavedSilences> | null)?.silences)) throw new Error('not silences (silences: a list is required)');
  return json as SavedSilences;
}

/** The alert state files in `dir` (the storage directory). */
export function alertStateFiles(dir: string): AlertStateStore {
  return {
    state: new JsonFileStore(join(dir, 'alerts-state.json')),
    acks: new JsonFileStore(join(dir, 'alerts-acks.json'), { parse: parseAcks }),
    silences: new JsonFileStore(join(dir, 'alerts-silences.json'), { parse: parseSilences }),
  };
}

/** Saved alert state reduced to what names places the loaded site has. */
export interface RestoredAlertState {
  alerts: SavedAlertState['alerts'];
  notified: [string, Notified][];
  /** By incident ID: from their own document, or from the state of before it (`notified`). */
  acks: Record<string, Acknowledgement>;
  silences: Silence[];
  history: ResolvedIncident[];
  open: SavedIncident[];
  /** The stories of the open incidents, by incident ID. */
  stories: Record<string, IncidentStory>;
  /** Open incidents of an evaluation saved past the restore horizon, moved to the history (restore-horizon.ts). */
  retired?: number;
  /** `stories`: stories that were not valid (a resolved incident's is dropped and the incident kept). */
  dropped: { alerts: number; notified: number; acks: number; silences: number; history: number; stories: number };
}

/**
 * Keeps what names a rack, CDU, row, hall or group of `site`; the rest (another site's state in
 * the same storage directory) is dropped and counted. Acknowledgements and silences come from
 * their own documents, or from the state document when it is from before the split.
 */
export function restoreInSite(site: SiteIndex, state: SavedAlertState | null, acks: SavedAcks | null, silences: SavedSilences | null): RestoredAlertState {
  const names = siteNames(site);
  const keep = <T>(list: unknown, inSite: (x: T) => boolean): [T[], number] => {
    const all = Array.isArray(list) ? (list as T[]) : [];
    const kept = all.filter((x) => { try { return inSite(x); } catch { return false; } });
    return [kept, all.length - kept.length];
  };
  const [alerts, alertsDropped] = keep<SavedAlertState['alerts'][number]>(state?.alerts, (a) => siteHas(names, a.entity));
  const [notified, notifiedDropped] = keep<[string, Notified]>(Object.entries(state?.notified ?? {}), ([id]) => siteHas(names, id));
  const [kept, silencesDropped] = keep<Silence>(silences ? silences.silences : state?.silences, (x) => matcherInSite(names, x.matcher));
  const [inSite, historyDropped] = keep<ResolvedIncident>(state?.history, (i) => incidentInSite(names, i));
  let badStories = 0;
  const history = inSite.map((i) => {
    if (i.story === undefined || storyProblem(i.story) === null) return i;
    badStories++;
    const { story: _bad, ...rest } = i;
    return rest;
  });
  const savedStories = Object.entries(state?.stories && typeof state.stories === 'object' ? state.stories : {});
  const stories = Object.fromEntries(savedStories.filter(([id, st]) => siteHas(names, id) && storyProblem(st) === null));
  badStories += savedStories.filter(([, st]) => storyProblem(st) !== null).length;
  const [open] = keep<SavedIncident>(state?.open, (i) => siteHas(names, i.id) && i.members.every((m) => siteHas(names, m.slice(m.indexOf('|') + 1))));
  if (acks) for (const [id, n] of notified) n.ack = acks.acks[id];
  const [keptAcks, acksDropped] = acks
    ? keep<[string, Acknowledgement]>(Object.entries(acks.acks), ([id]) => siteHas(names, id))
    : [notified.filter(([, n]) => n.ack).map(([id, n]): [string, Acknowledgement] => [id, n.ack!]), 0];
  const dropped = { alerts: alertsDropped, notified: notifiedDropped, acks: acksDropped, silences: silencesDropped, history: historyDropped, stories: badStories };
  return { alerts, notified, acks: Object.fromEntries(keptAcks), silences: kept, history, open, stories, dropped };
}
