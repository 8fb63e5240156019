/**
 * A shard's beat as the campus view and the fleet view read it: what it must carry, and the
 * dashboard URL a fleet page links to — an http(s) URL or nothing, never another scheme.
 */
import { describe, expect, it } from 'vitest';
import { isDashboardUrl, parseShardBeat } from '../../protocol/campus.ts';

const beat = { shard: 'hall-1', halls: ['hall-1'], serverName: 'shard-1', siteSha256: 'ab12', racks: 8, cdus: 6, telemetryFlows: true, sentMs: 1_800_000_000_000 };

describe('parseShardBeat()', () => {
  it.each<[string, object, string | null]>([
    ['a beat', beat, null],
    ['a beat with a dashboard URL', { ...beat, dashboardUrl: 'https://noc.example/campus-a/' }, null],
    ['a beat with no dashboard URL', { ...beat, dashboardUrl: null }, null],
    ['a beat without its shard', { ...beat, shard: 3 }, 'shard beat: shard: string expected'],
    ['a beat whose halls are not strings', { ...beat, halls: [1] }, 'shard beat: halls: strings expected'],
    ['a beat without a number of racks', { ...beat, racks: 'eight' }, 'shard beat: racks: number expected'],
    ['a beat with a sent time that is not finite', { ...beat, sentMs: Number.NaN }, 'shard beat: sentMs: number expected'],
    ['a beat without telemetryFlows', { ...beat, telemetryFlows: 'yes' }, 'shard beat: telemetryFlows: boolean expected'],
    ['a script as dashboard URL', { ...beat, dashboardUrl: 'javascript:alert(1)' }, 'shard beat: dashboardUrl: an http(s) URL or null expected'],
    ['a relative dashboard URL', { ...beat, dashboardUrl: '/campus' }, 'shard beat: dashboardUrl: an http(s) URL or null expected'],
    ['a number as dashboard URL', { ...beat, dashboardUrl: 8080 }, 'shard beat: dashboardUrl: an http(s) URL or null expected'],
  ])('%s', (_name, body, error) => {
    const r = parseShardBeat(body);
    expect(r.ok ? null : r.message).toBe(error);
  });
});

describe('isDashboardUrl()', () => {
  it.each<[unknown, boolean]>([
    ['http://10.0.0.5:8080/', true],
    ['https://noc.example/site-a', true],
    ['ftp://noc.example/', false],
    ['data:text/html,hi', false],
    ['noc.example', false],
    ['', false],
    [null, false],
    [`https://noc.example/${'a'.repeat(2000)}`, false],
  ])('%j → %s', (url, ok) => {
    expect(isDashboardUrl(url)).toBe(ok);
  });
});
