import { describe, expect, it } from 'vitest';
import { PALETTE, PALETTES, SEQUENTIAL, classOf, colorOf } from '../../web/src/lib/color-scale.ts';
import { GPU_POWER, METRICS, metricById } from '../../web/src/lib/metrics.ts';
import { WALL_METRICS } from '../../protocol/wall.ts';

/** Relative luminance (WCAG 2.x) of #rrggbb. */
function luminance(hex: string): number {
  const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const [r, g, b] = [1, 3, 5].map((i) => linear(parseInt(hex.slice(i, i + 2), 16) / 255));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

describe('which palette each heat-map metric is drawn in', () => {
  it.each([
    // [metric, palette, why]
    ['return', 'diverging', 'a temperature against its 52 / 55 °C limits'],
    ['dt', 'diverging', 'ΔT against its 12 / 15 K limits'],
    ['headroom', 'diverging', 'thermal headroom to the return limit'],
    ['flow', 'diverging', 'flow against what the load needs'],
    ['cdu', 'diverging', 'CDU capacity headroom'],
    ['power', 'sequential', 'an amount: full load is the hall doing its job'],
  ] as const)('%s → %s (%s)', (id, palette, _why) => {
    expect(metricById(id).palette).toBe(palette);
  });

  it('covers every metric of the wall contract, and draws GPU power sequentially too', () => {
    expect(METRICS.map((m) => m.id)).toEqual([...WALL_METRICS]);
    expect(GPU_POWER.palette).toBe('sequential');
  });

  it.each([
    // [metric, value, palette class]
    ['power', 135, 8],
    ['power', 24, 0],
    ['return', 49, 5],
    ['return', 55, 8],
  ] as const)('%s at %d is class %d of its own palette', (id, v, k) => {
    const m = metricById(id);
    expect(classOf(m.scale, v)).toBe(k);
    expect(colorOf(m.scale, v, m.palette)).toBe(PALETTES[m.palette][k]);
  });

  it('shows a rack at full load in no colour of the diverging palette\'s bad half on the power map', () => {
    const power = metricById('power');
    const bad = PALETTE.slice(5) as readonly string[];
    for (const kw of [110, 120, 130, 135]) expect(bad).not.toContain(colorOf(power.scale, kw, power.palette));
  });
});

describe('the sequential palette', () => {
  it('has as many classes as the diverging one, none shared, and brightens from low to high', () => {
    expect(SEQUENTIAL.length).toBe(PALETTE.length);
    expect(new Set([...SEQUENTIAL, ...PALETTE]).size).toBe(SEQUENTIAL.length + PALETTE.length);
    const l = SEQUENTIAL.map(luminance);
    for (let k = 1; k < l.length; k++) expect(l[k]).toBeGreaterThan(l[k - 1]);
  });

  it('defaults colorOf() to the diverging palette and gives no colour to a missing value', () => {
    expect(colorOf({ good: 38, bad: 56 }, 55)).toBe(PALETTE[8]);
    expect(colorOf({ good: 20, bad: 137 }, Number.NaN, 'sequential')).toBeNull();
  });
});
