import { describe, expect, it } from 'vitest';
import { alertMarks, type AlertSource } from '../../web/src/lib/alert-marks.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';

const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 })).view;
const rack = (id: string) => site.racks.find((r) => r.id === id)!.index;
const cdu = (id: string) => site.cdus.find((c) => c.id === id)!.index;
const source = (version: number, worst: [string, string][], sensor: string[] = []): AlertSource => ({
  version, worstByEntity: new Map(worst), sensorFaults: new Set(sensor),
});

describe('alertMarks() puts the alert feed on site indexes for the heat map', () => {
  type Want = { racks: [number, string][]; cdus: [number, string][]; sensor: number[] };
  it.each<[string, [string, string][], string[], Want]>([
    ['a rack alert', [['rack:h1-r01-k02', 'major']], [], { racks: [[rack('h1-r01-k02'), 'major']], cdus: [], sensor: [] }],
    ['a CDU alert', [['cdu:h1-r02-cdu-a', 'critical']], [], { racks: [], cdus: [[cdu('h1-r02-cdu-a'), 'critical']], sensor: [] }],
    ['a sensor fault on a rack', [['rack:h1-r01-k01', 'minor']], ['rack:h1-r01-k01'],
      { racks: [[rack('h1-r01-k01'), 'minor']], cdus: [], sensor: [rack('h1-r01-k01')] }],
    ['entities this site does not have, and scopes that are not tiles',
      [['rack:gone', 'critical'], ['row:h1-r01', 'major'], ['cdu:gone', 'minor']], ['rack:gone'], { racks: [], cdus: [], sensor: [] }],
  ])('%s', (_, worst, sensor, want) => {
    const m = alertMarks(site, source(1, worst, sensor), null);
    expect([...m.racks]).toEqual(want.racks);
    expect([...m.cdus]).toEqual(want.cdus);
    expect([...m.sensor]).toEqual(want.sensor);
    expect(m.version).toBe(1);
  });

  it('returns the previous marks while the feed version is unchanged, and new ones when it moves', () => {
    const first = alertMarks(site, source(3, [['rack:h1-r01-k01', 'major']]), null);
    expect(alertMarks(site, source(3, [['rack:h1-r01-k02', 'critical']]), first)).toBe(first);
    const next = alertMarks(site, source(4, [['rack:h1-r01-k02', 'critical']]), first);
    expect(next).not.toBe(first);
    expect([...next.racks]).toEqual([[rack('h1-r01-k02'), 'critical']]);
  });
});
