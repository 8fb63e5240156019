import { describe, expect, it } from 'vitest';
import { acknowledge, initialState, step, type AlertEvent, type ThresholdRule } from '../../server/alerts/rule-state.ts';

// Rack return temperature, domain.md §4: warning ≥ 52 °C, 1 K hysteresis, 2 min pending.
const RETURN: ThresholdRule = {
  comparison: 'above', trigger: 52, clear: 51,
  pendingMs: 120_000, keepFiringMs: 30_000, repeatMs: 3_600_000, minNotifyIntervalMs: 600_000,
};
// Flow below 90 % of setpoint for 100 s (Vertiv default), as a share of setpoint.
const FLOW: ThresholdRule = { comparison: 'below', trigger: 90, clear: 92, pendingMs: 100_000, keepFiringMs: 0, repeatMs: 0, minNotifyIntervalMs: 600_000 };

/** Runs samples [tSeconds, value] and returns the events and notifications in order. */
function run(rule: ThresholdRule, samples: [number, number][]) {
  let s = initialState();
  const out: { t: number; events: AlertEvent[]; notify: boolean }[] = [];
  for (const [t, v] of samples) {
    const r = step(rule, s, v, t * 1000);
    s = r.state;
    if (r.events.length) out.push({ t, events: r.events, notify: r.notify });
  }
  return { state: s, out };
}

describe('alert state machine', () => {
  it.each([
    {
      why: 'fires only after the pending period holds',
      rule: RETURN,
      samples: [[0, 50], [10, 52.5], [60, 53], [129, 53], [130, 53]] as [number, number][],
      expected: [{ t: 10, events: ['started-pending'], notify: false }, { t: 130, events: ['fired'], notify: true }],
    },
    {
      why: 'cancels a pending alert that dips back below the trigger',
      rule: RETURN,
      samples: [[0, 52.5], [60, 51.8], [200, 51.8]] as [number, number][],
      expected: [{ t: 0, events: ['started-pending'], notify: false }, { t: 60, events: ['cancelled'], notify: false }],
    },
    {
      why: 'holds firing inside the hysteresis band and resolves after keep-firing past the clear threshold',
      rule: RETURN,
      samples: [[0, 53], [120, 53], [200, 51.5], [400, 51.2], [500, 50.9], [529, 50.9], [530, 50.9]] as [number, number][],
      expected: [
        { t: 0, events: ['started-pending'], notify: false },
        { t: 120, events: ['fired'], notify: true },
        { t: 530, events: ['resolved'], notify: true },
      ],
    },
    {
      why: 'works for "below" rules (flow under 90 % of setpoint)',
      rule: FLOW,
      samples: [[0, 95], [10, 88], [110, 88], [120, 91], [130, 92.5]] as [number, number][],
      expected: [
        { t: 10, events: ['started-pending'], notify: false },
        { t: 110, events: ['fired'], notify: true },
        { t: 130, events: ['resolved'], notify: true },
      ],
    },
    {
      // A time-to-limit alert (fires below 10 min, clears above) whose projection becomes "never".
      why: 'clears on an infinite value: no crossing projected is a value, not missing data',
      rule: { ...FLOW, trigger: 10, clear: 10, pendingMs: 60_000 },
      samples: [[0, 8], [60, 7], [70, Number.POSITIVE_INFINITY], [80, Number.POSITIVE_INFINITY]] as [number, number][],
      expected: [
        { t: 0, events: ['started-pending'], notify: false },
        { t: 60, events: ['fired'], notify: true },
        { t: 70, events: ['resolved'], notify: true },
      ],
    },
    {
      why: 'never fires or clears on missing data',
      rule: RETURN,
      samples: [[0, Number.NaN], [10, 53], [100, Number.NaN], [130, 53], [200, Number.NaN], [400, Number.NaN]] as [number, number][],
      expected: [{ t: 10, events: ['started-pending'], notify: false }, { t: 130, events: ['fired'], notify: true }],
    },
  ])('$why', ({ rule, samples, expected }) => {
    expect(run(rule, samples).out).toEqual(expected);
  });

  it('damps a flapping signal to at most one notification per 10 minutes', () => {
    const rule = { ...FLOW, pendingMs: 0 };
    const samples: [number, number][] = [];
    // Oscillates across both thresholds every 20 s for 30 minutes.
    for (let t = 0; t < 1800; t += 10) samples.push([t, Math.floor(t / 20) % 2 === 0 ? 85 : 95]);
    const { out } = run(rule, samples);
    const fired = out.filter((e) => e.events.includes('fired'));
    const sentFirings = fired.filter((e) => e.notify).map((e) => e.t);
    expect(fired.length).toBeGreaterThan(40);
    expect(sentFirings).toEqual([0, 600, 1200]);
    // A resolution is sent only for a firing that was sent.
    const sentResolutions = out.filter((e) => e.events.includes('resolved') && e.notify).map((e) => e.t);
    expect(sentResolutions).toEqual([20, 620, 1220]);
  });

  it('repeats while firing until acknowledged, and an acknowledgement clears with the alert', () => {
    const rule = { ...RETURN, pendingMs: 0, repeatMs: 600_000 };
    let s = initialState();
    const at = (t: number, v: number) => {
      const r = step(rule, s, v, t * 1000);
      s = r.state;
      return r;
    };
    expect(at(0, 53).notify).toBe(true);
    expect(at(300, 53).events).toEqual([]);
    expect(at(600, 53)).toMatchObject({ events: ['repeat'], notify: true });
    s = acknowledge(s);
    expect(at(1200, 53).events).toEqual([]);
    expect(at(1300, 50).events).toEqual([]);
    expect(at(1330, 50).events).toEqual(['resolved']);
    expect(s.acknowledged).toBe(false);
  });
});
