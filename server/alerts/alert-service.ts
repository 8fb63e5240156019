/**
 * Runs the alert rules against the live state once a second, a share on each state tick (and at
 * once on the CDUs of a group whose unit tripped or came back), groups firing alerts into
 * incidents, and queues one notification per incident change (firing, repeat, resolved) in the
 * durable outbox. Alert state, which incidents were notified, acknowledgements and silences are
 * stored (alert-state-store.ts), so a restart neither forgets an incident nor pages it again.
 */
import type { Logger } from '../logger.ts';
import type { LiveState } from '../state/live-state.ts';
import type { MemoryWindow } from '../history/memory-window.ts';
import { AlertEvaluator, type Transition } from './evaluator.ts';
import { IncidentTracker, type Incident } from './incidents.ts';
import type { Acknowledgement, AlertsSnapshot, ResolvedIncident, Silence } from '../../protocol/alerts.ts';
import type { NotificationQueue } from './outbox.ts';
import { alertJson, incidentJson, type Channel, type NotificationKind } from './notification.ts';
import { SilenceBook } from './silence-book.ts';
import { IncidentNotifier, type IdFacts } from './incident-notifier.ts';
import { pageFor } from './paging.ts';
import type { SiteSignals } from './signals.ts';
import type { AlertStateStore, Notified, SavedAlertState } from './alert-state-store.ts';
import { AlertPersistence, type SaveError } from './alert-persistence.ts';
import { AlertRules, type RuleStore } from './rule-store.ts';
import type { StateTick } from '../state/state-ticker.ts';
import { sameJson } from '../storage/canonical-json.ts';
import { OperatorMarks } from './operator-marks.ts';

export interface AlertServiceConfig {
  /** Dashboard base URL for links in notifications (`--public-url`); null = no links. */
  publicUrl: string | null;
  /** Resolved incidents kept for the dashboard's history tab. */
  historyLimit: number;
}

export interface AlertServiceDeps {
  cfg: AlertServiceConfig;
  rules: RuleStore;
  state: AlertStateStore;
  live: LiveState;
  memory: MemoryWindow | null;
  outbox: NotificationQueue | null;
  channels: Channel[];
  log: Logger;
  clock: () => number;
  siteSignals?: SiteSignals;
  /**
   * One of a pair of servers: only the leader notifies and stores the evaluation; the other
   * evaluates in shadow until `lead()`; every server notifies while the cluster is out of reach
   * (`failOpen`). Unset: a single server, always leading.
   */
  leadership?: { isLeader(): boolean; failOpen?(): boolean };
}

export class AlertService {
  readonly evaluator: AlertEvaluator;
  /** The rules: reloaded on SIGHUP, replaced by the admin API. */
  readonly rules: AlertRules;
  private incidents: Incident[] = [];
  private readonly tracker: IncidentTracker;
  private readonly notified = new Map<string, Notified>();
  private readonly silences: SilenceBook;
  /** Acknowledgements and silences as stored (shared with another server with `--cluster`). */
  private readonly marks: OperatorMarks;
  private unfollow: () => void = () => undefined;
  private history: ResolvedIncident[] = [];
  private readonly notifier: IncidentNotifier;
  /** Transitions of this round's slices not yet concluded. */
  private sliced: Transition[] = [];
  private dirty = false;
  /** Whether `start()` loaded the saved state. */
  private loaded = false;
  private lastSaveMs = 0;
  private readonly cfg: AlertServiceConfig;
  private readonly live: LiveState;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly persistence: AlertPersistence;
  /** Whole passes over the site concluded (incidents grouped, notifications queued) since start. */
  evaluations = 0;
  private readonly leadership: { isLeader(): boolean; failOpen?(): boolean } | null;
  /** Took the lead (adopted the stored evaluation); always for a single server. */
  private leading: boolean;

  constructor(deps: AlertServiceDeps) {
    ({ cfg: this.cfg, live: this.live, log: this.log, clock: this.clock } = deps);
    this.notifier = new IncidentNotifier(deps.outbox, deps.channels, deps.cfg.publicUrl, deps.log);
    this.silences = new SilenceBook(deps.live.site);
    this.evaluator = new AlertEvaluator([], deps.live, deps.memory, deps.siteSignals ?? {});
    this.tracker = new IncidentTracker(deps.live.site);
    this.rules = new AlertRules(deps.rules, (rules) => this.evaluator.setRules(rules), deps.log);
    this.persistence = new AlertPersistence(deps.state, deps.log, deps.clock);
    this.marks = new OperatorMarks(this.persistence, this.silences, (own) => this.adoptAcks(own));
    this.leadership = deps.leadership ?? null;
    this.leading = this.leadership === null;
  }

  /** Whether this server turns alerts into notifications now: checked at each one, so a leader whose lease ran out stops at once. */
  canNotify(): boolean {
    return (this.leading && (this.leadership?.isLeader() ?? true)) || (this.leadership?.failOpen?.() ?? false);
  }

  /**
   * Becomes the leader: adopts the evaluation the last leader stored (its open incidents under
   * their IDs and start times, what it paged, acknowledgements), so what it already paged is not
   * paged again, then notifies from the current state. An incident it did not store is paged by
   * the next round; a notification it queued but did not record has the same ID and is dropped
   * by the stream.
   */
  async lead(): Promise<void> {
    const paged = await this.persistence.loadPaged();
    const stored = new Map(Object.entries(paged?.notified ?? {}));
    const shadow = new Map(this.notified);
    for (const [id, n] of stored) this.tracker.adoptStart(id, n.startedMs);
    this.incidents = this.tracker.update(this.evaluator.active());
    this.notified.clear();
    for (const inc of this.incidents) {
      const ack = shadow.get(inc.id)?.ack;
      const n = stored.get(inc.id) ?? { startedMs: inc.startedMs, firingSent: false };
      this.notified.set(inc.id, ack ? { ...n, ack } : n);
    }
    this.leading = true;
    this.dirty = true;
    this.log.info(`alerts: leading with ${this.incidents.length} open incidents (${stored.size} in the last leader's paging ledger)`);
  }

  /** Stops notifying and storing the evaluation: the other server leads. */
  follow(): void {
    if (this.leadership) this.leading = false;
  }

  /** A clean stop of the leader: stores the evaluation while it still leads, then follows (the lease is let go next). */
  async handOver(): Promise<void> {
    if (this.leading && this.loaded) await this.saveState();
    this.follow();
  }

  /** The last failed save of alert state (storage full or read-only), cleared by a save that works. */
  get saveError(): SaveError | null {
    return this.persistence.saveError;
  }

  /**
   * Loads the rules (throws when they are missing or not valid) and the saved state, then
   * evaluates on each state tick (onTick) and follows the acknowledgements and silences another
   * server stores.
   */
  async start(): Promise<void> {
    await this.rules.start();
    await this.load();
    this.loaded = true;
    this.unfollow = this.marks.follow();
  }

  /** Stores the evaluation (not when it never loaded: that would overwrite it with nothing); the marks are stored as they change. */
  async stop(): Promise<void> {
    this.rules.stop();
    this.unfollow();
    if (!this.loaded) return;
    await (this.leading ? this.saveState() : undefined);
  }

  /** Open incidents, alerts and silences; resolved history only when asked (it is the bulk). */
  snapshot(includeHistory = false): AlertsSnapshot {
    const now = this.clock();
    return {
      nowMs: now,
      incidents: this.incidents.map((i) => ({
        ...incidentJson(i),
        acknowledged: this.notified.get(i.id)?.ack ?? null,
        silencedBy: this.silenceFor(i, now)?.id ?? null,
      })),
      alerts: this.evaluator.active().map(alertJson),
      silences: this.silences.current(now),
      ...(includeHistory ? { history: this.history } : {}),
    };
  }

  private silenceFor(i: Incident, nowMs: number): Silence | undefined {
    return this.silences.muting(i, nowMs);
  }

  /**
   * Acknowledges every alert of an incident, with who, when and why; cleared when it resolves.
   * Resolves once stored; rejects with EditConflictError when another server acknowledged it meanwhile.
   */
  async acknowledge(incidentId: string, by: string, comment: string): Promise<string | null> {
    const inc = this.incidents.find((i) => i.id === incidentId);
    const n = this.notified.get(incidentId);
    if (!inc || !n) return `no active incident "${incidentId}"`;
    const ack = { by, atMs: this.clock(), comment };
    await this.marks.acknowledge(incidentId, ack);
    this.log.info(`alerts: ${incidentId} acknowledged by ${by}: ${comment}`);
    this.notifyAck(inc, n);
    await this.notifier.written;
    return null;
  }

  /**
   * Applies the stored acknowledgements: an incident acknowledged on another server stops its
   * repeats here too, and its acknowledgement is notified as if made here (`own`, made here, is
   * notified by `acknowledge`).
   */
  private adoptAcks(own?: Acknowledgement): void {
    for (const inc of this.incidents) {
      const n = this.notified.get(inc.id);
      const ack = this.marks.acks[inc.id];
      if (!n || !ack || sameJson(n.ack, ack)) continue;
      n.ack = ack;
      this.acknowledgeAlerts(inc);
      // Notified once, by whichever server notifies (the leader), under the acknowledgement's own time.
      if (ack !== own) this.notifyAck(inc, n);
    }
  }

  /** Stops the repeats of an acknowledged incident's alerts. */
  private acknowledgeAlerts(inc: Incident): void {
    for (const a of [...inc.roots, ...inc.children.flatMap((c) => c.alerts)]) this.evaluator.acknowledge(a.rule.id, a.entity);
  }

  /** Adds a silence; resolves once stored. */
  async addSilence(s: Omit<Silence, 'id' | 'createdMs'>): Promise<Silence> {
    const silence = this.silences.create(s, this.clock());
    await this.marks.addSilence(silence);
    this.log.info(`alerts: silence ${silence.id} on ${s.matcher} until ${new Date(s.endsMs).toISOString()} by ${s.by}: ${s.comment}`);
    return silence;
  }

  async removeSilence(id: string, by: string): Promise<boolean> {
    if (!(await this.marks.removeSilence(id))) return false;
    this.log.info(`alerts: silence ${id} removed by ${by}`);
    return true;
  }

  /**
   * A state tick: its slice of the racks and CDUs, and the CDUs whose group changed on it. After
   * the round's last slice, or at once when one of those CDUs changed an alert (a trip opens its
   * incident on the tick that derives its group's N+1), incidents and notifications.
   */
  onTick(tick: StateTick): void {
    const now = tick.nowMs;
    // The changed CDUs first: their slice, should it hold them, steps them again at the same time, to no effect.
    const changed = this.evaluator.evaluateCdus(now, tick.cdusChanged);
    for (const t of changed) this.sliced.push(t);
    for (const t of this.evaluator.evaluate(now, tick.slice, tick.slices)) this.sliced.push(t);
    if (changed.length === 0 && tick.slice !== tick.slices - 1) return;
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
    let paged = false;
    const alertsOf = (i: Incident) => [...i.roots, ...i.children.flatMap((c) => c.alerts)].map((a) => `${a.rule.id}|${a.entity}`);
    for (const inc of next) {
      const keys = alertsOf(inc);
      const page = pageFor(this.notified.get(inc.id), {
        startedMs: inc.startedMs,
        severity: inc.severity,
        silenced: this.silenceFor(inc, now) !== undefined,
        notifying: keys.some((k) => notifyEntities.has(k)),
        repeating: keys.some((k) => repeatEntities.has(k)),
        nowMs: now,
        repeatMs: () => this.repeatMs(inc),
      });
      if (!page.next.ack && this.marks.acks[inc.id]) {
        // Acknowledged on another server before it opened here.
        page.next.ack = this.marks.acks[inc.id];
        this.acknowledgeAlerts(inc);
      }
      this.notified.set(inc.id, page.next);
      if (page.changed) this.dirty = true;
      if (page.send && this.canNotify()) {
        this.notify(page.send, inc, now, page.next.ack ?? null, { escalation: page.escalation, repeatMs: this.repeatMs(inc), nowMs: now });
        paged = true;
      }
      this.notifyAck(inc, page.next);
    }
    const ids = new Set(next.map((i) => i.id));
    const resolvedAcked = new Set<string>();
    for (const [id, seen] of this.notified) {
      if (ids.has(id)) continue;
      this.notified.delete(id);
      this.dirty = true;
      if (seen.ack) resolvedAcked.add(id);
      const prev = this.incidents.find((i) => i.id === id);
      if (!prev) continue;
      if (seen.firingSent && this.canNotify()) this.notify('resolved', prev, now, seen.ack ?? null);
      this.history.unshift({ ...incidentJson(prev), resolvedMs: now, acknowledged: seen.ack ?? null, notified: seen.firingSent });
      this.history.length = Math.min(this.history.length, this.cfg.historyLimit);
    }
    this.incidents = next;
    this.marks.afterRound(resolvedAcked, (id) => this.notified.has(id), now);
    if (this.canNotify()) this.refreshChannels(now);
    // A pair stores a page at once: a new leader must not decide it again under another start time.
    if (this.leading && this.dirty && (now - this.lastSaveMs > 2000 || (paged && this.leadership))) void this.saveState();
    this.evaluations++;
  }

  /** Sends an incident's acknowledgement once it paged, whichever server took it (an ack made on the standby is sent by the leader). */
  private notifyAck(inc: Incident, n: Notified): void {
    if (!n.ack || !n.firingSent || n.ackSentAtMs === n.ack.atMs || !this.canNotify()) return;
    n.ackSentAtMs = n.ack.atMs;
    this.dirty = true;
    this.notify('acknowledged', inc, this.clock(), n.ack, { ackAtMs: n.ack.atMs });
  }

  /** An incident repeats no more often than the shortest repeat interval of its alerts' rules. */
  private repeatMs(inc: Incident): number {
    return Math.min(...[...inc.roots, ...inc.children.flatMap((c) => c.alerts)].map((a) => a.rule.repeatMs));
  }

  private notify(
    kind: NotificationKind,
    inc: Incident,
    nowMs: number,
    ack: Acknowledgement | null = this.notified.get(inc.id)?.ack ?? null,
    facts: IdFacts = {},
  ): void {
    this.notifier.notify(kind, { incident: inc, ack, silenced: this.silenceFor(inc, nowMs) !== undefined }, nowMs, facts);
  }

  /** Re-sends the full set of notified, firing incidents to channels that forget (Alertmanager). */
  private refreshChannels(nowMs: number): void {
    const firing = () => this.incidents.filter((i) => this.notified.get(i.id)?.firingSent);
    this.notifier.refresh(nowMs, () =>
      firing().map((i) => ({ incident: i, ack: this.notified.get(i.id)?.ack ?? null, silenced: this.silenceFor(i, nowMs) !== undefined })),
    );
  }

  /** Stores the evaluation (at most every 2 s while it changes), after the outbox holds what it says was sent. */
  private async saveState(): Promise<void> {
    this.lastSaveMs = this.clock();
    this.dirty = false;
    await this.notifier.written;
    const paging = () => ({ version: 1 as const, notified: this.notifiedWithoutAcks() });
    const [state, ledger] = await Promise.all([this.persistence.save('state', () => this.stateDocument()), this.persistence.savePaged(paging)]);
    if (!state || !ledger) this.dirty = true;
  }

  /** What was paged, by incident; acknowledgements are stored on their own. */
  private notifiedWithoutAcks(): Record<string, Notified> {
    return Object.fromEntries([...this.notified].map(([id, { ack: _ack, ...n }]) => [id, n]));
  }

  private stateDocument(): SavedAlertState {
    const notified = this.notifiedWithoutAcks();
    const incidents = this.incidents.map(incidentJson);
    return { version: 1, alerts: this.evaluator.exportStates(), notified, open: this.tracker.export(), incidents, history: this.history };
  }

  /**
   * Restores saved state; what names a rack, CDU, row, hall or group the loaded site does not
   * have (another site's state in the same storage directory) is dropped and counted.
   */
  private async load(): Promise<void> {
    const r = await this.persistence.restore(this.live.site);
    if (!r) return;
    this.evaluator.restoreStates(r.alerts);
    // An acknowledgement stored before its notification was recorded apart was notified then.
    for (const [id, n] of r.notified) this.notified.set(id, n.ack && n.ackSentAtMs === undefined ? { ...n, ackSentAtMs: n.ack.atMs } : n);
    this.marks.restore(r);
    this.history = r.history.slice(0, this.cfg.historyLimit);
    this.tracker.restore(r.open);
    this.incidents = this.tracker.update(this.evaluator.active());
    if (r.dropped.alerts + r.dropped.notified + r.dropped.history > 0) this.dirty = true;
    this.log.info(`alerts: restored ${this.evaluator.active().length} active alerts in ${this.incidents.length} incidents`);
  }
}
