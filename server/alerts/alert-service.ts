/**
 * Runs the alert rules against the live state once a second, a share on each state tick (and at
 * once on the CDUs of a group whose unit tripped or came back), groups firing alerts into
 * incidents, and queues one notification per incident change (firing, repeat, resolved) in the
 * durable outbox. Alert state, which incidents were notified, acknowledgements and silences are
 * stored (alert-state-store.ts), so a restart neither forgets an incident nor pages it again.
 *
 * The facade over its parts: the evaluation they share (alert-book.ts), a round's conclusion
 * (alert-round.ts), the pair's leadership (alert-leadership.ts), acknowledgements
 * (alert-acks.ts), notifications (alert-notices.ts) and the stored evaluation (saved-evaluation.ts).
 */
import type { Logger } from '../logger.ts';
import type { LiveState } from '../state/live-state.ts';
import type { MemoryWindow } from '../history/memory-window.ts';
import { AlertEvaluator, type Transition } from './evaluator.ts';
import { IncidentTracker } from './incidents.ts';
import { liveIncidentFacts } from './incident-facts.ts';
import type { AlertsSnapshot, ResolvedIncident, Silence } from '../../protocol/alerts.ts';
import type { NotificationQueue } from './outbox.ts';
import { alertJson, incidentJson, type Channel } from './notification.ts';
import { SilenceBook, type NewSilence } from './silence-book.ts';
import { IncidentNotifier } from './incident-notifier.ts';
import type { SiteSignals } from './signals.ts';
import type { AlertStateStore } from './alert-state-store.ts';
import { AlertPersistence, type SaveError } from './alert-persistence.ts';
import { AlertRules, type RuleStore } from './rule-store.ts';
import type { StateTick } from '../state/state-ticker.ts';
import { OperatorMarks } from './operator-marks.ts';
import { AlertBook } from './alert-book.ts';
import { AlertLeadership, type Leadership } from './alert-leadership.ts';
import { AlertNotices } from './alert-notices.ts';
import { IncidentAcks } from './alert-acks.ts';
import { AlertRound } from './alert-round.ts';
import { SavedEvaluation } from './saved-evaluation.ts';
import { storyHeadline } from './incident-story.ts';
import { ALERT_RESAVE_MS } from './restore-horizon.ts';

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
  leadership?: Leadership;
}

export class AlertService {
  readonly evaluator: AlertEvaluator;
  /** The rules: reloaded on SIGHUP, replaced by the admin API. */
  readonly rules: AlertRules;
  /** Whole passes over the site concluded (incidents grouped, notifications queued) since start. */
  evaluations = 0;
  private readonly book = new AlertBook();
  private readonly silences: SilenceBook;
  /** Acknowledgements and silences as stored (shared with another server with `--cluster`). */
  private readonly marks: OperatorMarks;
  private readonly persistence: AlertPersistence;
  private readonly role: AlertLeadership;
  private readonly notices: AlertNotices;
  private readonly acks: IncidentAcks;
  private readonly round: AlertRound;
  private readonly saved: SavedEvaluation;
  private unfollow: () => void = () => undefined;
  /** Transitions of this round's slices not yet concluded. */
  private sliced: Transition[] = [];
  /** Whether `start()` loaded the saved state. */
  private loaded = false;
  private readonly live: LiveState;
  private readonly clock: () => number;
  private readonly log: Logger;

  constructor(deps: AlertServiceDeps) {
    ({ live: this.live, clock: this.clock, log: this.log } = deps);
    const { log, clock } = deps;
    const book = this.book;
    const notifier = new IncidentNotifier(deps.outbox, deps.channels, deps.cfg.publicUrl, log);
    this.silences = new SilenceBook(deps.live.site);
    this.evaluator = new AlertEvaluator([], deps.live, deps.memory, deps.siteSignals ?? {});
    const tracker = new IncidentTracker(deps.live.site, liveIncidentFacts(deps.live));
    this.rules = new AlertRules(deps.rules, (rules) => this.evaluator.setRules(rules), log);
    this.persistence = new AlertPersistence(deps.state, log, clock);
    this.marks = new OperatorMarks(this.persistence, this.silences, (own) => this.acks.adopt(own));
    this.role = new AlertLeadership(deps.leadership ?? null, book, this.persistence, tracker, this.evaluator, log);
    const canNotify = () => this.role.canNotify();
    this.notices = new AlertNotices(notifier, this.silences, book);
    this.acks = new IncidentAcks(book, this.marks, this.evaluator, this.notices, canNotify, clock, log);
    const { evaluator, marks, acks, notices, persistence } = this;
    const historyLimit = deps.cfg.historyLimit;
    this.round = new AlertRound({ book, evaluator, tracker, marks, acks, notices, canNotify, historyLimit });
    this.saved = new SavedEvaluation({ book, persistence, evaluator, tracker, marks, notifier, historyLimit, clock, log });
  }

  /** Whether this server turns alerts into notifications now: checked at each one, so a leader whose lease ran out stops at once. */
  canNotify(): boolean {
    return this.role.canNotify();
  }

  /**
   * Becomes the leader: adopts the evaluation the last leader stored, so what it already paged is
   * not paged again, then notifies from the current state (AlertLeadership.lead).
   */
  lead(): Promise<void> {
    return this.role.lead();
  }

  /** Stops notifying and storing the evaluation: the other server leads. */
  follow(): void {
    this.role.follow();
  }

  /** A clean stop of the leader: stores the evaluation while it still leads, then follows (the lease is let go next). */
  async handOver(): Promise<void> {
    if (this.role.leading && this.loaded) await this.saved.save();
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
    await this.saved.load(this.live.site);
    this.loaded = true;
    this.unfollow = this.marks.follow();
  }

  /** Stores the evaluation (not when it never loaded: that would overwrite it with nothing); the marks are stored as they change. */
  async stop(): Promise<void> {
    this.rules.stop();
    this.unfollow();
    if (!this.loaded) return;
    await (this.role.leading ? this.saved.save() : undefined);
  }

  /** Open incidents, alerts and silences; resolved history only when asked (it is the bulk). */
  snapshot(includeHistory = false): AlertsSnapshot {
    const now = this.clock();
    return {
      nowMs: now,
      incidents: this.book.incidents.map((i) => ({
        ...incidentJson(i),
        acknowledged: this.book.notified.get(i.id)?.ack ?? null,
        silencedBy: this.notices.silenceFor(i, now)?.id ?? null,
        ...storyHeadline(this.book.stories.get(i.id)),
      })),
      alerts: this.evaluator.active().map(alertJson),
      silences: this.silences.current(now),
      ...(includeHistory ? { history: this.book.history } : {}),
    };
  }

  /** Resolved incidents with their stories, newest first. */
  history(): ResolvedIncident[] {
    return this.book.history;
  }

  /**
   * Acknowledges every alert of an incident, with who, when and why; cleared when it resolves.
   * Resolves once stored; rejects with EditConflictError when another server acknowledged it meanwhile.
   */
  acknowledge(incidentId: string, by: string, comment: string): Promise<string | null> {
    return this.acks.acknowledge(incidentId, by, comment);
  }

  /** Adds a silence; resolves once stored. */
  async addSilence(s: NewSilence): Promise<Silence> {
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
    this.role.beforeRound(now);
    const paged = this.round.conclude(transitions, now);
    // Saved at most every 2 s while it changes; a pair stores a page at once: a new leader must not decide it again under another start time.
    // Saved again when it has not changed for a while: its save time tells a restart how old it is (restore-horizon.ts).
    const due = this.book.dirty && (now - this.saved.lastSaveMs > 2000 || (paged && this.role.paired));
    if (this.role.leading && this.loaded && (due || now - this.saved.lastSaveMs > ALERT_RESAVE_MS)) void this.saved.save();
    this.evaluations++;
  }
}
