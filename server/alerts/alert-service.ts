/**
 * Runs the alert rules against the live state once a second, groups firing alerts into
 * incidents, and queues one notification per incident change (firing, repeat, resolved) in the
 * durable outbox. Alert state and which incidents were notified are saved to `statePath`, so a
 * restart neither forgets an incident nor pages it again.
 */
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../logger.ts';
import type { LiveState } from '../state/live-state.ts';
import type { MemoryWindow } from '../history/memory-window.ts';
import { AlertEvaluator, type ActiveAlert } from './evaluator.ts';
import { groupIncidents, type Incident } from './incidents.ts';
import { parseRules, type Rule } from './rules.ts';
import type { Outbox } from './outbox.ts';

export interface AlertServiceConfig {
  rulesPath: string;
  statePath: string;
}

export function loadRulesFile(path: string): Rule[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`alert rules ${path}: ${(e as Error).message}`);
  }
  const r = parseRules(json);
  if (!r.ok) throw new Error(`alert rules ${path}: ${r.message}`);
  return r.value;
}

interface Notified {
  startedMs: number;
  firingSent: boolean;
  ack?: { by: string; atMs: number; comment: string };
}

/** A silence mutes notifications of matching incidents for a time window; it stays visible. */
export interface Silence {
  id: string;
  /** An incident ID (`group:h1-r01`) or an entity or entity prefix (`cdu:h1-r01-cdu-a`, `rack:h1-r02-`). */
  matcher: string;
  startsMs: number;
  endsMs: number;
  comment: string;
  by: string;
  createdMs: number;
}

function alertJson(a: ActiveAlert) {
  return { rule: a.rule.id, severity: a.rule.severity, entity: a.entity, summary: a.rule.summary, value: a.state.value, phase: a.state.phase, firedAtMs: a.state.firedAtMs, acknowledged: a.state.acknowledged };
}

export function incidentJson(i: Incident) {
  return { id: i.id, severity: i.severity, title: i.title, startedMs: i.startedMs, roots: i.roots.map(alertJson), children: i.children.map((c) => ({ rackId: c.rackId, alerts: c.alerts.map(alertJson) })) };
}

export class AlertService {
  readonly evaluator: AlertEvaluator;
  private incidents: Incident[] = [];
  private readonly notified = new Map<string, Notified>();
  private silences: Silence[] = [];
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private lastSaveMs = 0;

  constructor(
    private readonly cfg: AlertServiceConfig,
    private readonly live: LiveState,
    memory: MemoryWindow | null,
    private readonly outbox: Outbox | null,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {
    this.evaluator = new AlertEvaluator(loadRulesFile(cfg.rulesPath), live, memory);
    this.load();
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.save();
  }

  /** Re-reads the rules file; a bad file is reported and the old rules stay. */
  reload(): string | null {
    try {
      this.evaluator.setRules(loadRulesFile(this.cfg.rulesPath));
      this.log.info(`alerts: rules reloaded from ${this.cfg.rulesPath}`);
      return null;
    } catch (e) {
      this.log.error(`${(e as Error).message} — keeping the previous rules`);
      return (e as Error).message;
    }
  }

  snapshot() {
    const now = this.clock();
    return {
      incidents: this.incidents.map((i) => ({
        ...incidentJson(i),
        acknowledged: this.notified.get(i.id)?.ack ?? null,
        silencedBy: this.silenceFor(i, now)?.id ?? null,
      })),
      alerts: this.evaluator.active().map(alertJson),
      silences: this.silences.filter((s) => s.endsMs > now),
    };
  }

  private silenceFor(i: Incident, nowMs: number): Silence | undefined {
    const entities = [i.id, ...i.roots.map((a) => a.entity), ...i.children.map((c) => `rack:${c.rackId}`)];
    return this.silences.find((s) => s.startsMs <= nowMs && nowMs < s.endsMs && entities.some((e) => e === s.matcher || e.startsWith(s.matcher)));
  }

  /** Acknowledges every alert of an incident, with who, when and why; cleared when it resolves. */
  acknowledge(incidentId: string, by: string, comment: string): string | null {
    const inc = this.incidents.find((i) => i.id === incidentId);
    const n = this.notified.get(incidentId);
    if (!inc || !n) return `no active incident "${incidentId}"`;
    for (const a of [...inc.roots, ...inc.children.flatMap((c) => c.alerts)]) this.evaluator.acknowledge(a.rule.id, a.entity);
    n.ack = { by, atMs: this.clock(), comment };
    this.log.info(`alerts: ${incidentId} acknowledged by ${by}: ${comment}`);
    this.save();
    return null;
  }

  addSilence(s: Omit<Silence, 'id' | 'createdMs'>): Silence {
    const silence = { ...s, id: `silence-${this.clock()}-${Math.floor(Math.random() * 1e6)}`, createdMs: this.clock() };
    this.silences.push(silence);
    this.log.info(`alerts: silence ${silence.id} on ${s.matcher} until ${new Date(s.endsMs).toISOString()} by ${s.by}: ${s.comment}`);
    this.save();
    return silence;
  }

  removeSilence(id: string): boolean {
    const before = this.silences.length;
    this.silences = this.silences.filter((s) => s.id !== id);
    this.save();
    return this.silences.length < before;
  }

  /** One evaluation; public for tests. */
  tick(): void {
    const now = this.clock();
    const transitions = this.evaluator.evaluate(now);
    if (transitions.length) this.dirty = true;
    const notifyEntities = new Set(transitions.filter((t) => t.notify && !t.events.includes('resolved')).map((t) => `${t.rule.id}|${t.entity}`));
    const repeatEntities = new Set(transitions.filter((t) => t.notify && t.events.includes('repeat')).map((t) => `${t.rule.id}|${t.entity}`));
    const next = groupIncidents(this.live.site, this.evaluator.active());
    const alertsOf = (i: Incident) => [...i.roots, ...i.children.flatMap((c) => c.alerts)].map((a) => `${a.rule.id}|${a.entity}`);
    for (const inc of next) {
      const seen = this.notified.get(inc.id);
      const keys = alertsOf(inc);
      const silenced = this.silenceFor(inc, now) !== undefined;
      if (!seen) {
        const firingSent = !silenced && keys.some((k) => notifyEntities.has(k));
        this.notified.set(inc.id, { startedMs: inc.startedMs, firingSent });
        this.dirty = true;
        if (firingSent) this.notify('firing', inc, now);
      } else if (!silenced && !seen.ack && keys.some((k) => repeatEntities.has(k))) {
        this.notify('repeat', inc, now);
      }
    }
    const ids = new Set(next.map((i) => i.id));
    for (const [id, seen] of this.notified) {
      if (ids.has(id)) continue;
      this.notified.delete(id);
      this.dirty = true;
      const prev = this.incidents.find((i) => i.id === id);
      if (seen.firingSent && prev) this.notify('resolved', prev, now);
    }
    this.incidents = next;
    if (this.dirty && now - this.lastSaveMs > 2000) this.save();
  }

  private notify(kind: 'firing' | 'repeat' | 'resolved', inc: Incident, nowMs: number): void {
    if (!this.outbox) return;
    const id = `${inc.id}@${inc.startedMs}:${kind}${kind === 'repeat' ? `@${nowMs}` : ''}`;
    const body = { version: 1, kind, sentMs: nowMs, incident: incidentJson(inc) };
    this.outbox.enqueue(id, () => body);
    this.log.info(`alerts: ${kind} ${inc.severity} ${inc.title}`);
  }

  private save(): void {
    try {
      mkdirSync(dirname(this.cfg.statePath), { recursive: true });
      const tmp = this.cfg.statePath + '.tmp';
      writeFileSync(tmp, JSON.stringify({ version: 1, alerts: this.evaluator.exportStates(), notified: Object.fromEntries(this.notified), silences: this.silences, incidents: this.incidents.map(incidentJson) }));
      renameSync(tmp, this.cfg.statePath);
      this.lastSaveMs = this.clock();
      this.dirty = false;
    } catch (e) {
      this.log.error(`alerts: cannot save state to ${this.cfg.statePath}: ${(e as Error).message}`);
    }
  }

  private load(): void {
    if (!existsSync(this.cfg.statePath)) return;
    try {
      const saved = JSON.parse(readFileSync(this.cfg.statePath, 'utf8'));
      this.evaluator.restoreStates(saved.alerts ?? []);
      for (const [id, n] of Object.entries(saved.notified ?? {})) this.notified.set(id, n as Notified);
      this.silences = Array.isArray(saved.silences) ? saved.silences : [];
      this.incidents = groupIncidents(this.live.site, this.evaluator.active());
      this.log.info(`alerts: restored ${this.evaluator.active().length} active alerts in ${this.incidents.length} incidents`);
    } catch (e) {
      this.log.error(`alerts: cannot read saved state ${this.cfg.statePath}: ${(e as Error).message}`);
    }
  }
}
