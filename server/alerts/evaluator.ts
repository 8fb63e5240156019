/**
 * Evaluates every rule on every entity of its scope, once a second (in slices), and reports transitions.
 * Holds one AlertState per (rule, entity); a reloaded rules file keeps the states of rules
 * whose ID survives.
 */
import type { LiveState } from '../state/live-state.ts';
import type { MemoryWindow } from '../history/memory-window.ts';
import { initialState, step, triggered, type AlertEvent, type AlertState } from './rule-state.ts';
import type { Rule } from './rules.ts';
import { cduSignal, hallSignal, judgedStale, rackSignal, siteDetail, siteSignal, TrendCache, type SiteSignals } from './signals.ts';

export interface Transition {
  rule: Rule;
  /** `rack:{id}`, `cdu:{id}` or `hall:{id}`. */
  entity: string;
  events: AlertEvent[];
  notify: boolean;
  state: AlertState;
}

export interface ActiveAlert {
  rule: Rule;
  entity: string;
  state: AlertState;
  /** What it says beyond its rule's summary, as of its last evaluation (a site alert that counts what it covers). */
  detail?: string;
}

export class AlertEvaluator {
  private states = new Map<string, ActiveAlert>();
  private readonly trends = new Map<string, TrendCache>();
  /** State-map keys per rule and entity (`rule|rack:id`), built once: evaluation runs every second over every rack. */
  private readonly keys = new Map<string, string[]>();
  /**
   * Per rule, 1 where an entity has a kept state: a pass over a 1 GW site visits ~120,000 (rule,
   * entity) pairs a second and almost none of them has a state, so the map is looked up only here.
   */
  private readonly held = new Map<string, Uint8Array>();
  /**
   * Whether a rule reports telemetry delays: then a rack's or CDU's `stale` is judged (signals.ts
   * `judgedStale`) — silent within a delay of many, which that rule's one alert speaks for.
   */
  private judgesDelays: boolean;

  constructor(
    private rules: Rule[],
    private readonly live: LiveState,
    private readonly memory: MemoryWindow | null,
    private readonly siteSignals: SiteSignals = {},
  ) {
    const site = live.site;
    this.judgesDelays = reportsDelays(rules);
    this.entities = {
      rack: site.racks.map((r) => `rack:${r.id}`),
      cdu: site.cdus.map((c) => `cdu:${c.id}`),
      hall: site.view.halls.map((h) => `hall:${h.id}`),
      site: ['site:site'],
    };
  }

  /** Entity names by scope and index, built once. */
  private readonly entities: Record<Rule['scope'], string[]>;

  setRules(rules: Rule[]): void {
    const ids = new Set(rules.map((r) => r.id));
    const byId = new Map(rules.map((r) => [r.id, r]));
    for (const [key, v] of this.states) {
      if (!ids.has(v.rule.id)) this.states.delete(key);
      else v.rule = byId.get(v.rule.id)!;
    }
    this.rules = rules;
    this.judgesDelays = reportsDelays(rules);
    // A rule's scope may have changed with its file: its flags are rebuilt from the states kept.
    this.held.clear();
  }

  /**
   * One evaluation pass at `nowMs`, of every rule on rack and CDU `slice` of `slices` (index
   * modulo `slices`; halls and the site with slice 0). The service runs one slice per state tick,
   * a round a second: a whole pass over a 1 GW site in one go held the event loop for up to 300 ms.
   */
  evaluate(nowMs: number, slice = 0, slices = 1): Transition[] {
    const out: Transition[] = [];
    const site = this.live.site;
    for (const rule of this.rules) {
      const names = this.entities[rule.scope];
      const held = this.heldOf(rule);
      let trend = this.trends.get(rule.id);
      if (!trend && rule.scope === 'rack' && rule.signal === 'returnMinutesToLimit') this.trends.set(rule.id, (trend = new TrendCache(site.racks.length)));
      const judged = this.judgesDelays && rule.signal === 'stale';
      if (rule.scope === 'rack') {
        for (let i = slice; i < names.length; i += slices) {
          const v = judged ? judgedStale(this.live, 'rack', i, nowMs) : rackSignal(this.live, i, rule.signal, nowMs, this.memory, trend);
          // The common case: nothing pending or firing and no trigger — no state to keep.
          if (held[i] === 1 || (!Number.isNaN(v) && triggered(rule, v))) this.visit(rule, held, i, v, nowMs, out);
        }
      } else if (rule.scope === 'cdu') {
        for (let j = slice; j < names.length; j += slices) this.visitCdu(rule, held, j, nowMs, out);
      } else if (slice === 0 && rule.scope === 'hall') {
        for (let h = 0; h < names.length; h++) this.visit(rule, held, h, hallSignal(this.live, h, rule.signal), nowMs, out);
      } else if (slice === 0) {
        this.visit(rule, held, 0, siteSignal(this.siteSignals, rule.signal, this.live), nowMs, out, siteDetail(this.live, rule.signal, nowMs));
      }
    }
    return out;
  }

  /**
   * Every CDU rule on `cdus` at `nowMs`, now rather than in their turn (the CDUs of a group whose
   * unit tripped or came back). Stepping a rule again at the same time changes nothing, so a CDU
   * its slice steps on the same tick is no concern.
   */
  evaluateCdus(nowMs: number, cdus: readonly number[]): Transition[] {
    const out: Transition[] = [];
    if (cdus.length === 0) return out;
    for (const rule of this.rules) {
      if (rule.scope !== 'cdu') continue;
      const held = this.heldOf(rule);
      for (const j of cdus) this.visitCdu(rule, held, j, nowMs, out);
    }
    return out;
  }

  private visitCdu(rule: Rule, held: Uint8Array, j: number, nowMs: number, out: Transition[]): void {
    const v = this.judgesDelays && rule.signal === 'stale' ? judgedStale(this.live, 'cdu', j, nowMs) : cduSignal(this.live, j, rule.signal);
    if (held[j] === 1 || (!Number.isNaN(v) && triggered(rule, v))) this.visit(rule, held, j, v, nowMs, out);
  }

  /** Steps (rule, entity `k`) with `value` (and `detail`), keeping its state only while it is not plainly inactive. */
  private visit(rule: Rule, held: Uint8Array, k: number, value: number, nowMs: number, out: Transition[], detail?: string): void {
    let keys = this.keys.get(rule.id);
    if (!keys) this.keys.set(rule.id, (keys = []));
    const entity = this.entities[rule.scope][k];
    const key = (keys[k] ??= `${rule.id}|${entity}`);
    const saved = this.states.get(key);
    if (!saved && !(!Number.isNaN(value) && triggered(rule, value))) return;
    const r = step(rule, saved?.state ?? initialState(), value, nowMs);
    if (r.state.phase === 'inactive' && r.events.length === 0) {
      this.states.delete(key);
      held[k] = 0;
      return;
    }
    this.states.set(key, detail === undefined ? { rule, entity, state: r.state } : { rule, entity, state: r.state, detail });
    held[k] = 1;
    if (r.events.length) out.push({ rule, entity, events: r.events, notify: r.notify, state: r.state });
  }

  /** The rule's held-state flags, rebuilt from the states when first asked for. */
  private heldOf(rule: Rule): Uint8Array {
    let held = this.held.get(rule.id);
    if (!held) {
      const names = this.entities[rule.scope];
      held = new Uint8Array(names.length);
      const index = new Map(names.map((n, k) => [n, k]));
      for (const v of this.states.values()) {
        const k = v.rule.id === rule.id ? index.get(v.entity) : undefined;
        if (k !== undefined) held[k] = 1;
      }
      this.held.set(rule.id, held);
    }
    return held;
  }

  /** Marks one firing alert acknowledged (stops its repeats until it resolves). */
  acknowledge(ruleId: string, entity: string): void {
    const v = this.states.get(`${ruleId}|${entity}`);
    if (v && v.state.phase === 'firing') v.state = { ...v.state, acknowledged: true };
  }

  /** States worth keeping across a restart. */
  exportStates(): { ruleId: string; entity: string; state: AlertState }[] {
    return [...this.states.values()].map((v) => ({ ruleId: v.rule.id, entity: v.entity, state: v.state }));
  }

  /** Restores saved states for rules that still exist. */
  restoreStates(saved: { ruleId: string; entity: string; state: AlertState }[]): void {
    const byId = new Map(this.rules.map((r) => [r.id, r]));
    for (const s of saved) {
      const rule = byId.get(s.ruleId);
      if (!rule || typeof s.state?.phase !== 'string') continue;
      const state = { ...s.state, lastNotifiedMs: s.state.lastNotifiedMs ?? Number.NEGATIVE_INFINITY };
      this.states.set(`${rule.id}|${s.entity}`, { rule, entity: s.entity, state });
    }
    this.held.clear();
  }

  /** Pending and firing alerts. */
  active(): ActiveAlert[] {
    return [...this.states.values()].filter((v) => v.state.phase !== 'inactive');
  }
}

/** Whether `rules` report telemetry delays (a `telemetryDelayed` site rule). */
function reportsDelays(rules: Rule[]): boolean {
  return rules.some((r) => r.scope === 'site' && r.signal === 'telemetryDelayed');
}
