import { describe, expect, it } from 'vitest';
import { parseSite } from '../../protocol/site.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { demoSite } from '../helpers/sites.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';

const base = () => generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }) as any;

describe('parseSite()', () => {
  it('accepts generated sites', () => {
    expect(parseSite(base()).ok).toBe(true);
    expect(parseSite(JSON.parse(JSON.stringify(demoSite()))).ok).toBe(true);
  });

  it.each([
    ['site.version', (s: any) => (s.version = 2)],
    ['site.coolant', (s: any) => (s.coolant = 'glycerine')],
    ['site.halls', (s: any) => (s.halls = [])],
    ['site.halls[0].id', (s: any) => (s.halls[0].id = 'bad id!')],
    ['site.halls[0].supplySetpointC', (s: any) => (s.halls[0].supplySetpointC = 50)],
    ['site.halls[0].rows[1].id', (s: any) => (s.halls[0].rows[1].id = s.halls[0].rows[0].id)],
    ['site.halls[0].rows[0].racks[2].id', (s: any) => (s.halls[0].rows[0].racks[2].id = s.halls[0].rows[0].racks[0].id)],
    ['site.halls[0].rows[0].racks[1].position', (s: any) => (s.halls[0].rows[0].racks[1].position = 1)],
    ['site.halls[0].rows[0].racks[3].type', (s: any) => (s.halls[0].rows[0].racks[3].type = 'nvl144')],
    ['site.halls[0].cdus[1].capacityKw', (s: any) => (s.halls[0].cdus[1].capacityKw = 'big')],
    ['site.halls[0].cdus[0].rackIds[1]', (s: any) => (s.halls[0].cdus[0].rackIds[1] = 'ghost')],
    ['site.halls[0].cdus[0].rowId', (s: any) => (s.halls[0].cdus[0].rowId = 'nowhere')],
    ['site.rackTypes.custom.liquidShare', (s: any) => (s.rackTypes.custom = { liquidShare: 2 })],
    ['site.telemetryIntervalMs', (s: any) => (s.telemetryIntervalMs = 0)],
  ])('names %s when it is bad', (path, mutate) => {
    const s = base();
    mutate(s);
    const r = parseSite(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.startsWith(path + ':')).toBe(true);
  });
});

describe('generateSite()', () => {
  it('builds the demo site: 2 halls × 13 rows × 16 racks, 3 in-row CDUs per row sized N+1', () => {
    const site = generateSite({ halls: 2, rows: 13, racksPerRow: 16, racksPerCdu: 8 });
    const idx = buildSiteIndex(site);
    expect(idx.racks).toHaveLength(416);
    expect(idx.cdus).toHaveLength(78);
    expect(idx.groups).toHaveLength(26);
    const group = idx.groups[0];
    const cdus = group.cduIds.map((id) => idx.cdus[idx.cduIndexById.get(id)!]);
    const liquidKw = group.rackIds.length * 135 * 0.9;
    const total = cdus.reduce((s, c) => s + c.capacityKw, 0);
    expect(total - Math.max(...cdus.map((c) => c.capacityKw))).toBeGreaterThanOrEqual(liquidKw);
    expect(idx.racks[0].cduId).toBe('h1-r01-cdu-a');
    expect(idx.racks[15].cduId).toBe('h1-r01-cdu-b');
  });
});
