/**
 * The campus options checked together (`--halls`, `--campus`, `--fleet`) and a shard's site:
 * what is refused, naming the option and the problem, and what is accepted.
 */
import { describe, expect, it } from 'vitest';
import { campusSettings, type RawCampusOptions } from '../../server/campus/campus-config.ts';
import { loadServerConfig } from '../../server/config.ts';
import { siteOfHalls } from '../../server/site/sub-site.ts';
import { generateSite } from '../../simulators/generate-site.ts';

const raw = (o: Partial<RawCampusOptions>): RawCampusOptions => ({
  campus: false, fleet: false, cluster: false, embeddedBroker: false, dsx: false, ...o,
});

describe('campusSettings()', () => {
  it.each<[string, RawCampusOptions, RegExp]>([
    ['a campus view that is also a shard', raw({ campus: true, halls: 'h1', cluster: true }), /^--campus and --halls: a server is either the campus view or a hall shard, not both$/],
    ['a campus view without a cluster', raw({ campus: true }), /^--campus: needs --cluster/],
    ['a campus view with an embedded broker', raw({ campus: true, cluster: true, embeddedBroker: true }), /^--campus: takes no telemetry, so no --embedded-broker-port/],
    ['a campus view with a DSX feed', raw({ campus: true, cluster: true, dsx: true }), /^--campus: takes no telemetry, so no --dsx-root/],
    ['a fleet view without a cluster', raw({ fleet: true }), /^--fleet: needs --cluster/],
    ['a fleet view that is also a campus view', raw({ fleet: true, campus: true, cluster: true }), /^--fleet: the fleet view on a hub is neither a campus view nor a hall shard/],
    ['a fleet view that is also a shard', raw({ fleet: true, halls: 'h1', cluster: true }), /^--fleet: .*no --campus, no --halls/],
    ['a fleet view with an embedded broker', raw({ fleet: true, cluster: true, embeddedBroker: true }), /^--fleet: takes no telemetry, so no --embedded-broker-port or --dsx-root$/],
    ['a fleet view with a DSX feed', raw({ fleet: true, cluster: true, dsx: true }), /^--fleet: takes no telemetry/],
    ['halls with no hall in them', raw({ halls: ' , ,', cluster: true }), /^--halls: no hall ID in " , ," \(hall IDs of the site file, comma-separated: h1,h2\)$/],
    ['halls empty', raw({ halls: '', cluster: true }), /^--halls: no hall ID in ""/],
    ['a hall ID with a slash', raw({ halls: 'h1,h/2', cluster: true }), /^--halls: "h\/2" is not a hall ID \(letters, digits, \. _ -\)$/],
    ['a hall ID with an MQTT wildcard', raw({ halls: '+', cluster: true }), /^--halls: "\+" is not a hall ID/],
    ['a hall ID starting with a dot', raw({ halls: '.h1', cluster: true }), /^--halls: "\.h1" is not a hall ID/],
    ['a hall given twice', raw({ halls: 'h1,h2, h1', cluster: true }), /^--halls: hall "h1" given twice$/],
    ['halls without a cluster', raw({ halls: 'h1' }), /^--halls: needs --cluster/],
    ['halls with a DSX feed', raw({ halls: 'h1', cluster: true, dsx: true }), /^--halls: a DSX feed \(--dsx-root\) carries every hall; run it on a whole-site server$/],
  ])('refuses %s, naming the option and the problem', (_name, options, message) => {
    expect(() => campusSettings(options)).toThrow(message);
  });

  it.each<[string, RawCampusOptions, object]>([
    ['nothing: a whole-site server', raw({}), { campus: 0, fleet: 0 }],
    ['a cluster alone: a whole-site pair', raw({ cluster: true, embeddedBroker: true, dsx: true }), { campus: 0, fleet: 0 }],
    ['the campus view', raw({ campus: true, cluster: true }), { campus: 1, fleet: 0 }],
    ['the fleet view', raw({ fleet: true, cluster: true }), { campus: 0, fleet: 1 }],
    ['one hall', raw({ halls: 'hall-1', cluster: true }), { halls: ['hall-1'], campus: 0, fleet: 0 }],
    ['halls in the order given, trimmed, empty entries dropped', raw({ halls: ' h3 ,h1,,h2.b ', cluster: true, embeddedBroker: true }),
      { halls: ['h3', 'h1', 'h2.b'], campus: 0, fleet: 0 }],
  ])('accepts %s', (_name, options, want) => {
    expect(campusSettings(options)).toStrictEqual(want);
  });

  it.each<[string, string[], Record<string, string>, object]>([
    ['--halls from argv', ['--halls', 'hall-2,hall-1', '--cluster', 'nats://a:4222'], {}, { halls: ['hall-2', 'hall-1'], campus: 0, fleet: 0 }],
    ['HALLWATCH_HALLS from the environment', [], { HALLWATCH_HALLS: 'hall-3', HALLWATCH_CLUSTER: 'nats://a:4222' }, { halls: ['hall-3'], campus: 0, fleet: 0 }],
    ['--campus 1 from argv', ['--campus', '1', '--cluster', 'nats://a:4222'], {}, { campus: 1, fleet: 0 }],
  ])('is read by loadServerConfig: %s', (_name, argv, env, want) => {
    expect(loadServerConfig(argv, env)).toMatchObject(want);
  });

  it.each<[string, string[], Record<string, string>, string]>([
    ['HALLWATCH_HALLS without a cluster', [], { HALLWATCH_HALLS: 'hall-1' }, '--halls: needs --cluster'],
    ['--halls with --campus', ['--halls', 'hall-1', '--campus', '1', '--cluster', 'nats://a:4222'], {}, '--campus and --halls'],
  ])('refuses through loadServerConfig: %s', (_name, argv, env, message) => {
    expect(() => loadServerConfig(argv, env)).toThrow(message);
  });

  it('leaves a server without campus options a whole-site server', () => {
    const c = loadServerConfig([], {});
    expect(c.halls).toBeUndefined();
    expect([c.campus, c.fleet]).toEqual([0, 0]);
  });
});

describe('siteOfHalls()', () => {
  const spec = generateSite({ halls: 4, rows: 1, racksPerRow: 2, racksPerCdu: 2, name: 'campus test' });

  it.each<[string, string[], string[]]>([
    ['one hall', ['hall-2'], ['hall-2']],
    ['halls in site-file order, whatever the order asked', ['hall-4', 'hall-1', 'hall-3'], ['hall-1', 'hall-3', 'hall-4']],
    ['every hall', ['hall-1', 'hall-2', 'hall-3', 'hall-4'], ['hall-1', 'hall-2', 'hall-3', 'hall-4']],
  ])('keeps only the given halls: %s', (_name, asked, kept) => {
    const sub = siteOfHalls(spec, asked);
    if (!sub.ok) throw new Error(sub.message);
    expect(sub.value.halls.map((h) => h.id)).toEqual(kept);
    expect(sub.value.halls[0]).toBe(spec.halls.find((h) => h.id === kept[0]));
    expect({ ...sub.value, halls: [] }).toEqual({ ...spec, halls: [] });
  });

  it.each<[string, string[], string]>([
    ['one missing hall', ['hall-1', 'h9'], '--halls: "h9" not in site "campus test" (its halls: hall-1, hall-2, hall-3, hall-4)'],
    ['two missing halls, in the order asked', ['x2', 'hall-2', 'x1'], '--halls: "x2", "x1" not in site "campus test" (its halls: hall-1, hall-2, hall-3, hall-4)'],
  ])('names the halls the site lacks and its own: %s', (_name, asked, message) => {
    expect(siteOfHalls(spec, asked)).toEqual({ ok: false, reason: 'unknown-hall', message });
  });
});
