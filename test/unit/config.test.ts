import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadServerConfig, serverHelp } from '../../server/config.ts';
import { OPTIONS } from '../../server/config-options.ts';
import { loadSimConfig, SIM_USAGE } from '../../simulators/config.ts';
import { parseFault } from '../../simulators/faults.ts';

describe('loadServerConfig()', () => {
  it('takes flags over HALLWATCH_* variables over defaults', () => {
    const c = loadServerConfig(['--port', '9000'], { HALLWATCH_PORT: '7000', HALLWATCH_TICK_MS: '500' });
    expect(c.port).toBe(9000);
    expect(c.tickMs).toBe(500);
    expect(c.mqttUrls).toEqual(['mqtt://127.0.0.1:1883']);
    expect(c.embeddedBrokerPort).toBeNull();
  });

  it.each([
    [['--port', 'eighty'], {}, '--port'],
    [['--port=70000'], {}, '--port'],
    [[], { HALLWATCH_TICK_MS: '5' }, 'HALLWATCH_TICK_MS'],
    [['--mqtt', 'http://broker'], {}, '--mqtt'],
    [['--log-level', 'loud'], {}, '--log-level'],
    [['--colour', 'red'], {}, '--colour'],
    [['--site'], {}, '--site'],
    [['--mqtt-ca', '/nonexistent/ca.pem'], {}, '--mqtt-ca'],
    [['--mqtt', 'mqtt://a:4883,http://b:4883'], {}, '--mqtt: broker URL "http://b:4883" must start with mqtt://'],
    [[], { HALLWATCH_MQTT_URL: 'mqtt://a:4883,,mqtt://c:4883' }, '--mqtt: broker URL list "mqtt://a:4883, , mqtt://c:4883" has an empty entry'],
    [['--dsx-mqtt', 'mqtt://a,b:1883'], {}, '--dsx-mqtt: broker URL "b:1883"'],
  ])('rejects %j %j naming %s', (argv, env, name) => {
    expect(() => loadServerConfig(argv as string[], env)).toThrow(name);
  });

  it.each([
    [['--mqtt-shared-group', 'hallwatch'], {}, '--mqtt-shared-group is no longer supported'],
    [['--mqtt-shared-group=hallwatch'], {}, '--mqtt-shared-group is no longer supported'],
    [[], { HALLWATCH_MQTT_SHARED_GROUP: 'hallwatch' }, 'HALLWATCH_MQTT_SHARED_GROUP (--mqtt-shared-group) is no longer supported'],
  ])('refuses a shared subscription group (%j %j), saying why', (argv, env, name) => {
    const refusal = () => loadServerConfig(argv as string[], env);
    expect(refusal).toThrow(name);
    expect(refusal).toThrow(/hands out messages, not racks: each server would see part of every rack's samples/);
    expect(refusal).toThrow(/redundant pair/);
  });

  it('writes raw history as blocks unless told points, by flag or HALLWATCH_HISTORY_RAW_FORMAT; refuses anything else', () => {
    expect(loadServerConfig([], {}).historyRawFormat).toBe('blocks');
    expect(loadServerConfig(['--history-raw-format', 'points'], {}).historyRawFormat).toBe('points');
    expect(loadServerConfig([], { HALLWATCH_HISTORY_RAW_FORMAT: 'points' }).historyRawFormat).toBe('points');
    expect(loadServerConfig(['--history-raw-format=blocks'], { HALLWATCH_HISTORY_RAW_FORMAT: 'points' }).historyRawFormat).toBe('blocks');
    expect(() => loadServerConfig(['--history-raw-format', 'rows'], {})).toThrow('--history-raw-format: must be points or blocks, got "rows"');
  });

  it('takes --mqtt and --dsx-mqtt as comma-separated lists of brokers', () => {
    const c = loadServerConfig(['--mqtt', 'mqtt://n1:4883, mqtt://n2:4883,mqtt://n3:4883', '--dsx-mqtt', 'mqtt://bms-a:1883,mqtt://bms-b:1883'], {});
    expect(c.mqttUrls).toEqual(['mqtt://n1:4883', 'mqtt://n2:4883', 'mqtt://n3:4883']);
    expect(c.dsxMqttUrls).toEqual(['mqtt://bms-a:1883', 'mqtt://bms-b:1883']);
    expect(loadServerConfig([], {}).dsxMqttUrls).toBeUndefined();
  });

  it('lists every option of its option table, and only those, with its environment twin in --help', () => {
    const table = OPTIONS.map(({ flag, env }) => ({ flag, env }));
    expect(table.length).toBeGreaterThan(40);
    const help = serverHelp().split('\n');
    for (const { flag, env } of table) {
      expect(help.some((l) => l.startsWith(`  --${flag} `) && l.includes(` ${env} `)), `--${flag} ${env} in --help`).toBe(true);
      expect(() => loadServerConfig([`--${flag}`, 'x'], {}), `--${flag} accepted`).not.toThrow('unknown option');
    }
    const listed = help.flatMap((l) => /^ {2}--([a-z0-9-]+) /.exec(l)?.[1] ?? []);
    expect(listed.sort()).toEqual(table.map((o) => o.flag).sort());
  });
});

describe('simulator config and faults', () => {
  it('lists every option it accepts, and only those, with its environment twin in --help', () => {
    const known = /const known = \[([^\]]*)\]/.exec(readFileSync('simulators/config.ts', 'utf8'))?.[1].match(/--[a-z-]+/g) ?? [];
    expect(known.length).toBeGreaterThan(10);
    const usage = SIM_USAGE.split('\n').slice(1);
    const listed = usage.map((l) => /^ {2}(--[a-z-]+) /.exec(l)?.[1]);
    expect(listed.every((f) => f !== undefined), 'every usage line names one option').toBe(true);
    // --no-gpu-detail is a switch: it takes no value, so it is not in the list of options with one.
    expect([...listed].sort()).toEqual([...known, '--no-gpu-detail'].sort());
    for (const line of usage) expect(line, 'an environment variable on every usage line').toMatch(/ HALLWATCH_[A-Z_]+\b/);
    for (const flag of known) expect(() => loadSimConfig([flag, '1'], {}), `${flag} accepted`).not.toThrow('unknown option');
  });

  it('collects repeated --fault flags and HALLWATCH_SIM_FAULTS', () => {
    const c = loadSimConfig(['--fault', 'leak:r1', '--fault', 'cdu-trip:c1', '--seed', '7'], { HALLWATCH_SIM_FAULTS: 'surge:hall-1' });
    expect(c.faults).toEqual(['surge:hall-1', 'leak:r1', 'cdu-trip:c1']);
    expect(c.seed).toBe(7);
    expect(() => loadSimConfig(['--seed', '-1'], {})).toThrow('--seed');
    expect(() => loadSimConfig(['--connections', 'many'], {})).toThrow('--connections');
  });

  it.each([
    [[], {}, true],
    [['--drift', 'off'], {}, false],
    [[], { HALLWATCH_SIM_DRIFT: 'off' }, false],
    [['--drift', 'on'], { HALLWATCH_SIM_DRIFT: 'off' }, true],
  ])('fouling racks: %j with %j → drift %s', (argv, env, drift) => {
    expect(loadSimConfig(argv, env).drift).toBe(drift);
  });

  it('refuses a --drift that is neither on nor off', () => {
    expect(() => loadSimConfig(['--drift', 'yes'], {})).toThrow('--drift: must be on or off, got "yes"');
  });

  it('takes --mqtt as a comma-separated list of brokers and refuses a bad one by name', () => {
    expect(loadSimConfig(['--mqtt', 'mqtt://n1:4883,mqtt://n2:4883'], {}).mqttUrls).toEqual(['mqtt://n1:4883', 'mqtt://n2:4883']);
    expect(loadSimConfig([], { HALLWATCH_MQTT_URL: 'mqtt://n1:4883' }).mqttUrls).toEqual(['mqtt://n1:4883']);
    expect(() => loadSimConfig(['--mqtt', 'mqtt://n1:4883,n2:4883'], {})).toThrow('--mqtt: broker URL "n2:4883"');
  });

  it.each([
    ['cdu-degrade:c1:40', { kind: 'cdu-degrade', target: 'c1', pct: 40 }],
    ['cdu-trip:c1', { kind: 'cdu-trip', target: 'c1' }],
    ['supply-excursion:c1:5', { kind: 'supply-excursion', target: 'c1', kelvin: 5 }],
    ['clog:r1:60', { kind: 'clog', target: 'r1', pct: 60 }],
    ['leak:r1', { kind: 'leak', target: 'r1', level: 2 }],
    ['leak:r1:1', { kind: 'leak', target: 'r1', level: 1 }],
    ['sensor-noisy:r1', { kind: 'sensor-noisy', target: 'r1', kelvin: 3 }],
    ['offline:r1', { kind: 'offline', target: 'r1' }],
    ['silent:r1', { kind: 'silent', target: 'r1' }],
    ['clear-all', { kind: 'clear-all' }],
  ])('parses %s', (text, cmd) => {
    const r = parseFault(text);
    expect(r.ok && r.value).toEqual(cmd);
  });

  it.each([
    ['melt:r1', 'unknown kind'],
    ['cdu-degrade:c1', 'percentage is required'],
    ['cdu-degrade:c1:140', 'percentage must be'],
    ['clog', 'missing target'],
  ])('rejects %s (%s)', (text, msg) => {
    const r = parseFault(text);
    expect(!r.ok && r.message).toContain(msg);
  });
});
