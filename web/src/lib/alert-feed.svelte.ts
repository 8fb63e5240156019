/**
 * Incidents, silences and incident history from `GET /api/alerts`, polled every 2 s (one request
 * at a time, each given up after POLL_TIMEOUT_MS, so a server that died or froze mid-request
 * costs one poll and the next goes to whichever server answers) and shared
 * by the alerts panel, the heat maps (which outline the racks and CDUs of firing alerts by
 * severity), the wall, browser notifications and the drill-down's incident bands.
 */
import {
  SEVERITY_RANK, type AlertJson, type AlertsSnapshot, type IncidentView, type ResolvedIncident, type Severity, type SilenceView,
} from '../../../protocol/alerts.ts';
import { incidentSpan, type IncidentSpan } from './annotations.ts';

/** The alerts on one entity (`rack:{id}`, `cdu:{id}`) across the open incidents, with their incident. */
export function alertsOn(incidents: IncidentView[], entity: string): { incidentId: string; alert: AlertJson }[] {
  const out: { incidentId: string; alert: AlertJson }[] = [];
  for (const i of incidents) {
    for (const a of [...i.roots, ...(i.consequences ?? []), ...i.children.flatMap((c) => c.alerts)]) if (a.entity === entity) out.push({ incidentId: i.id, alert: a });
  }
  return out.sort((a, b) => SEVERITY_RANK[a.alert.severity] - SEVERITY_RANK[b.alert.severity]);
}

/** A poll not answered within this is given up, ms. */
const POLL_TIMEOUT_MS = 5000;

export class AlertFeed {
  incidents = $state.raw<IncidentView[]>([]);
  silences = $state.raw<SilenceView[]>([]);
  history = $state.raw<ResolvedIncident[]>([]);
  error = $state<string | null>(null);
  /** Server time minus browser time, ms (for ages shown against the server's clock). */
  skewMs = 0;
  /** Worst firing severity per entity key (`rack:{id}`, `cdu:{id}`); bumps `version`. */
  worstByEntity = new Map<string, Severity>();
  /** Racks with a sensor fault (a `rack-sensor-*` rule firing): drawn with a dashed ring. */
  sensorFaults = new Set<string>();
  version = $state(0);
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners = new Set<(fresh: IncidentView[]) => void>();
  private known: Set<string> | null = null;
  private polls = 0;
  private inFlight = false;

  /** `withHistory`: also fetch resolved incidents, every 15th poll (30 s) — the dashboard, not the wall. */
  constructor(private readonly url = '/api/alerts', private readonly headers: Record<string, string> = {}, private readonly withHistory = false) {}

  start(): void {
    void this.load();
    this.timer = setInterval(() => void this.load(), 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Called with the incidents that appeared since the previous poll (not on the first load). */
  onNew(fn: (fresh: IncidentView[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** One poll; `withHistory` forces the resolved incidents into this one (the History tab). */
  async load(withHistory = false): Promise<void> {
    // An answer overtaking an older one would apply older incidents over newer ones.
    if (this.inFlight && !withHistory) return;
    this.inFlight = true;
    try {
      const history = withHistory || (this.withHistory && this.polls++ % 15 === 0);
      const res = await fetch(history ? `${this.url}?history=1` : this.url, { headers: this.headers, signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as AlertsSnapshot;
      if (typeof body.nowMs === 'number') this.skewMs = body.nowMs - Date.now();
      this.silences = body.silences ?? [];
      if (history) this.history = body.history ?? [];
      this.set(body.incidents);
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.inFlight = false;
    }
  }

  /** Active and resolved incidents as time spans, for chart bands: under the worst severity each reached and its opening title. */
  spans(): IncidentSpan[] {
    return [...this.incidents.map((i) => incidentSpan(i, null)), ...this.history.map((i) => incidentSpan(i, i.resolvedMs))];
  }

  private set(incidents: IncidentView[]): void {
    const worst = new Map<string, Severity>();
    const sensor = new Set<string>();
    const note = (a: AlertJson) => {
      const w = worst.get(a.entity);
      if (!w || SEVERITY_RANK[a.severity] < SEVERITY_RANK[w]) worst.set(a.entity, a.severity);
      if (a.rule.startsWith('rack-sensor')) sensor.add(a.entity);
    };
    for (const i of incidents) {
      for (const a of i.roots) note(a);
      for (const a of i.consequences ?? []) note(a);
      for (const c of i.children) for (const a of c.alerts) note(a);
    }
    this.sensorFaults = sensor;
    const key = (i: IncidentView) => `${i.id}@${i.startedMs}`;
    const fresh = this.known ? incidents.filter((i) => !this.known!.has(key(i))) : [];
    this.known = new Set(incidents.map(key));
    this.incidents = incidents;
    this.worstByEntity = worst;
    this.version++;
    if (fresh.length) for (const fn of this.listeners) fn(fresh);
  }
}
