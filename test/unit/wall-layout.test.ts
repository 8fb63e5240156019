import { describe, expect, it } from 'vitest';
import { WALL_METRICS, parseWallLayout } from '../../protocol/wall.ts';
import { METRICS } from '../../web/src/lib/metrics.ts';
import { parseWallParams } from '../../web/src/wall/wall-config.ts';

const HALLS = ['hall-1', 'hall-2'];

describe('parseWallLayout() (the server saves what it accepts)', () => {
  it.each([
    ['noc', {}, { ok: true, value: { name: 'noc', halls: [], hallsPerScreen: 0, metric: 'return', rotateS: 30, sound: false } }],
    ['noc', { halls: ['hall-2', 'hall-1'], hallsPerScreen: 2, metric: 'cdu', rotateS: 0, sound: true },
      { ok: true, value: { name: 'noc', halls: ['hall-2', 'hall-1'], hallsPerScreen: 2, metric: 'cdu', rotateS: 0, sound: true } }],
    ['NOC', {}, { ok: false, message: 'name: lower-case letters, digits and dashes, at most 40' }],
    ['noc', [], { ok: false, message: 'body: a JSON object is required' }],
    ['noc', { halls: 'hall-1' }, { ok: false, message: 'halls: a list of hall IDs is required' }],
    ['noc', { halls: ['hall-9'] }, { ok: false, message: 'halls: no hall "hall-9" in this site (hall-1, hall-2)' }],
    ['noc', { hallsPerScreen: 5 }, { ok: false, message: 'hallsPerScreen: 1 to 4, or 0 for as many as fit' }],
    ['noc', { hallsPerScreen: 1.5 }, { ok: false, message: 'hallsPerScreen: 1 to 4, or 0 for as many as fit' }],
    ['noc', { metric: 'watts' }, { ok: false, message: `metric: one of ${WALL_METRICS.join(', ')} is required` }],
    ['noc', { rotateS: 4 }, { ok: false, message: 'rotateS: 0 (no rotation) or 5 to 3600 seconds' }],
    ['noc', { rotateS: 3601 }, { ok: false, message: 'rotateS: 0 (no rotation) or 5 to 3600 seconds' }],
    ['noc', { sound: 'yes' }, { ok: false, message: 'sound: true or false' }],
  ])('%s %j → %j', (name, body, expected) => {
    expect(parseWallLayout(name, body, HALLS)).toMatchObject(expected);
  });
});

describe('the wall URL and the dashboard use the same metric IDs and field rules', () => {
  it('has a dashboard metric for every wall metric, in the same order', () => {
    expect(METRICS.map((m) => m.id)).toEqual([...WALL_METRICS]);
  });

  it.each([
    ['?metric=cdu&rotate=3600&per=4', { metric: 'cdu', rotateS: 3600, hallsPerScreen: 4 }, []],
    ['?metric=watts', {}, [`metric: "watts" is not one of ${WALL_METRICS.join(', ')}`]],
    ['?rotate=4', {}, ['rotate: "4" must be 0 (no rotation) or 5 to 3600 seconds']],
    ['?per=1.5', {}, ['per: "1.5" halls per screen must be 1 to 4, or 0 for as many as fit']],
  ])('%s', (search, overrides, errors) => {
    const p = parseWallParams(search);
    expect(p.overrides).toEqual(overrides);
    expect(p.errors).toEqual(errors);
  });

  it.each([
    ['', 15, []],
    ['?dwell=3', 3, []],
    ['?dwell=1', 15, ['dwell: "1" must be 2 to 3600 seconds']],
    ['?dwell=2.5', 15, ['dwell: "2.5" must be 2 to 3600 seconds']],
  ])('critical halls alternate every %s → %i s', (search, dwellS, errors) => {
    const p = parseWallParams(search);
    expect(p.dwellS).toBe(dwellS);
    expect(p.errors).toEqual(errors);
  });
});
