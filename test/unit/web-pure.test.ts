import { describe, expect, it } from 'vitest';
import { PALETTE, classBounds, classOf } from '../../web/src/lib/color-scale.ts';
import { fmtAge, fmtDuration, metricById } from '../../web/src/lib/metrics.ts';
import { hitTest, layoutHall } from '../../web/src/lib/hall-layout.ts';
import { formatRoute, parseRoute } from '../../web/src/lib/route.ts';
import { parseWallParams, resolveViews, resolveWall } from '../../web/src/wall/wall-config.ts';
import type { WallLayoutSpec } from '../../protocol/wall.ts';
import { wallSize } from '../../web/src/wall/wall-size.ts';
import { incidentBands, incidentEntities, type IncidentSpan } from '../../web/src/lib/annotations.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { demoSite } from '../helpers/sites.ts';

describe('classOf() colour scale', () => {
  const hot = { good: 38, bad: 56 };
  const headroom = { good: 60, bad: 0 };
  it.each([
    [hot, 30, 0],
    [hot, 38, 0],
    [hot, 47.1, 4],
    [hot, 55.9, 8],
    [hot, 70, 8],
    [headroom, 80, 0],
    [headroom, 3, 8],
    [headroom, 30, 4],
    [hot, Number.NaN, -1],
    [hot, Number.POSITIVE_INFINITY, -1],
  ])('%j of %d is class %d', (scale, v, k) => {
    expect(classOf(scale, v)).toBe(k);
  });

  it.each([
    ['higher is worse', { good: 0, bad: 90 }],
    ['lower is worse (headroom)', { good: 90, bad: 0 }],
  ])('gives each legend class its own colour, good to bad, %s', (_, scale) => {
    const bounds = classBounds(scale);
    expect(bounds[0]).toBe(scale.good);
    // A value inside each legend class is drawn in that class's colour: legend and map agree.
    const inside = bounds.map((b, k) => (b + (bounds[k + 1] ?? scale.bad)) / 2);
    expect(inside.map((v) => classOf(scale, v))).toEqual(PALETTE.map((_c, k) => k));
  });

  it('varies in lightness, palest in the middle, so it reads without red–green vision', () => {
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
    // Relative luminance (WCAG 2.x) of each colour, good to bad.
    const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const luminance = PALETTE.map((hex) => {
      const [r, g, b] = [1, 3, 5].map((i) => linear(parseInt(hex.slice(i, i + 2), 16) / 255));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    });
    const middle = Math.floor(PALETTE.length / 2);
    for (let k = 1; k <= middle; k++) expect(luminance[k]).toBeGreaterThan(luminance[k - 1]);
    for (let k = middle + 1; k < PALETTE.length; k++) expect(luminance[k]).toBeLessThan(luminance[k - 1]);
  });
});

describe('dashboard helpers', () => {
  it.each([
    [870, '0.9 s'],
    [12_400, '12 s'],
    [75_000, '1 min 15 s'],
    [null, '—'],
  ])('fmtAge(%j) = %s', (ms, text) => expect(fmtAge(ms)).toBe(text));

  it('falls back to return temperature for an unknown metric', () => {
    expect(metricById('nope').column).toBe('returnC');
    expect(metricById('cdu').column).toBe('groupHeadroomPct');
  });

  it.each([
    { hallId: 'hall-2', metric: 'dt', rackId: 'h2-r01-k03' },
    { hallId: 'hall-1', metric: null, rackId: null, cduId: 'h1-r03-cdu-a' },
  ])('round-trips %j through the URL hash', (r) => {
    expect(parseRoute(formatRoute(r))).toEqual(r);
  });

  it.each([
    ['#/', { hallId: null, metric: null, rackId: null }],
    ['', { hallId: null, metric: null, rackId: null }],
    ['#/incident/row%3Ah1-r07%2Frack-return-trend', { hallId: null, metric: null, rackId: null, incidentId: 'row:h1-r07/rack-return-trend' }],
    ['#/rack/nope', { hallId: null, metric: null, rackId: null, unknown: '#/rack/nope' }],
    ['#/hall', { hallId: null, metric: null, rackId: null, unknown: '#/hall' }],
  ])('parses %s', (hash, route) => expect(parseRoute(hash)).toEqual(route));

  it('lays a hall out with every rack inside the box and finds racks by position', () => {
    const site = buildSiteIndex(demoSite()).view;
    const hall = site.halls[0];
    const layout = layoutHall(site, hall, 1200, 700);
    expect(layout.racks).toHaveLength(208);
    expect(layout.cdus).toHaveLength(39);
    for (const { rect } of [...layout.racks, ...layout.cdus]) {
      expect(rect.x).toBeGreaterThanOrEqual(0);
      expect(rect.y).toBeGreaterThanOrEqual(0);
      expect(rect.x + rect.w).toBeLessThanOrEqual(1200);
      expect(rect.y + rect.h).toBeLessThanOrEqual(700);
    }
    const r = layout.racks[17];
    expect(hitTest(layout, r.rect.x + r.rect.w / 2, r.rect.y + r.rect.h / 2)).toEqual({ kind: 'rack', index: r.index });
    const c = layout.cdus[0];
    expect(hitTest(layout, c.rect.x + 1, c.rect.y + 1)).toEqual({ kind: 'cdu', index: c.index });
    expect(hitTest(layout, 1199, 699)).toBeNull();
    // Section units get a bracket under their racks; the spare serving the whole row does not.
    expect(layout.cdus[0].bracket).not.toBeNull();
    expect(layout.cdus[2].bracket).toBeNull();
  });
});

describe('incident bands on drill-down charts', () => {
  const span = (id: string, startedMs: number, resolvedMs: number | null, entities: string[]): IncidentSpan => ({
    id,
    severity: 'critical',
    title: id,
    startedMs,
    resolvedMs,
    entities,
  });
  const spans = [
    span('group:h1-r01', 1000, 5000, incidentEntities({ id: 'group:h1-r01', roots: [{ entity: 'cdu:h1-r01-cdu-a' }], children: [{ rackId: 'h1-r01-k01' }] })),
    span('rack:h1-r02-k03', 8000, null, ['rack:h1-r02-k03']),
    span('rack:h1-r02-k04', 100, 200, ['rack:h1-r02-k04']),
  ];
  it.each([
    ['a child rack of a CDU incident', ['rack:h1-r01-k01'], 0, 10_000, [{ id: 'group:h1-r01', fromMs: 1000, toMs: 5000, open: false }]],
    ['the CDU itself', ['cdu:h1-r01-cdu-a'], 0, 10_000, [{ id: 'group:h1-r01', fromMs: 1000, toMs: 5000, open: false }]],
    ['clipped to the range', ['rack:h1-r01-k01'], 2000, 3000, [{ id: 'group:h1-r01', fromMs: 2000, toMs: 3000, open: false }]],
    ['an active incident runs to the end of the range', ['rack:h1-r02-k03'], 0, 10_000, [{ id: 'rack:h1-r02-k03', fromMs: 8000, toMs: 10_000, open: true }]],
    ['outside the range', ['rack:h1-r02-k04'], 1000, 10_000, []],
    ['an unrelated entity', ['rack:h9-r01-k01'], 0, 10_000, []],
  ])('%s', (_n, entities, from, to, expected) => {
    expect(incidentBands(spans, new Set(entities), from, to)).toEqual(expected.map((e) => expect.objectContaining(e)));
  });
});

describe('wall settings', () => {
  const hallIds = ['hall-1', 'hall-2'];
  it.each<[string, string, WallLayoutSpec | null, Partial<WallLayoutSpec>, RegExp[]]>([
    ['defaults: every hall, as many per screen as fit, 30 s', '', null, { halls: hallIds, hallsPerScreen: 0, metric: 'return', rotateS: 30, sound: false }, []],
    [
      'URL parameters',
      '?halls=hall-2&metric=dt&rotate=10&per=2&sound=1',
      null,
      { halls: ['hall-2'], hallsPerScreen: 2, metric: 'dt', rotateS: 10, sound: true },
      [],
    ],
    [
      'saved layout',
      '?layout=noc',
      { halls: ['hall-2', 'hall-1'], hallsPerScreen: 1, metric: 'power', rotateS: 60, sound: true },
      { halls: ['hall-2', 'hall-1'], metric: 'power', rotateS: 60 },
      [],
    ],
    [
      'URL wins over the layout',
      '?layout=noc&rotate=0',
      { halls: ['hall-2'], hallsPerScreen: 1, metric: 'power', rotateS: 60, sound: false },
      { halls: ['hall-2'], rotateS: 0 },
      [],
    ],
    [
      'bad values are reported, not guessed',
      '?metric=watts&rotate=2&per=9',
      null,
      { metric: 'return', rotateS: 30, hallsPerScreen: 0 },
      [/^metric:/, /^rotate:/, /^per:/],
    ],
    ['unknown halls are reported and dropped', '?halls=hall-1,hall-7', null, { halls: ['hall-1'] }, [/^halls: no hall "hall-7"/]],
  ])('%s', (_n, search, saved, spec, errors) => {
    const params = parseWallParams(search);
    const r = resolveWall(saved, params, hallIds);
    expect(r.spec).toMatchObject(spec);
    expect(r.errors).toEqual(errors.map((e) => expect.stringMatching(e)));
  });

  it('combines saved views, keeping each one\'s halls and metric; rotation from the URL, else the first view', () => {
    const a: WallLayoutSpec = { halls: ['hall-1'], hallsPerScreen: 1, metric: 'return', rotateS: 20, sound: false };
    const b: WallLayoutSpec = { halls: ['hall-2', 'hall-9'], hallsPerScreen: 1, metric: 'flow', rotateS: 90, sound: true };
    const r = resolveViews([a, b], parseWallParams('?views=a,b'), hallIds);
    expect(r.views.map((v) => [v.halls, v.metric])).toEqual([[['hall-1'], 'return'], [['hall-2'], 'flow']]);
    expect(r).toMatchObject({ rotateS: 20, sound: true, errors: [expect.stringMatching(/^halls: no hall "hall-9"/)] });
    expect(resolveViews([a, b], parseWallParams('?views=a,b&rotate=10&sound=0'), hallIds)).toMatchObject({ rotateS: 10, sound: false });
    expect(parseWallParams('?views=a, b,,c').views).toEqual(['a', 'b', 'c']);
  });

  it('keeps the display token from the URL', () => expect(parseWallParams('?token=hwd_abc.def').token).toBe('hwd_abc.def'));

  it.each([
    [1920, 1080, 1, 22, 18],
    [3840, 2160, 2, 44, 36],
    [1280, 720, 2 / 3, 15, 12],
    [1920, 1200, 1, 22, 18],
  ])('sizes text for %i×%i', (w, h, scale, base, min) => expect(wallSize(w, h)).toEqual({ scale, basePx: base, minTextPx: min }));
});

describe('incident durations', () => {
  it.each([
    [-500, '0 s'],
    [75_000, '75 s'],
    [45 * 60_000, '45 min'],
    [5 * 3_600_000, '5 h'],
    [3 * 86_400_000, '3 d'],
  ])('%i ms → %s', (ms, text) => expect(fmtDuration(ms)).toBe(text));
});
