/**
 * The alert rules file (config/alert-rules.json, docs/alerts.md): thresholds with a separate
 * clear value, pending and keep-firing times, repeat interval and flap damping, per scope.
 * `parseRules` names the path of the first bad field.
 */
import { fail, ok, type Result } from '../../protocol/result.ts';
import { SEVERITIES, type Severity } from '../../protocol/alerts.ts';
import type { ThresholdRule } from './rule-state.ts';

/** What each scope can watch. State signals are 1 while true (stale, offline, tripped, leak level). */
export const SIGNALS = {
  rack: [
    'returnC', 'deltaTK', 'flowHeadroomPct', 'captureRatio', 'thermalHeadroomPct', 'leak', 'stale', 'offline',
    'returnMinutesToLimit', 'returnSensorFrozenS', 'returnSensorNoiseK', 'rejectsPerMin',
  ],
  cdu: ['supplyOverSetpointK', 'headroomPct', 'n1HeadroomKw', 'approachK', 'flowImbalancePct', 'pumpShortfallPct', 'tripped', 'stale', 'offline'],
  hall: ['headroomPct', 'n1HeadroomKw'],
  /**
   * Hallwatch and its telemetry path: how far history is behind InfluxDB (s; NaN without
   * InfluxDB), the DSX bus's BMS heartbeat lost, and many racks and CDUs gone stale together
   * (1 while such a delay lasts; a rule on it judges every rack's and CDU's `stale`, see signals.ts).
   */
  site: ['historyBehindS', 'bmsHeartbeatLost', 'telemetryDelayed'],
} as const;
export type Scope = keyof typeof SIGNALS;

/** Units of the threshold signals, for headlines (state signals have none). */
const SIGNAL_UNITS: Record<string, string> = {
  returnC: ' °C', deltaTK: ' K', flowHeadroomPct: ' %', captureRatio: '', thermalHeadroomPct: ' %',
  supplyOverSetpointK: ' K', headroomPct: ' %', n1HeadroomKw: ' kW', approachK: ' K', flowImbalancePct: ' %',
  pumpShortfallPct: ' %', historyBehindS: ' s', returnSensorFrozenS: ' s', returnSensorNoiseK: ' K', rejectsPerMin: '/min',
};

/** How soon, for a time-to-limit value in minutes: "at its limit now", "in under 1 min", "in 8 min". */
function minutesText(minutes: number): string {
  if (minutes <= 0) return 'at its limit now';
  if (minutes < 1) return 'in under 1 min';
  return `in ${Math.round(minutes)} min`;
}

/** The value part of a headline: " — now 62.1 °C", " — in 8 min"; empty for state signals. */
export function signalText(signal: string, value: number): string {
  if (!Number.isFinite(value)) return '';
  if (signal === 'returnMinutesToLimit') return ` — ${minutesText(value)}`;
  const unit = SIGNAL_UNITS[signal];
  if (unit === undefined) return '';
  return ` — now ${Math.abs(value) >= 100 ? value.toFixed(0) : signal === 'captureRatio' ? value.toFixed(2) : value.toFixed(1)}${unit}`;
}

export interface Rule extends ThresholdRule {
  id: string;
  severity: Severity;
  scope: Scope;
  signal: string;
  summary: string;
  /** One line of what to do, with `ACTION_PLACEHOLDERS` to fill; null when the rule has none. */
  action: string | null;
}

/**
 * What an action line may name, filled when an incident is shown (incident-impact.ts): the ID
 * of the incident's root cause, its redundancy group (by its row when the group is one row), its hall.
 */
export const ACTION_PLACEHOLDERS = ['{entity}', '{group}', '{hall}'] as const;
/** An action line longer than this is not one line on a wall or in a page. */
const MAX_ACTION_CHARS = 240;

type Obj = Record<string, unknown>;
class RulesError extends Error {}
const need = (c: boolean, path: string, what: string) => {
  if (!c) throw new RulesError(`${path}: ${what}`);
};

function num(o: Obj, key: string, path: string, dflt?: number): number {
  const v = o[key] ?? dflt;
  need(typeof v === 'number' && Number.isFinite(v), `${path}.${key}`, `must be a finite number, got ${JSON.stringify(o[key])}`);
  return v as number;
}

function seconds(o: Obj, key: string, path: string, dflt: number): number {
  const v = num(o, key, path, dflt);
  need(v >= 0 && v <= 7 * 86_400, `${path}.${key}`, 'must be between 0 and 604800 s');
  return v * 1000;
}

/** The rule's `action`: absent, or one line naming only known placeholders. */
function action(o: Obj, path: string): string | null {
  if (o.action === undefined) return null;
  const p = `${path}.action`;
  need(typeof o.action === 'string' && o.action.trim() !== '', p, `must be a non-empty string, got ${JSON.stringify(o.action)}`);
  const text = (o.action as string).trim();
  need(!/[\r\n]/.test(text), p, 'must be one line');
  need(text.length <= MAX_ACTION_CHARS, p, `must be at most ${MAX_ACTION_CHARS} characters, got ${text.length}`);
  for (const m of text.match(/\{[^}]*\}/g) ?? []) {
    need((ACTION_PLACEHOLDERS as readonly string[]).includes(m), p, `unknown placeholder ${m} (use ${ACTION_PLACEHOLDERS.join(', ')})`);
  }
  return text;
}

/** Validates a decoded rules file. */
export function parseRules(v: unknown): Result<Rule[], 'invalid_rules'> {
  try {
    need(typeof v === 'object' && v !== null && !Array.isArray(v), 'rules', 'must be an object');
    const root = v as Obj;
    need(root.version === 1, 'rules.version', `must be 1, got ${JSON.stringify(root.version)}`);
    const d = (root.defaults ?? {}) as Obj;
    need(typeof d === 'object' && d !== null, 'rules.defaults', 'must be an object');
    need(Array.isArray(root.rules), 'rules.rules', 'must be an array');
    const ids = new Set<string>();
    const rules = (root.rules as unknown[]).map((r, i): Rule => {
      const p = `rules.rules[${i}]`;
      need(typeof r === 'object' && r !== null && !Array.isArray(r), p, 'must be an object');
      const o = r as Obj;
      need(typeof o.id === 'string' && /^[a-z0-9][a-z0-9-]{0,63}$/.test(o.id), `${p}.id`, `must be a lower-case ID, got ${JSON.stringify(o.id)}`);
      need(!ids.has(o.id as string), `${p}.id`, `duplicate rule ID "${o.id}"`);
      ids.add(o.id as string);
      need(SEVERITIES.includes(o.severity as Severity), `${p}.severity`, `must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(o.severity)}`);
      const scopes = Object.keys(SIGNALS);
      need(typeof o.scope === 'string' && o.scope in SIGNALS, `${p}.scope`, `must be one of ${scopes.join(', ')}, got ${JSON.stringify(o.scope)}`);
      const scope = o.scope as Scope;
      const signals: readonly string[] = SIGNALS[scope];
      const signalHint = `must be one of ${signals.join(', ')} for scope ${scope}, got ${JSON.stringify(o.signal)}`;
      need(signals.includes(o.signal as string), `${p}.signal`, signalHint);
      need(o.comparison === 'above' || o.comparison === 'below', `${p}.comparison`, 'must be "above" or "below"');
      const comparison = o.comparison as 'above' | 'below';
      const trigger = num(o, 'trigger', p);
      const clear = num(o, 'clear', p, trigger);
      const safeSide = comparison === 'above' ? '≤' : '≥';
      const clearHint = `must be on the safe side of trigger (${safeSide} ${trigger}) for hysteresis`;
      need(comparison === 'above' ? clear <= trigger : clear >= trigger, `${p}.clear`, clearHint);
      return {
        id: o.id as string,
        severity: o.severity as Severity,
        scope,
        signal: o.signal as string,
        comparison,
        trigger,
        clear,
        summary: typeof o.summary === 'string' ? o.summary : `${o.signal} ${comparison} ${trigger}`,
        action: action(o, p),
        pendingMs: seconds(o, 'pendingS', p, num(d, 'pendingS', 'rules.defaults', 60)),
        keepFiringMs: seconds(o, 'keepFiringS', p, num(d, 'keepFiringS', 'rules.defaults', 30)),
        repeatMs: seconds(o, 'repeatS', p, num(d, 'repeatS', 'rules.defaults', 3600)),
        minNotifyIntervalMs: seconds(o, 'minNotifyIntervalS', p, num(d, 'minNotifyIntervalS', 'rules.defaults', 600)),
      };
    });
    return ok(rules);
  } catch (e) {
    if (e instanceof RulesError) return fail('invalid_rules', e.message);
    throw e;
  }
}
