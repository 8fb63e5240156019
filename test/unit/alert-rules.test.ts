import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseRules, signalText } from '../../server/alerts/rules.ts';

const shipped = () => JSON.parse(readFileSync('config/alert-rules.json', 'utf8'));

describe('parseRules()', () => {
  it('accepts the shipped defaults, with seconds turned into ms', () => {
    const r = parseRules(shipped());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const ret = r.value.find((x) => x.id === 'rack-return-warning')!;
    expect(ret).toMatchObject({ trigger: 52, clear: 51, pendingMs: 60_000, keepFiringMs: 30_000, repeatMs: 3_600_000, minNotifyIntervalMs: 600_000 });
  });

  it('every shipped rule carries one line of action', () => {
    const r = parseRules(shipped());
    if (!r.ok) throw new Error(r.message);
    expect(r.value.filter((x) => !x.action).map((x) => x.id)).toEqual([]);
  });

  it('keeps a rule without an action (null), and names a bad placeholder', () => {
    const f = shipped();
    delete f.rules[0].action;
    const r = parseRules(f);
    expect(r.ok && r.value[0].action).toBeNull();
    f.rules[0].action = 'check {rack} now';
    const bad = parseRules(f);
    expect(!bad.ok && bad.message).toBe('rules.rules[0].action: unknown placeholder {rack} (use {entity}, {group}, {hall})');
  });

  it.each([
    ['rules.version', (f: any) => (f.version = 2)],
    ['rules.rules[0].id', (f: any) => (f.rules[0].id = 'Bad ID')],
    ['rules.rules[1].id', (f: any) => (f.rules[1].id = f.rules[0].id)],
    ['rules.rules[0].severity', (f: any) => (f.rules[0].severity = 'urgent')],
    ['rules.rules[0].scope', (f: any) => (f.rules[0].scope = 'pdu')],
    ['rules.rules[0].signal', (f: any) => (f.rules[0].signal = 'n1HeadroomKw')],
    ['rules.rules[0].comparison', (f: any) => (f.rules[0].comparison = 'over')],
    ['rules.rules[0].trigger', (f: any) => (f.rules[0].trigger = '52')],
    ['rules.rules[0].clear', (f: any) => (f.rules[0].clear = 53)],
    ['rules.rules[0].pendingS', (f: any) => (f.rules[0].pendingS = -1)],
    ['rules.defaults.repeatS', (f: any) => (f.defaults.repeatS = 'hourly')],
    ['rules.rules[0].action', (f: any) => (f.rules[0].action = 42)],
    ['rules.rules[0].action', (f: any) => (f.rules[0].action = '  ')],
    ['rules.rules[0].action', (f: any) => (f.rules[0].action = 'isolate it\nthen call')],
    ['rules.rules[0].action', (f: any) => (f.rules[0].action = 'x'.repeat(241))],
    ['rules.rules[0].action', (f: any) => (f.rules[0].action = 'check {rack} now')],
  ])('names %s when it is bad', (path, mutate) => {
    const f = shipped();
    mutate(f);
    const r = parseRules(f);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.startsWith(path + ':')).toBe(true);
  });
});

describe('signalText(): the value part of a headline', () => {
  it.each([
    ['returnMinutesToLimit', 0, ' — at its limit now'],
    ['returnMinutesToLimit', 0.4, ' — in under 1 min'],
    ['returnMinutesToLimit', 0.99, ' — in under 1 min'],
    ['returnMinutesToLimit', 1.2, ' — in 1 min'],
    ['returnMinutesToLimit', 7.4, ' — in 7 min'],
    ['returnMinutesToLimit', Number.POSITIVE_INFINITY, ''],
    ['returnMinutesToLimit', Number.NaN, ''],
    ['returnC', 62.14, ' — now 62.1 °C'],
    ['n1HeadroomKw', -182.4, ' — now -182 kW'],
    ['stale', 1, ''],
  ])('%s = %d reads "%s"', (signal, value, text) => expect(signalText(signal, value)).toBe(text));
});
