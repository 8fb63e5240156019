import { describe, expect, it } from 'vitest';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { incidentInSite, matcherInSite, siteHas, siteNames } from '../../server/alerts/site-scope.ts';

// One hall, two rows of four racks: h1-r01-k01…k04, h1-r02-…; CDUs h1-r0N-cdu-a…c; groups h1-r01, h1-r02.
const names = siteNames(buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 })));

describe('saved alert state and the loaded site', () => {
  it.each([
    ['rack:h1-r01-k01', true],
    ['rack:h3-r01-k02', false],
    ['rack:h1-r01-k0', false],
    ['row:h1-r01/rack-stale', true],
    ['row:h3-r01/rack-stale', false],
    ['rack:h1-r01-k01~2', true],
    ['hall:hall-1/rack-return-trend~3', true],
    ['cdu:h1-r02-cdu-c', true],
    ['cdu:h1-r02-cdu-d', false],
    ['row:h1-r02', true],
    ['row:h1-r03', false],
    ['hall:hall-1', true],
    ['hall:hall-2', false],
    ['group:h1-r01', true],
    ['group:h2-r01', false],
    ['pdu:h1-r01', false],
    ['rack:', false],
    ['h1-r01-k01', false],
  ])('siteHas(%s) → %s', (key, has) => expect(siteHas(names, key)).toBe(has));

  it.each([
    ['rack:h1-r02-', true],
    ['rack:h1-', true],
    ['rack:h3-', false],
    ['cdu:h1-r01-cdu', true],
    ['cdu:h2-r01-cdu', false],
    ['row:h1-r0', false],
    ['hall:hall-', false],
    ['hall:hall-1', true],
    ['group:h1-r02', true],
    ['rack:', false],
  ])('matcherInSite(%s) → %s', (matcher, has) => expect(matcherInSite(names, matcher)).toBe(has));

  const alert = (entity: string) => ({
    rule: 'r', severity: 'major' as const, entity, summary: 's', value: 1, phase: 'firing' as const, firedAtMs: 0, acknowledged: false,
  });
  it.each([
    ['a rack incident of the site', { id: 'rack:h1-r01-k01', roots: [alert('rack:h1-r01-k01')], children: [] }, true],
    ['a rack of another site', { id: 'rack:h3-r01-k02', roots: [alert('rack:h3-r01-k02')], children: [] }, false],
    [
      'a group of the site with a foreign child rack',
      { id: 'group:h1-r01', roots: [alert('cdu:h1-r01-cdu-a')], children: [{ rackId: 'h9-r01-k01', alerts: [] }] },
      false,
    ],
    ['a group of the site with a foreign root CDU', { id: 'group:h1-r01', roots: [alert('cdu:h9-r01-cdu-a')], children: [] }, false],
    ['a group with its own racks', { id: 'group:h1-r02', roots: [alert('cdu:h1-r02-cdu-b')], children: [{ rackId: 'h1-r02-k03', alerts: [] }] }, true],
    ['a hall incident of another site', { id: 'hall:hall-2', roots: [alert('hall:hall-2')], children: [] }, false],
  ])('incidentInSite: %s', (_name, incident, has) => expect(incidentInSite(names, incident)).toBe(has));
});
