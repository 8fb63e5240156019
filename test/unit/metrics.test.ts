import { describe, expect, it } from 'vitest';
import { Metrics } from '../../server/http/metrics.ts';

describe('Metrics', () => {
  it('counts through bound and unbound series, and renders them with their types', async () => {
    const m = new Metrics();
    const c = m.counter('hw_things_total', 'Things, by kind', ['kind']);
    const rack = c.with({ kind: 'rack' });
    rack();
    rack(4);
    c({ kind: 'cdu' });
    c({ kind: 'rack' }, 2);
    m.gauge('hw_level', 'A level by hall', () => [[{ hall: 'h1' }, 3], [{ hall: 'h2' }, 4.5]], ['hall']);
    let dropped = 7;
    m.counterFrom('hw_dropped_total', 'Dropped, kept elsewhere', ['reason'], () => [[{ reason: 'full' }, dropped]]);
    expect(m.value('hw_things_total', { kind: 'rack' })).toBe(7);
    expect(m.value('hw_things_total', { kind: 'cdu' })).toBe(1);
    expect(m.value('hw_level', { hall: 'h2' })).toBe(4.5);
    expect(m.value('hw_nothing')).toBe(0);
    const text = await m.render();
    expect(text).toContain('# TYPE hw_things_total counter\nhw_things_total{kind="rack"} 7\nhw_things_total{kind="cdu"} 1\n');
    expect(text).toContain('# TYPE hw_level gauge\nhw_level{hall="h1"} 3\nhw_level{hall="h2"} 4.5\n');
    dropped = 9;
    expect(await m.render()).toContain('hw_dropped_total{reason="full"} 9\n');
  });

  it('shows a label-less counter at 0 before its first event', async () => {
    const m = new Metrics();
    m.counter('hw_retries_total', 'Retries');
    expect(await m.render()).toContain('hw_retries_total 0\n');
  });

  it('escapes label values: a hostile value cannot add a label or a line', async () => {
    const m = new Metrics();
    m.counter('hw_x_total', 'x', ['id'])({ id: 'a"b\\c\nd{e="f"}' });
    expect(await m.render()).toContain('hw_x_total{id="a\\"b\\\\c\\nd{e=\\"f\\"}"} 1\n');
  });

  it('refuses a label the counter did not declare, naming it', () => {
    const m = new Metrics();
    const c = m.counter('hw_y_total', 'y', ['kind']);
    expect(() => c({ other: 'v' })).toThrow('metric hw_y_total: label "other" is not one of [kind]');
  });
});
