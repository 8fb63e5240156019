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
import type { Acknowledgement, IncidentJson, ResolvedIncident, Severity, Silence } from '../../protocol/alerts.ts';
import { incidentInSite, matcherInSite, siteHas, siteNames } from './site-scope.ts';

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
  alerts: { ruleId: string; entity: string; state: AlertState }[];
  /** By incident ID; acknowledgements live in their own document. */
  notified: Record<string, Notified>;
  open: SavedIncident[];
  incidents: IncidentJson[];
  history: ResolvedIncident[];
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

/** The three documents of alert state. */
export interface AlertStateStore {
  state: DocumentStore<SavedAlertState>;
  acks: DocumentStore<SavedAcks>;
  silences: DocumentStore<SavedSilences>;
}

/** The alert state files in `dir` (the storage directory). */
export function alertStateFiles(dir: string): AlertStateStore {
  return {
    state: new JsonFileStore(join(dir, 'alerts-state.json')),
    acks: new JsonFileStore(join(dir, 'alerts-acks.json')),
    silences: new JsonFileStore(join(dir, 'alerts-silences.json')),
  };
}

/** Saved alert state reduced to what names places the loaded site has. */
export interface RestoredAlertState {
  alerts: SavedAlertState['alerts'];
  notified: [string, Notified][];
  silences: Silence[];
  history: ResolvedIncident[];
  open: SavedIncident[];
  dropped: { alerts: number; notified: number; silences: number; history: number };
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
  const [history, historyDropped] = keep<ResolvedIncident>(state?.history, (i) => incidentInSite(names, i));
  const [open] = keep<SavedIncident>(state?.open, (i) => siteHas(names, i.id) && i.members.every((m) => siteHas(names, m.slice(m.indexOf('|') + 1))));
  if (acks) for (const [id, n] of notified) n.ack = acks.acks[id];
  const dropped = { alerts: alertsDropped, notified: notifiedDropped, silences: silencesDropped, history: historyDropped };
  return { alerts, notified, silences: kept, history, open, dropped };
}
