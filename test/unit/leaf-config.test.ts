/**
 * The hub and site node configurations of a multi-site campus (docs/multi-site.md), read back key
 * by key: what each site exports to the hub and nothing else, JetStream domains kept apart, the
 * site's own cluster config kept as `natsNodeConfig()` wrote it.
 */
import { describe, expect, it } from 'vitest';
import {
  FLEET_ACCOUNT, HUB_LINK_ACCOUNT, SITE_ACCOUNT, hubNodeConfig, siteNodeConfig, type HubNodeConfig, type SiteLeafConfig,
} from '../../server/cluster/leaf-config.ts';
import type { NatsNodeConfig } from '../../server/cluster/nats-node-config.ts';
import { confAt, parseNatsConf, subjectMatches, type ConfMap } from '../helpers/nats-conf.ts';

const hub: HubNodeConfig = {
  serverName: 'hub-1', host: '10.0.0.1', clientPort: 4222, httpPort: 8222, leafPort: 7422,
  sites: [{ siteKey: 'a', leafPassword: 'pa' }, { siteKey: 'north-2', leafPassword: 'pn' }],
};
const node = (routes: string[]): NatsNodeConfig => ({
  serverName: 'a1', host: '10.1.0.1', clientPort: 4222, httpPort: 8222, mqttPort: 1883, clusterPort: 6222, routes, storeDir: '/var/lib/nats', clusterName: 'site-a',
});
const leaf: SiteLeafConfig = { siteKey: 'a', hubLeafAddresses: ['10.0.0.1:7422', '10.0.0.2:7422'], leafPassword: 'pa' };
const site = (routes = ['10.1.0.1:6222']): ConfMap => parseNatsConf(siteNodeConfig(node(routes), leaf));

describe('hubNodeConfig()', () => {
  const conf = parseNatsConf(hubNodeConfig(hub));

  it.each<[string, (string | number)[], unknown]>([
    ['clients on the client port', ['listen'], '10.0.0.1:4222'],
    ['monitoring (/leafz) on the HTTP port', ['http'], '10.0.0.1:8222'],
    ['the sites dial the leaf port', ['leafnodes', 'listen'], '10.0.0.1:7422'],
    ['site a has a leaf user bound to FLEET', ['leafnodes', 'authorization', 'users', 0], { user: 'a', password: 'pa', account: FLEET_ACCOUNT }],
    ['so has site north-2', ['leafnodes', 'authorization', 'users', 1], { user: 'north-2', password: 'pn', account: FLEET_ACCOUNT }],
    ['a client without credentials lands in FLEET, where the sites\' subjects arrive', ['accounts', FLEET_ACCOUNT, 'users', 0, 'user'], 'local'],
    ['…as the no-auth user', ['no_auth_user'], 'local'],
    ['no JetStream unless a store is given', ['jetstream'], undefined],
  ])('%s', (_name, path, want) => {
    expect(confAt(conf, ...path)).toEqual(want);
  });

  it('puts JetStream, when on, in domain "hub" and enables it for FLEET', () => {
    const js = parseNatsConf(hubNodeConfig({ ...hub, storeDir: '/var/lib/nats-hub' }));
    expect(confAt(js, 'jetstream')).toMatchObject({ domain: 'hub', store_dir: '/var/lib/nats-hub' });
    expect(confAt(js, 'accounts', FLEET_ACCOUNT, 'jetstream')).toBe('enabled');
  });

  it.each<[string, Partial<HubNodeConfig>, string]>([
    ['a site key with a dot (a subject token)', { sites: [{ siteKey: 'a.b', leafPassword: 'p' }] }, 'site key "a.b"'],
    ['a password with a quote', { sites: [{ siteKey: 'a', leafPassword: 'p"x' }] }, 'leaf password of site "a"'],
    ['a password with $ (a config variable)', { sites: [{ siteKey: 'a', leafPassword: '$p' }] }, 'leaf password of site "a"'],
    ['no site (the leaf port would take anyone)', { sites: [] }, 'a hub needs at least one site'],
    ['a site twice', { sites: [{ siteKey: 'a', leafPassword: 'p' }, { siteKey: 'a', leafPassword: 'q' }] }, 'site "a" listed twice'],
  ])('refuses %s', (_name, change, message) => {
    expect(() => hubNodeConfig({ ...hub, ...change })).toThrow(message);
  });
});

describe('siteNodeConfig()', () => {
  it.each<[string, (string | number)[], unknown]>([
    ['keeps the node\'s client port', ['listen'], '10.1.0.1:4222'],
    ['keeps its MQTT listener for the racks', ['mqtt', 'listen'], '10.1.0.1:1883'],
    ['keeps its JetStream store', ['jetstream', 'store_dir'], '/var/lib/nats'],
    ['puts its JetStream in the site\'s own domain, never "hub"', ['jetstream', 'domain'], 'site-a'],
    ['puts every local client (servers, racks over MQTT) in SITE', ['no_auth_user'], 'local'],
    ['…which has JetStream (buckets, the MQTT sessions)', ['accounts', SITE_ACCOUNT, 'jetstream'], 'enabled'],
    ['binds the leaf connection to HUB_LINK, not SITE', ['leafnodes', 'remotes', 0, 'account'], HUB_LINK_ACCOUNT],
    ['dials every hub node as the site\'s leaf user', ['leafnodes', 'remotes', 0, 'urls'], ['nats-leaf://a:pa@10.0.0.1:7422', 'nats-leaf://a:pa@10.0.0.2:7422']],
    ['retries the hub every second', ['leafnodes', 'reconnect'], '1'],
    ['a one-node site runs without a cluster block (JetStream would wait for peers forever)', ['cluster'], undefined],
  ])('%s', (_name, path, want) => {
    expect(confAt(site(), ...path)).toEqual(want);
  });

  it('keeps a three-node site\'s routes', () => {
    const routes = ['10.1.0.1:6222', '10.1.0.2:6222', '10.1.0.3:6222'];
    expect(confAt(site(routes), 'cluster', 'routes')).toEqual(routes.map((r) => `nats-route://${r}`));
  });

  /** What HUB_LINK holds: the only subjects that can cross the leaf connection, whichever way. */
  const linkSubjects = (conf: ConfMap, kind: 'stream' | 'service') =>
    (confAt(conf, 'accounts', HUB_LINK_ACCOUNT, 'imports') as ConfMap[])
      .filter((imp) => imp[kind] !== undefined)
      .map((imp) => {
        expect(confAt(imp, kind, 'account')).toBe(SITE_ACCOUNT);
        return confAt(imp, kind, 'subject') as string;
      });

  it.each<[string, string, 'up' | 'down' | 'none']>([
    ['a shard\'s beat goes up to the hub', 'hallwatch.campus.a.shard.h1.beat', 'up'],
    ['its live state', 'hallwatch.campus.a.shard.h1_h2.live', 'up'],
    ['its alerts', 'hallwatch.campus.a.shard.h2.alerts', 'up'],
    ['an ack from the fleet view comes down to the site', 'hallwatch.campus.a.req.h1.ack', 'down'],
    ['a history request too', 'hallwatch.campus.a.req.h1_h2.history', 'down'],
    ['raw telemetry (the MQTT bridge\'s subject) stays', 'hallwatch.v1.h1.rack.r1.telemetry', 'none'],
    ['the MQTT sessions stay', '$MQTT.sess.abc', 'none'],
    ['JetStream API stays', '$JS.API.STREAM.INFO.x', 'none'],
    ['key-value buckets stay', '$KV.hallwatch-state.users', 'none'],
    ['another site\'s subjects are not this site\'s to send', 'hallwatch.campus.b.shard.h1.beat', 'none'],
    ['nor its requests to receive', 'hallwatch.campus.b.req.h1.ack', 'none'],
  ])('%s: %s', (_name, subject, way) => {
    const conf = site();
    const up = linkSubjects(conf, 'stream').some((f) => subjectMatches(f, subject));
    const down = linkSubjects(conf, 'service').some((f) => subjectMatches(f, subject));
    expect(up ? 'up' : down ? 'down' : 'none').toBe(way);
  });

  it('exports from SITE exactly what HUB_LINK imports', () => {
    const conf = site();
    const exports = (confAt(conf, 'accounts', SITE_ACCOUNT, 'exports') as ConfMap[]).map((e) => e.stream ? ['stream', e.stream] : ['service', e.service]);
    expect(exports).toEqual([...linkSubjects(conf, 'stream').map((s) => ['stream', s]), ...linkSubjects(conf, 'service').map((s) => ['service', s])]);
  });

  it.each<[string, Partial<SiteLeafConfig>, string]>([
    ['a site key with a wildcard', { siteKey: 'a*' }, 'site key "a*"'],
    ['no hub address', { hubLeafAddresses: [] }, 'no hub leaf address'],
    ['a password with a space', { leafPassword: 'p q' }, 'leaf password of site "a"'],
  ])('refuses %s', (_name, change, message) => {
    expect(() => siteNodeConfig(node(['10.1.0.1:6222']), { ...leaf, ...change })).toThrow(message);
  });
});

describe('parseNatsConf() (the test\'s reader)', () => {
  it('refuses a key given twice, as nats-server would silently keep the last', () => {
    expect(() => parseNatsConf('jetstream { store_dir: "a" }\njetstream { domain: x }')).toThrow('"jetstream" given twice');
  });
  it.each<[string, string, boolean]>([
    ['hallwatch.campus.>', 'hallwatch.campus.a.shard.h1.beat', true],
    ['hallwatch.campus.>', 'hallwatch.campus', false],
    ['hallwatch.campus.*.req.>', 'hallwatch.campus.a.req.h1.ack', true],
    ['hallwatch.campus.a.shard.>', 'hallwatch.campus.ab.shard.h1.beat', false],
  ])('%s matches %s: %s', (filter, subject, want) => {
    expect(subjectMatches(filter, subject)).toBe(want);
  });
});
