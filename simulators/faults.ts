/**
 * Fault commands, the same text at start (`--fault`), on the MQTT control topic and over HTTP:
 *   cdu-degrade:CDU:PCT     pump delivers PCT % less flow
 *   cdu-trip:CDU            CDU stops; its N+1 partners take the load
 *   supply-excursion:CDU:K  the CDU's supply runs K kelvin above setpoint
 *   clog:RACK:PCT           clogged cold plate: rack flow down PCT %, return up
 *   leak:RACK[:LEVEL]       leak detector at 1 (warning) or 2 (critical, default)
 *   sensor-stuck:RACK       return sensor frozen at its last value
 *   sensor-noisy:RACK[:K]   return sensor noise of K kelvin (default 3)
 *   offline:RACK|CDU        the publisher's MQTT connection drops (the broker sends its Last Will)
 *   silent:RACK|CDU         the publisher stays connected but stops sending (a hung gateway: stale)
 *   surge:RACK|ROW|HALL     workload forced to full load
 *   clear:ID                clears every fault on ID;  clear-all  clears everything
 */
import { fail, ok, type Result } from '../protocol/result.ts';

export type FaultCommand =
  | { kind: 'cdu-degrade'; target: string; pct: number }
  | { kind: 'cdu-trip'; target: string }
  | { kind: 'supply-excursion'; target: string; kelvin: number }
  | { kind: 'clog'; target: string; pct: number }
  | { kind: 'leak'; target: string; level: 1 | 2 }
  | { kind: 'sensor-stuck'; target: string }
  | { kind: 'sensor-noisy'; target: string; kelvin: number }
  | { kind: 'offline'; target: string }
  | { kind: 'silent'; target: string }
  | { kind: 'surge'; target: string }
  | { kind: 'clear'; target: string }
  | { kind: 'clear-all' };

function number(text: string | undefined, what: string, min: number, max: number, dflt?: number): number | string {
  if (text === undefined || text === '') {
    if (dflt !== undefined) return dflt;
    return `${what} is required`;
  }
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || v > max) return `${what} must be a number in [${min}, ${max}], got "${text}"`;
  return v;
}

/** Parses one fault command; the error names what is wrong. */
export function parseFault(text: string): Result<FaultCommand, 'bad_fault'> {
  const parts = text.trim().split(':');
  const [kind, target, arg] = parts;
  if (kind === 'clear-all') return ok({ kind });
  if (!target) return fail('bad_fault', `fault "${text}": missing target ID (format kind:ID[:value])`);
  const withNumber = (what: string, min: number, max: number, dflt: number | undefined, build: (v: number) => FaultCommand) => {
    const v = number(arg, what, min, max, dflt);
    return typeof v === 'string' ? fail('bad_fault', `fault "${text}": ${v}`) : ok(build(v));
  };
  switch (kind) {
    case 'cdu-degrade':
      return withNumber('percentage', 0, 100, undefined, (pct) => ({ kind, target, pct }));
    case 'supply-excursion':
      return withNumber('kelvin', -20, 30, undefined, (kelvin) => ({ kind, target, kelvin }));
    case 'clog':
      return withNumber('percentage', 0, 100, undefined, (pct) => ({ kind, target, pct }));
    case 'leak':
      return withNumber('level', 1, 2, 2, (level) => ({ kind, target, level: level >= 2 ? 2 : 1 }));
    case 'sensor-noisy':
      return withNumber('kelvin', 0, 20, 3, (kelvin) => ({ kind, target, kelvin }));
    case 'cdu-trip':
    case 'sensor-stuck':
    case 'offline':
    case 'silent':
    case 'surge':
    case 'clear':
      return ok({ kind, target } as FaultCommand);
    default: {
      const kinds = 'cdu-degrade, cdu-trip, supply-excursion, clog, leak, sensor-stuck, sensor-noisy, offline, silent, surge, clear, clear-all';
      return fail('bad_fault', `fault "${text}": unknown kind "${kind}" (${kinds})`);
    }
  }
}
