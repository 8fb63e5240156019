import { describe, expect, it } from 'vitest';
import { SteadyClock } from '../../server/state/steady-clock.ts';

/** A host whose wall clock can be stepped while monotonic time runs on. */
function host(startMs = 1_800_000_000_000) {
  let mono = 0;
  let step = 0;
  return { wall: () => startMs + mono + step, mono: () => mono, advance: (ms: number) => (mono += ms), stepBy: (ms: number) => (step += ms) };
}

describe('SteadyClock', () => {
  it.each([
    ['+1 h', 3_600_000],
    ['−1 h', -3_600_000],
    ['+10 s', 10_000],
  ])('keeps time through a host step of %s the sources do not follow', (_name, stepMs) => {
    const h = host();
    const steps: number[] = [];
    const c = new SteadyClock(h.wall, h.mono, 2000, (d) => steps.push(d));
    for (let k = 0; k < 20; k++) {
      h.advance(1000);
      c.observeSource(h.wall() - 50);
      c.now();
    }
    const before = c.now();
    h.stepBy(stepMs);
    h.advance(1000);
    expect(c.now()).toBe(before + 1000);
    expect(c.stepMs).toBe(stepMs);
    expect(steps).toEqual([stepMs]);
    // Sources still on the old time: the step is never adopted.
    for (let k = 0; k < 30; k++) {
      h.advance(1000);
      c.observeSource(before + 1000 + (k + 1) * 1000 - 50);
      expect(c.now()).toBe(before + 1000 + (k + 1) * 1000);
    }
    expect(steps).toHaveLength(1);
  });

  it('adopts a step once the sources agree with the new host time (the host was wrong before)', () => {
    const h = host();
    const c = new SteadyClock(h.wall, h.mono, 2000);
    h.advance(1000);
    c.now();
    h.stepBy(-3_600_000);
    h.advance(1000);
    const steady = c.now();
    expect(h.wall() - steady).toBe(-3_600_000);
    for (let k = 0; k < 20; k++) {
      h.advance(1000);
      c.observeSource(h.wall() - 20);
      c.now();
    }
    expect(c.now()).toBe(h.wall());
    expect(c.stepMs).toBe(0);
  });

  it('follows small moves of the host clock (NTP slewing)', () => {
    const h = host();
    const c = new SteadyClock(h.wall, h.mono, 2000);
    h.advance(1000);
    h.stepBy(300);
    expect(c.now()).toBe(h.wall());
    expect(c.stepMs).toBe(0);
  });
});
