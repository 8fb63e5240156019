/**
 * What the HTTP API asks of alerts: the open incidents, the history, acknowledgements and
 * silences. A server evaluating its own rules answers with its AlertService; the campus view with
 * the hall shards' answers (server/campus/campus-alerts.ts).
 */
import type { AlertsSnapshot, ResolvedIncident, Silence } from '../../protocol/alerts.ts';
import type { AlertRules } from './rule-store.ts';
import type { NewSilence } from './silence-book.ts';

export interface AlertDesk {
  snapshot(includeHistory?: boolean): AlertsSnapshot;
  history(): ResolvedIncident[];
  /** Null when stored, else why not (no such incident). */
  acknowledge(incidentId: string, by: string, comment: string): Promise<string | null>;
  addSilence(s: NewSilence): Promise<Silence>;
  removeSilence(id: string, by: string): Promise<boolean>;
  /** The rules this server evaluates; absent on the campus view (each shard has its own). */
  readonly rules?: AlertRules;
}
