import { describe, expect, it } from 'vitest';
import { busClientOptions, redactBusUrl, type BusClientOptions, type BusConnection } from '../../protocol/bus-connection.ts';
import { mqttClientOptions } from '../../server/broker/mqtt-client.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const base = { clientId: 'hallwatch-test' };

describe('busClientOptions() builds MQTT.js client options', () => {
  it.each<[string, BusConnection, Partial<BusClientOptions>]>([
    ['one mqtt:// URL with its port, and the defaults', { ...base, urls: 'mqtt://127.0.0.1:1884' }, {
      servers: [{ protocol: 'mqtt', host: '127.0.0.1', port: 1884 }], protocol: 'mqtt', protocolVersion: 4, clientId: 'hallwatch-test',
      clean: true, keepalive: 60, reconnectPeriod: 1000, reconnectOnConnackError: true, connectTimeout: 10_000,
    }],
    ['the scheme\'s port when the URL names none (1883, 8883, 80, 443)', { ...base, urls: ['mqtt://a', 'mqtts://b', 'ws://c', 'wss://d'] }, {
      servers: [
        { protocol: 'mqtt', host: 'a', port: 1883 }, { protocol: 'mqtts', host: 'b', port: 8883 },
        { protocol: 'ws', host: 'c', port: 80 }, { protocol: 'wss', host: 'd', port: 443 },
      ],
    }],
    ['mqtts:// with a private CA', { ...base, urls: 'mqtts://broker.example:8883', caPem: PEM }, {
      servers: [{ protocol: 'mqtts', host: 'broker.example', port: 8883 }], protocol: 'mqtts', ca: PEM,
    }],
    ['credentials from the configuration', { ...base, urls: 'mqtt://h', username: 'hallwatch', password: 's3cret' }, {
      username: 'hallwatch', password: 's3cret',
    }],
    ['credentials in the URL take precedence, percent-decoded', { ...base, urls: 'mqtt://ops:p%40ss@h', username: 'other', password: 'x' }, {
      username: 'ops', password: 'p@ss',
    }],
    ['a list in order, every server with its scheme', { ...base, urls: ['mqtts://b1:8883', 'mqtts://b2:8884'], caPem: PEM }, {
      servers: [{ protocol: 'mqtts', host: 'b1', port: 8883 }, { protocol: 'mqtts', host: 'b2', port: 8884 }], protocol: 'mqtts', ca: PEM,
    }],
    ['a comma-separated list as --mqtt takes it, spaces around the commas ignored', { ...base, urls: 'mqtt://n1:4883, mqtt://n2:4884,mqtt://n3:4885' }, {
      servers: [{ protocol: 'mqtt', host: 'n1', port: 4883 }, { protocol: 'mqtt', host: 'n2', port: 4884 }, { protocol: 'mqtt', host: 'n3', port: 4885 }],
    }],
    ['a WebSocket URL keeps its path', { ...base, urls: 'wss://h/mqtt' }, { protocol: 'wss', path: '/mqtt' }],
    ['an IPv6 host without its brackets', { ...base, urls: 'mqtt://[::1]:1883' }, { servers: [{ protocol: 'mqtt', host: '::1', port: 1883 }] }],
    ['a persistent session, keepalive, reconnect period and timeout as given', {
      ...base, urls: 'mqtt://h', clean: false, keepaliveS: 10, reconnectPeriodMs: 0, connectTimeoutMs: 3000,
    }, {
      clean: false, keepalive: 10, reconnectPeriod: 0, reconnectOnConnackError: false, connectTimeout: 3000,
    }],
    ['a Last Will', { ...base, urls: 'mqtt://h', will: { topic: 'hallwatch/v1/h1/rack/r1/status', payload: 'offline', qos: 1, retain: true } }, {
      will: { topic: 'hallwatch/v1/h1/rack/r1/status', payload: 'offline', qos: 1, retain: true },
    }],
  ])('%s', (_what, connection, expected) => {
    const r = busClientOptions(connection);
    expect(r.ok && r.value).toMatchObject(expected);
  });

  it('leaves out a CA, credentials and a will nobody gave', () => {
    const r = busClientOptions({ ...base, urls: 'mqtt://h' });
    expect(r.ok).toBe(true);
    if (r.ok) for (const key of ['ca', 'username', 'password', 'will'] as const) expect(r.value[key]).toBeUndefined();
  });

  it.each<[string, string | string[], RegExp]>([
    ['not a URL', 'broker:1883', /"broker:1883" must start with mqtt:\/\//],
    ['no scheme at all', '127.0.0.1:1883', /"127\.0\.0\.1:1883"/],
    ['an unknown scheme', 'http://h:1883', /"http:\/\/h:1883" must start with mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\//],
    ['no host', 'mqtt://', /"mqtt:\/\/" names no host/],
    ['a port out of range', 'mqtt://h:99999', /"mqtt:\/\/h:99999" is not a URL/],
    ['spaces', 'mqtt://my broker', /"mqtt:\/\/my broker" is not a URL/],
    ['a bad URL after good ones', ['mqtt://a', 'mqtt://b', 'tcp://c'], /"tcp:\/\/c" must start with/],
    ['a bad URL in a comma-separated list', 'mqtt://a:1883,mqtt//b:1883,mqtt://c:1883', /"mqtt\/\/b:1883" is not a URL/],
    ['an empty entry in a comma-separated list', 'mqtt://a,,mqtt://c', /broker URL list "mqtt:\/\/a, , mqtt:\/\/c" has an empty entry/],
    ['a trailing comma', 'mqtt://a,', /has an empty entry/],
    ['an empty text', '', /no broker URL given/],
    ['a list whose WebSocket paths differ', ['ws://a/mqtt', 'ws://b/other'], /"ws:\/\/b\/other": every URL of a list must have the same path \(\/mqtt\)/],
    ['a list whose credentials differ', ['mqtt://u:p@a', 'mqtt://b'], /"mqtt:\/\/b": every URL of a list must carry the same credentials/],
    ['a password, masked in the message', 'http://ops:hunter2@h', /"http:\/\/ops:\*\*\*@h"/],
    ['an empty list', [], /no broker URL given/],
  ])('refuses %s, naming the URL', (_what, urls, message) => {
    const r = busClientOptions({ ...base, urls });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      expect(r.message).not.toContain('hunter2');
    }
  });

  it.each([
    ['mqtt://h:1883', 'mqtt://h:1883'],
    ['mqtts://ops:hunter2@h:8883', 'mqtts://ops:***@h:8883'],
    [['mqtt://a', 'mqtt://u:p@b'], 'mqtt://a, mqtt://u:***@b'],
    ['mqtt://u:p@a:1,mqtt://u:p@b:2', 'mqtt://u:***@a:1, mqtt://u:***@b:2'],
  ])('redactBusUrl(%j) → %s', (urls, printed) => expect(redactBusUrl(urls)).toBe(printed));
});

describe('the server\'s MQTT client factory', () => {
  it('throws naming a bad URL', () => {
    expect(() => mqttClientOptions({ ...base, urls: ['mqtt://a', 'mqtt//b'] })).toThrow(/"mqtt\/\/b"/);
  });

  it('hands MQTT.js the servers and turns its per-packet debug logging off', () => {
    const o = mqttClientOptions({ ...base, urls: ['mqtt://a:1', 'mqtt://b:2'], caPem: PEM });
    expect(o.servers).toEqual([{ protocol: 'mqtt', host: 'a', port: 1 }, { protocol: 'mqtt', host: 'b', port: 2 }]);
    expect(o.ca).toBe(PEM);
    expect(typeof o.log).toBe('function');
  });
});
