/**
 * Active incidents from `GET /api/alerts`, polled every 2 s and shared by the incidents bar and
 * the heat maps (which outline the racks and CDUs of firing alerts by severity).
 */
export type Severity = 'critical' | 'major' | 'minor' | 'warning';

export interface AlertView {
  rule: string;
  severity: Severity;
  entity: string;
}

export interface IncidentView {
  id: string;
  severity: Severity;
  title: string;
  startedMs: number;
  roots: AlertView[];
  children: { rackId: string; alerts: AlertView[] }[];
  acknowledged: { by: string; atMs: number; comment: string } | null;
  silencedBy: string | null;
}

const RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, warning: 3 };

export class AlertFeed {
  incidents = $state.raw<IncidentView[]>([]);
  error = $state<string | null>(null);
  /** Worst firing severity per entity key (`rack:{id}`, `cdu:{id}`); bumps `version`. */
  worstByEntity = new Map<string, Severity>();
  version = $state(0);
  private timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    void this.load();
    this.timer = setInterval(() => void this.load(), 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async load(): Promise<void> {
    try {
      const res = await fetch('/api/alerts');
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.set((await res.json()).incidents as IncidentView[]);
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private set(incidents: IncidentView[]): void {
    const worst = new Map<string, Severity>();
    const note = (entity: string, s: Severity) => {
      const w = worst.get(entity);
      if (!w || RANK[s] < RANK[w]) worst.set(entity, s);
    };
    for (const i of incidents) {
      for (const a of i.roots) note(a.entity, a.severity);
      for (const c of i.children) for (const a of c.alerts) note(a.entity, a.severity);
    }
    this.incidents = incidents;
    this.worstByEntity = worst;
    this.version++;
  }
}
