import { describe, expect, it } from 'vitest';
import { FROZEN_INVALID_S, SensorHealth } from '../../server/state/sensor-health.ts';
import { DerivedFlag } from '../../protocol/derived-flags.ts';

const T0 = 1_800_000_000_000;
/** Feeds `seconds` samples of rack 0 at 1 Hz; `returnAt(t)` and `kwAt(t)` give the readings. */
function feed(h: SensorHealth, seconds: number, returnAt: (t: number) => number, kwAt: (t: number) => number = (t) => 120 + (t % 7) * 0.1, start = 0) {
  for (let t = start; t < start + seconds; t++) h.observe(0, T0 + t * 1000, Math.round(returnAt(t) * 100) / 100, 40, kwAt(t));
  return T0 + (start + seconds - 1) * 1000;
}
const scatter = (t: number, k: number) => k * (Math.sin(t * 12.9898) + Math.sin(t * 78.233) + Math.sin(t * 37.719)) / 1.22;

describe('SensorHealth', () => {
  it.each([
    ['a healthy sensor is never frozen and quiet', (t: number) => 48 + scatter(t, 0.05), undefined, 0, (k: number) => k < 0.2],
    ['a stuck sensor is frozen from its first repeat while the rack moves', () => 48.21, undefined, 119, (k: number) => k === 0],
    ['an idle rack whose power does not move is not called frozen', () => 48.21, () => 23, 0, (k: number) => k === 0],
    ['a noisy sensor (3 K) jumps several kelvin per sample', (t: number) => 48 + scatter(t, 3), undefined, 0, (k: number) => k > 2],
  ])('%s', (_why, ret, kw, frozenS, noiseOk) => {
    const h = new SensorHealth(1);
    const now = feed(h, 120, ret, kw);
    expect(h.frozenS(0, now)).toBe(frozenS);
    expect(noiseOk(h.noiseK(0))).toBe(true);
  });

  it('unfreezes on the first change', () => {
    const h = new SensorHealth(1);
    feed(h, 90, () => 48.21);
    const now = feed(h, 1, () => 48.5, undefined, 90);
    expect(h.frozenS(0, now)).toBe(0);
  });

  it('counts rejections over the last minute and forgets them after', () => {
    const h = new SensorHealth(1);
    const m0 = Math.ceil(T0 / 60_000) * 60_000;
    for (let s = 0; s < 10; s++) h.rejected(0, m0 + s * 1000);
    expect(h.rejectsPerMin(0, m0 + 30_000)).toBe(10);
    expect(h.rejectsPerMin(0, m0 + 90_000)).toBe(5);
    expect(h.rejectsPerMin(0, m0 + 200_000)).toBe(0);
    expect(h.frozenS(0, m0)).toBeNaN();
  });

  it.each([
    ['a healthy sensor', 120, (t: number) => 48 + scatter(t, 0.05), 0],
    [`a stuck sensor after ${FROZEN_INVALID_S - 1} s: not yet`, FROZEN_INVALID_S, () => 48.21, 0],
    [`a stuck sensor after ${FROZEN_INVALID_S} s: frozen`, FROZEN_INVALID_S + 1, () => 48.21, DerivedFlag.ReturnFrozen],
    ['a noisy sensor (3 K)', 60, (t: number) => 48 + scatter(t, 3), DerivedFlag.ReturnNoisy],
  ])('withholds derived values from %s', (_why, seconds, ret, flags) => {
    const h = new SensorHealth(1);
    feed(h, seconds, ret);
    expect(h.returnFault(0)).toBe(flags);
  });

  it('keeps the recent power: up with the power at once, down no faster than the loop releases heat', () => {
    const h = new SensorHealth(1);
    expect(h.recentKw(0)).toBeNaN();
    const kw = (t: number) => (t < 60 ? 125 : t < 300 ? 46 : 130);
    const at = (t: number) => {
      feed(h, 1, () => 48 + scatter(t, 0.05), kw, t);
      return h.recentKw(0);
    };
    for (let t = 0; t < 60; t++) at(t);
    expect(h.recentKw(0)).toBe(125);
    expect(at(60)).toBeCloseTo(46 + 79 * Math.exp(-1 / 30), 6);
    for (let t = 61; t < 90; t++) at(t);
    expect(at(90)).toBeCloseTo(46 + 79 * Math.exp(-31 / 30), 6);
    for (let t = 91; t < 299; t++) at(t);
    expect(at(299)).toBeLessThan(46.1);
    expect(at(300)).toBe(130);
  });
});
