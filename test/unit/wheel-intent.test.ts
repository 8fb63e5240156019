import { describe, expect, it } from 'vitest';
import { wheelIntent, type WheelInput } from '../../web/src/lib/wheel-intent.ts';

const wheel = (deltaY: number, mods: Partial<WheelInput> = {}): WheelInput => ({ deltaY, deltaMode: 0, ctrlKey: false, metaKey: false, ...mods });

describe('wheelIntent() decides whether a wheel over the hall map scrolls the page or zooms the map', () => {
  it.each([
    ['an unfocused map lets a wheel down scroll the page', wheel(100), false, 1, 'scroll'],
    ['an unfocused map lets a wheel up scroll the page', wheel(-100), false, 1, 'scroll'],
    ['an unfocused zoomed-in map still lets the page scroll', wheel(100), false, 4, 'scroll'],
    ['a focused map zooms in on a wheel up', wheel(-100), true, 1, 'zoom'],
    ['a focused zoomed-in map zooms out on a wheel down', wheel(100), true, 3, 'zoom'],
    ['a focused map at the whole hall cannot zoom out: the page scrolls', wheel(100), true, 1, 'scroll'],
    ['a horizontal-only wheel scrolls', wheel(0), true, 2, 'scroll'],
    ['Ctrl zooms an unfocused map', wheel(-100, { ctrlKey: true }), false, 1, 'zoom'],
    ['Meta zooms an unfocused map', wheel(-100, { metaKey: true }), false, 1, 'zoom'],
    ['Ctrl + wheel down at the whole hall is still the map\'s (no page zoom)', wheel(100, { ctrlKey: true }), false, 1, 'zoom'],
  ] as const)('%s', (_name, ev, focused, scale, kind) => expect(wheelIntent(ev, focused, scale).kind).toBe(kind));

  it.each([
    ['a 100 px notch on a focused map zooms in ×1.22', wheel(-100), true, Math.exp(0.2)],
    ['3 lines (Firefox) count as 48 px', wheel(-3, { deltaMode: 1 }), true, Math.exp(0.096)],
    ['a 4 px pinch step zooms ×1.04', wheel(-4, { ctrlKey: true }), false, Math.exp(0.04)],
    ['a Ctrl + mouse-wheel notch is capped at ×1.65', wheel(-120, { ctrlKey: true }), false, Math.exp(0.5)],
    ['a capped notch out is the inverse', wheel(120, { ctrlKey: true }), false, Math.exp(-0.5)],
  ] as const)('%s', (_name, ev, focused, factor) => {
    const got = wheelIntent(ev, focused, 2);
    expect(got.kind).toBe('zoom');
    expect(got.kind === 'zoom' && got.factor).toBeCloseTo(factor, 10);
  });
});
