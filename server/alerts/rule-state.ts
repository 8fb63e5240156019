/**
 * The per-(rule, entity) alert state machine, pure and clock-free (times are arguments):
 *
 *   inactive ──trigger──▶ pending ──held for pendingMs──▶ firing ──clear held keepFiringMs──▶ inactive
 *                 ▲           │ value back below trigger                 │
 *                 └───────────┘                                          └─ notify / repeat
 *
 * Hysteresis: a firing alert clears only past the separate clear threshold. Missing data
 * (NaN, not ±Infinity) freezes the state: it never fires or clears a threshold alert (the stale/offline rules
 * speak for missing data). Flap damping: a (rule, entity) notifies at most once per
 * `minNotifyIntervalMs` (10 min by default), however often it fires.
 */
import type { AlertPhase } from '../../protocol/alerts.ts';

export type Comparison = 'above' | 'below';

export interface ThresholdRule {
  /** `above`: fires when value ≥ trigger, clears when value < clear (clear ≤ trigger). */
  comparison: Comparison;
  trigger: number;
  clear: number;
  /** Condition must hold this long before firing, ms. */
  pendingMs: number;
  /** A firing alert stays firing this long after the clear condition holds, ms. */
  keepFiringMs: number;
  /** While firing and unacknowledged, notify again every this many ms (0 = never). */
  repeatMs: number;
  /** Flap damping: the least time between two notifications, ms. */
  minNotifyIntervalMs: number;
}

export interface AlertState {
  phase: AlertPhase;
  /** When the current phase's condition started holding, ms. */
  sinceMs: number;
  /** When the clear condition started holding while firing (NaN when it does not). */
  clearingSinceMs: number;
  firedAtMs: number;
  lastNotifiedMs: number;
  acknowledged: boolean;
  /** Last value seen (finite), for messages. */
  value: number;
}

export type AlertEvent = 'started-pending' | 'fired' | 'resolved' | 'repeat' | 'cancelled';

export interface Step {
  state: AlertState;
  events: AlertEvent[];
  /** Whether a notification goes out for these events (after flap damping). */
  notify: boolean;
}

export function initialState(): AlertState {
  return {
    phase: 'inactive', sinceMs: Number.NaN, clearingSinceMs: Number.NaN, firedAtMs: Number.NaN,
    lastNotifiedMs: Number.NEGATIVE_INFINITY, acknowledged: false, value: Number.NaN,
  };
}

/** Whether `v` meets the rule's trigger (an inactive alert with a value that does not stays inactive). */
export function triggered(rule: ThresholdRule, v: number): boolean {
  return rule.comparison === 'above' ? v >= rule.trigger : v <= rule.trigger;
}

function cleared(rule: ThresholdRule, v: number): boolean {
  return rule.comparison === 'above' ? v < rule.clear : v > rule.clear;
}

/** Advances one (rule, entity) by one observation `value` at `nowMs`. */
export function step(rule: ThresholdRule, prev: AlertState, value: number, nowMs: number): Step {
  const s: AlertState = { ...prev };
  const events: AlertEvent[] = [];
  // Only NaN is missing data; ±Infinity is a value ("no crossing projected" clears a time-to-limit alert).
  if (Number.isNaN(value)) return { state: s, events, notify: false };
  s.value = value;
  switch (s.phase) {
    case 'inactive':
      if (triggered(rule, value)) {
        s.phase = 'pending';
        s.sinceMs = nowMs;
        events.push('started-pending');
      }
      break;
    case 'pending':
      if (!triggered(rule, value)) {
        s.phase = 'inactive';
        s.sinceMs = Number.NaN;
        events.push('cancelled');
      }
      break;
    case 'firing':
      if (cleared(rule, value)) {
        if (Number.isNaN(s.clearingSinceMs)) s.clearingSinceMs = nowMs;
      } else {
        s.clearingSinceMs = Number.NaN;
      }
      break;
  }
  if (s.phase === 'pending' && nowMs - s.sinceMs >= rule.pendingMs) {
    s.phase = 'firing';
    s.firedAtMs = nowMs;
    s.clearingSinceMs = Number.NaN;
    s.acknowledged = false;
    events.push('fired');
  } else if (s.phase === 'firing' && !Number.isNaN(s.clearingSinceMs) && nowMs - s.clearingSinceMs >= rule.keepFiringMs) {
    s.phase = 'inactive';
    s.sinceMs = Number.NaN;
    s.clearingSinceMs = Number.NaN;
    s.acknowledged = false;
    events.push('resolved');
  } else if (
    s.phase === 'firing' && !s.acknowledged && rule.repeatMs > 0 &&
    nowMs - Math.max(s.lastNotifiedMs, s.firedAtMs) >= rule.repeatMs
  ) {
    events.push('repeat');
  }
  const wantsNotify = events.includes('fired') || events.includes('repeat') || events.includes('resolved');
  // Flap damping applies to new firings and repeats; a resolution is sent only if its firing was.
  let notify = false;
  if (events.includes('resolved')) notify = s.lastNotifiedMs >= prev.firedAtMs;
  else if (wantsNotify) notify = nowMs - s.lastNotifiedMs >= rule.minNotifyIntervalMs;
  if (notify && !events.includes('resolved')) s.lastNotifiedMs = nowMs;
  return { state: s, events, notify };
}

/** Acknowledging stops repeats until the alert resolves (and auto-clears with it). */
export function acknowledge(prev: AlertState): AlertState {
  return prev.phase === 'firing' ? { ...prev, acknowledged: true } : prev;
}
