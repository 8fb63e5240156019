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
import { AlertEvaluator, type Transition } from './evaluator.ts';
import { IncidentTracker, type Incident, type SavedIncident } from './incidents.ts';
import { parseRules, SEVERITIES, type Rule, type Severity } from './rules.ts';
import type { Outbox } from './outbox.ts';
import { alertJson, incidentJson, type Acknowledgement, type Channel, type IncidentJson, type Notification, type NotificationKind } from './notification.ts';
import { silenceActive, silenceMatches, type Silence } from './silences.ts';
import type { SiteSignals } from './signals.ts';
import { incidentInSite, matcherInSite, siteHas, siteNames } from './site-scope.ts';
import type { AlertState } from './rule-state.ts';

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/** Racks and CDUs are evaluated in this many slices a second (one every 250 ms). */
const SLICES = 4;

export type { Silence } from './silences.ts';

export interface AlertServiceConfig {
  rulesPath: string;
  statePath: string;
  /** Dashboard base URL for links in notifications (`--public-url`); null = no links. */
  publicUrl: string | null;
  /** Resolved incidents kept for the dashboard's history tab. */
  historyLimit: number;
}

/** A resolved incident as the history tab shows it. */
export interface ResolvedIncident extends IncidentJson {
  resolvedMs: number;
  acknowledged: Acknowledgement | null;
  notified: boolean;
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
  /** When this incident last paged (firing or repeat). */
  lastSentMs?: number;
  /** The severity it last paged with: a worse one pages again (escalation). */
  sentSeverity?: Severity;
  ack?: Acknowledgement;
}


export class AlertService {
  readonly evaluator: AlertEvaluator;
  private incidents: Incident[] = [];
  private readonly tracker: IncidentTracker;
  private readonly notified = new Map<string, Notified>();
  private silences: Silence[] = [];
  private history: ResolvedIncident[] = [];
  private readonly channels: Map<string, Channel>;
  private readonly lastRefreshMs = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  /** Which slice the timer evaluates next, and the transitions of this second's slices so far. */
  private slice = 0;
  private sliced: Transition[] = [];
  private dirty = false;
  private lastSaveMs = 0;
  /** The last failed save of the state file (storage full or read-only), cleared by a save that works. */
  saveError: { message: string; atMs: number; failures: number } | null = null;
  private saveErrorLoggedMs = Number.NEGATIVE_INFINITY;
  /** Whole passes over the site concluded (incidents grouped, notifications queued) since start. */
  evaluations = 0;

  constructor(
    private readonly cfg: AlertServiceConfig,
    private readonly live: LiveState,
    memory: MemoryWindow | null,
    private readonly outbox: Outbox | null,
    channels: Channel[],
    private readonly log: Logger,
    private readonly clock: () => number,
    siteSignals: SiteSignals = {},
  ) {
    this.channels = new Map(channels.map((c) => [c.name, c]));
    this.evaluator = new AlertEvaluator(loadRulesFile(cfg.rulesPath), live, memory, siteSignals);
    this.tracker = new IncidentTracker(live.site);
    this.load();
  }

  start(): void {
    this.timer = setInterval(() => this.step(), 1000 / SLICES);
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

  /** The rules file as it is on disk. */
  rulesFile(): unknown {
    return JSON.parse(readFileSync(this.cfg.rulesPath, 'utf8'));
  }

  /** Validates and saves a new rules file, then applies it; the reason when refused. */
  replaceRules(json: unknown, by: string): string | null {
    const r = parseRules(json);
    if (!r.ok) return r.message;
    const tmp = this.cfg.rulesPath + '.tmp';
    writeFileSync(tmp, JSON.stringify(json, null, 2) + '\n');
    renameSync(tmp, this.cfg.rulesPath);
    this.evaluator.setRules(r.value);
    this.log.info(`alerts: rules replaced by ${by} (${r.value.length} rules)`);
    return null;
  }

  /** Open incidents, alerts and silences; resolved history only when asked (it is the bulk). */
  snapshot(includeHistory = false) {
    const now = this.clock();
    return {
      nowMs: now,
      incidents: this.incidents.map((i) => ({
        ...incidentJson(i),
        acknowledged: this.notified.get(i.id)?.ack ?? null,
        silencedBy: this.silenceFor(i, now)?.id ?? null,
      })),
      alerts: this.evaluator.active().map(alertJson),
      silences: this.silences.filter((s) => s.endsMs > now).map((s) => ({ ...s, activeNow: silenceActive(s, now) })),
      ...(includeHistory ? { history: this.history } : {}),
    };
  }

  /** The incident's ID, entities, and the rows and halls they are in (`row:…`, `hall:…`). */
  private silenceKeys(i: Incident): string[] {
    const entities = [...i.roots.map((a) => a.entity), ...i.children.map((c) => `rack:${c.rackId}`)];
    const keys = new Set([i.id, i.scope, ...entities]);
    const site = this.live.site;
    for (const e of entities) {
      const [kind, id] = e.split(/:(.*)/s);
      const place = kind === 'rack' ? site.racks[site.rackIndexById.get(id) ?? -1] : kind === 'cdu' ? site.cdus[site.cduIndexById.get(id) ?? -1] : undefined;
      if (place) keys.add(`row:${place.rowId}`).add(`hall:${place.hallId}`);
    }
    return [...keys];
  }

  private silenceFor(i: Incident, nowMs: number): Silence | undefined {
    const keys = this.silenceKeys(i);
    return this.silences.find((s) => silenceActive(s, nowMs) && silenceMatches(s, keys));
  }

  /** Acknowledges every alert of an incident, with who, when and why; cleared when it resolves. */
  acknowledge(incidentId: string, by: string, comment: string): string | null {
    const inc = this.incidents.find((i) => i.id === incidentId);
    const n = this.notified.get(incidentId);
    if (!inc || !n) return `no active incident "${incidentId}"`;
    for (const a of [...inc.roots, ...inc.children.flatMap((c) => c.alerts)]) this.evaluator.acknowledge(a.rule.id, a.entity);
    n.ack = { by, atMs: this.clock(), comment };
    this.log.info(`alerts: ${incidentId} acknowledged by ${by}: ${comment}`);
    if (n.firingSent) this.notify('acknowledged', inc, this.clock());
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

  removeSilence(id: string, by: string): boolean {
    const before = this.silences.length;
    this.silences = this.silences.filter((s) => s.id !== id);
    if (this.silences.length === before) return false;
    this.log.info(`alerts: silence ${id} removed by ${by}`);
    this.save();
    return true;
  }

  /** The timer's step: a slice of the racks and CDUs; after the last one, incidents and notifications. */
  private step(): void {
    const now = this.clock();
    for (const t of this.evaluator.evaluate(now, this.slice, SLICES)) this.sliced.push(t);
    this.slice = (this.slice + 1) % SLICES;
    if (this.slice !== 0) return;
    const transitions = this.sliced;
    this.sliced = [];
    this.conclude(transitions, now);
  }

  /** One whole evaluation; public for tests. */
  tick(): void {
    const now = this.clock();
    this.conclude(this.evaluator.evaluate(now), now);
  }

  /** Incidents, notifications and saving after a whole pass over the site. */
  private conclude(transitions: Transition[], now: number): void {
    if (transitions.length) this.dirty = true;
    const notifyEntities = new Set(transitions.filter((t) => t.notify && !t.events.includes('resolved')).map((t) => `${t.rule.id}|${t.entity}`));
    const repeatEntities = new Set(transitions.filter((t) => t.notify && t.events.includes('repeat')).map((t) => `${t.rule.id}|${t.entity}`));
    const next = this.tracker.update(this.evaluator.active());
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
        if (firingSent) Object.assign(this.notified.get(inc.id)!, { lastSentMs: now, sentSeverity: inc.severity });
      } else if (!silenced && seen.firingSent && rank(inc.severity) < rank(seen.sentSeverity ?? inc.severity)) {
        // A worse alert joined (a leak on a rack of a warm row): page again; the acknowledgement stays.
        seen.sentSeverity = inc.severity;
        seen.lastSentMs = now;
        this.dirty = true;
        this.notify('firing', inc, now, seen.ack ?? null, `:${inc.severity}`);
      } else if (!silenced && !seen.firingSent && !seen.ack) {
        // Muted when it started (a silence that has now ended): page it now.
        seen.firingSent = true;
        seen.lastSentMs = now;
        seen.sentSeverity = inc.severity;
        this.dirty = true;
        this.notify('firing', inc, now);
      } else if (!silenced && !seen.ack && keys.some((k) => repeatEntities.has(k)) && now - (seen.lastSentMs ?? 0) >= this.repeatMs(inc)) {
        seen.lastSentMs = now;
        this.notify('repeat', inc, now);
      }
    }
    const ids = new Set(next.map((i) => i.id));
    for (const [id, seen] of this.notified) {
      if (ids.has(id)) continue;
      this.notified.delete(id);
      this.dirty = true;
      const prev = this.incidents.find((i) => i.id === id);
      if (!prev) continue;
      if (seen.firingSent) this.notify('resolved', prev, now, seen.ack ?? null);
      this.history.unshift({ ...incidentJson(prev), resolvedMs: now, acknowledged: seen.ack ?? null, notified: seen.firingSent });
      this.history.length = Math.min(this.history.length, this.cfg.historyLimit);
    }
    this.incidents = next;
    // Silences that ended more than a day ago are dropped (the log keeps their story).
    const kept = this.silences.filter((x) => x.endsMs > now - 86_400_000);
    if (kept.length !== this.silences.length) {
      this.silences = kept;
      this.dirty = true;
    }
    this.refreshChannels(now);
    if (this.dirty && now - this.lastSaveMs > 2000) this.save();
    this.evaluations++;
  }

  /** An incident repeats no more often than the shortest repeat interval of its alerts' rules. */
  private repeatMs(inc: Incident): number {
    return Math.min(...[...inc.roots, ...inc.children.flatMap((c) => c.alerts)].map((a) => a.rule.repeatMs));
  }

  private notification(kind: NotificationKind, inc: Incident, nowMs: number, ack: Acknowledgement | null): Notification {
    const dashboardUrl = this.cfg.publicUrl ? `${this.cfg.publicUrl.replace(/\/+$/, '')}/#/incident/${encodeURIComponent(inc.id)}` : null;
    return { version: 1, kind, sentMs: nowMs, incident: incidentJson(inc), acknowledged: ack, silenced: this.silenceFor(inc, nowMs) !== undefined, dashboardUrl };
  }

  private notify(kind: NotificationKind, inc: Incident, nowMs: number, ack: Acknowledgement | null = this.notified.get(inc.id)?.ack ?? null, suffix = ''): void {
    if (!this.outbox) return;
    const id = `${inc.id}@${inc.startedMs}:${kind}${kind === 'repeat' || kind === 'acknowledged' ? `@${nowMs}` : ''}${suffix}`;
    const n = this.notification(kind, inc, nowMs, ack);
    this.outbox.enqueue(id, (ch) => this.channels.get(ch)?.format(n));
    this.log.info(`alerts: ${kind} ${inc.severity} ${inc.title}`);
  }

  /** Re-sends the full set of notified, firing incidents to channels that forget (Alertmanager). */
  private refreshChannels(nowMs: number): void {
    if (!this.outbox) return;
    for (const ch of this.channels.values()) {
      if (!ch.refresh || nowMs - (this.lastRefreshMs.get(ch.name) ?? 0) < ch.refresh.everyMs) continue;
      this.lastRefreshMs.set(ch.name, nowMs);
      const firing = this.incidents.filter((i) => this.notified.get(i.id)?.firingSent).map((i) => this.notification('repeat', i, nowMs, this.notified.get(i.id)?.ack ?? null));
      if (firing.length === 0) continue;
      const payload = ch.refresh.format(firing, nowMs);
      this.outbox.enqueue(`refresh@${nowMs}`, (name) => (name === ch.name ? payload : undefined), 'refresh@');
    }
  }

  private save(): void {
    try {
      mkdirSync(dirname(this.cfg.statePath), { recursive: true });
      const tmp = this.cfg.statePath + '.tmp';
      writeFileSync(tmp, JSON.stringify({ version: 1, alerts: this.evaluator.exportStates(), notified: Object.fromEntries(this.notified), silences: this.silences, open: this.tracker.export(), incidents: this.incidents.map(incidentJson), history: this.history }));
      renameSync(tmp, this.cfg.statePath);
      this.lastSaveMs = this.clock();
      this.dirty = false;
      if (this.saveError) this.log.info(`alerts: state saved again after ${this.saveError.failures} failed saves`);
      this.saveError = null;
    } catch (e) {
      const now = this.clock();
      // Retried at the next change, at most every 2 s; logged at once, then once a minute.
      this.lastSaveMs = now;
      this.saveError = { message: (e as Error).message, atMs: now, failures: (this.saveError?.failures ?? 0) + 1 };
      if (now - this.saveErrorLoggedMs >= 60_000) {
        this.saveErrorLoggedMs = now;
        this.log.error(`alerts: cannot save state to ${this.cfg.statePath} (${this.saveError.failures} failed saves): ${this.saveError.message}; incidents and acknowledgements live in memory until it works`);
      }
    }
  }

  /**
   * Restores saved state; what names a rack, CDU, row, hall or group the loaded site does not
   * have (another site's state in the same storage directory) is dropped and counted.
   */
  private load(): void {
    if (!existsSync(this.cfg.statePath)) return;
    try {
      const saved = JSON.parse(readFileSync(this.cfg.statePath, 'utf8'));
      const names = siteNames(this.live.site);
      const keep = <T>(list: unknown, inSite: (x: T) => boolean): [T[], number] => {
        const all = Array.isArray(list) ? (list as T[]) : [];
        const kept = all.filter((x) => { try { return inSite(x); } catch { return false; } });
        return [kept, all.length - kept.length];
      };
      const [alerts, alertsDropped] = keep<{ ruleId: string; entity: string; state: AlertState }>(saved.alerts, (a) => siteHas(names, a.entity));
      const [notified, notifiedDropped] = keep<[string, Notified]>(Object.entries(saved.notified ?? {}), ([id]) => siteHas(names, id));
      const [silences, silencesDropped] = keep<Silence>(saved.silences, (x) => matcherInSite(names, x.matcher));
      const [history, historyDropped] = keep<ResolvedIncident>(saved.history, (i) => incidentInSite(names, i));
      const [open] = keep<SavedIncident>(saved.open, (i) => siteHas(names, i.id) && i.members.every((m) => siteHas(names, m.slice(m.indexOf('|') + 1))));
      this.evaluator.restoreStates(alerts);
      for (const [id, n] of notified) this.notified.set(id, n);
      this.silences = silences;
      this.history = history.slice(0, this.cfg.historyLimit);
      this.tracker.restore(open);
      this.incidents = this.tracker.update(this.evaluator.active());
      const dropped = alertsDropped + notifiedDropped + silencesDropped + historyDropped;
      if (dropped > 0) {
        this.log.warn(`alerts: dropped saved state naming racks, CDUs, rows or halls not in site "${this.live.site.view.name}": ${alertsDropped} alerts, ${notifiedDropped} incidents and acknowledgements, ${silencesDropped} silences, ${historyDropped} resolved incidents`);
        this.dirty = true;
      }
      this.log.info(`alerts: restored ${this.evaluator.active().length} active alerts in ${this.incidents.length} incidents`);
    } catch (e) {
      this.log.error(`alerts: cannot read saved state ${this.cfg.statePath}: ${(e as Error).message}`);
    }
  }
}
