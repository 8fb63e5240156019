/**
 * The pure parts of shared operator state: the cluster options, the site fingerprint two servers
 * compare, the keys of the state bucket, and what an operator is answered when a change is not stored.
 */
import { describe, expect, it } from 'vitest';
import { clusterSettings, type RawClusterOptions } from '../../server/cluster/cluster-config.ts';
import { loadServerConfig } from '../../server/config.ts';
import { parseSiteClaim, siteClaim, siteMismatch } from '../../server/cluster/site-fingerprint.ts';
import { STATE_KEYS } from '../../server/storage/state-stores.ts';
import { storeFailure } from '../../server/http/store-errors.ts';
import { EditConflictError, StoreConflictError, StoreUnavailableError } from '../../server/storage/store.ts';
import { canonicalJson } from '../../server/storage/canonical-json.ts';
import { generateSite } from '../../simulators/generate-site.ts';

const host = { hostname: 'noc-a', port: 8080 };
const raw = (o: Partial<RawClusterOptions>): RawClusterOptions => ({ replicas: null, ...o });

describe('clusterSettings()', () => {
  it.each<[string, RawClusterOptions, object]>([
    ['no cluster: one server, named after its host and port', raw({}), { clusterReplicas: 1, serverName: 'noc-a:8080' }],
    ['three nodes: three copies', raw({ cluster: 'nats://a:4222,nats://b:4222,nats://c:4222' }),
      { clusterUrls: 'nats://a:4222,nats://b:4222,nats://c:4222', clusterReplicas: 3, serverName: 'noc-a:8080' }],
    ['spaces and empty entries trimmed', raw({ cluster: ' nats://a:4222 , ,nats://b:4222,' }), { clusterUrls: 'nats://a:4222,nats://b:4222', clusterReplicas: 2 }],
    ['five nodes: at most three copies by default', raw({ cluster: 'nats://a,nats://b,nats://c,nats://d,nats://e' }), { clusterReplicas: 3 }],
    ['copies as asked', raw({ cluster: 'nats://a:4222', replicas: 3 }), { clusterReplicas: 3 }],
    ['tls:// nodes', raw({ cluster: 'tls://a:4222' }), { clusterUrls: 'tls://a:4222' }],
    ['a name of its own', raw({ cluster: 'nats://a:4222', serverName: 'hallwatch-1' }), { serverName: 'hallwatch-1' }],
  ])('%s', (_name, options, want) => {
    expect(clusterSettings(options, host)).toMatchObject(want);
  });

  it.each<[string, RawClusterOptions, string]>([
    ['an HTTP URL', raw({ cluster: 'http://a:4222' }), '--cluster: "http://a:4222" is not a nats:// or tls:// URL'],
    ['a host without a scheme', raw({ cluster: 'a:4222' }), '--cluster: "a:4222" is not a nats:// or tls:// URL'],
    ['no URL at all', raw({ cluster: ' , ' }), '--cluster: no URL in " , "'],
    ['a path', raw({ cluster: 'nats://a:4222/x' }), '--cluster: "nats://a:4222/x" has a path'],
    ['not a URL', raw({ cluster: 'nats://[::1' }), '--cluster: "nats://[::1" is not a URL'],
    ['copies without a cluster', raw({ replicas: 3 }), '--cluster-replicas: only with --cluster'],
    ['a name with a space', raw({ serverName: 'noc a' }), '--server-name: letters, digits and . _ : @ -'],
  ])('refuses %s, naming the option', (_name, options, message) => {
    expect(() => clusterSettings(options, host)).toThrow(message);
  });

  it('is read from HALLWATCH_CLUSTER like every option, and leaves a single server without one', () => {
    const env = { HALLWATCH_CLUSTER: 'nats://a:4222,nats://b:4222', HALLWATCH_SERVER_NAME: 'b' };
    expect(loadServerConfig([], env)).toMatchObject({ clusterUrls: 'nats://a:4222,nats://b:4222', clusterReplicas: 2, serverName: 'b', clusterAdoptSite: 0 });
    expect(loadServerConfig([], {}).clusterUrls).toBeUndefined();
    expect(() => loadServerConfig(['--cluster-replicas', '9', '--cluster', 'nats://a'], {})).toThrow('--cluster-replicas: must be an integer in [1, 5]');
  });
});

describe('the site fingerprint', () => {
  const spec = generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'hall A' });
  const reordered = reverseKeys(spec) as typeof spec;
  const mine = siteClaim(spec, 'a', 0);

  it.each([
    ['the same site', spec, true],
    ['the same site written with its keys in another order', reordered, true],
    ['another name', { ...spec, name: 'hall B' }, false],
    ['a rack more', generateSite({ halls: 1, rows: 2, racksPerRow: 5, racksPerCdu: 2, name: 'hall A' }), false],
    ['another setpoint', generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'hall A', supplySetpointC: 35 }), false],
  ])('matches %s: %s', (_name, other, same) => {
    expect(siteMismatch(mine, siteClaim(other, 'b', 1)) === null).toBe(same);
  });

  it('is written differently when reordered, yet canonical JSON is the same', () => {
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(spec));
    expect(canonicalJson(reordered)).toBe(canonicalJson(spec));
  });

  it('counts what the site holds and names both sites when they differ', () => {
    expect(mine).toMatchObject({ name: 'hall A', halls: 1, racks: 8, cdus: 6, by: 'a', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const theirs = siteClaim(generateSite({ halls: 2, rows: 1, racksPerRow: 3, racksPerCdu: 3, name: 'hall B' }), 'noc-b:8080', Date.parse('2026-01-02T03:04:05Z'));
    expect(siteMismatch(mine, theirs)).toMatch(new RegExp(
      '^this server\'s site file is "hall A" \\(8 racks, 6 CDUs in 1 halls, sha256 [0-9a-f]{12}…\\) but the cluster runs "hall B" \\(6 racks, 4 CDUs in 2 halls, ' +
      'sha256 [0-9a-f]{12}…\\), stored by server noc-b:8080 at 2026-01-02T03:04:05.000Z: both servers of a pair must load the same site file. ' +
      'To change the site on purpose, give both servers the new file and start one with --cluster-adopt-site 1$'));
  });

  it.each([
    [null, 'not a site fingerprint (an object is required)'],
    [{ sha256: 'x', name: 'n', halls: 1, racks: '8' }, 'not a site fingerprint (racks: a number is required)'],
  ])('refuses a stored fingerprint %j: %s', (json, message) => {
    expect(() => parseSiteClaim(json)).toThrow(message);
  });
});

/** The same value with every object's keys in reverse order. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
}

describe('the keys of the hallwatch-state bucket', () => {
  it.each(Object.entries(STATE_KEYS))('%s is stored as "%s", a valid key-value key', (_doc, key) => {
    // nats.js key-value keys: -/_=.a-zA-Z0-9, no leading or trailing dot.
    expect(key).toMatch(/^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$/);
  });

  it('gives every document a key of its own', () => {
    expect(new Set(Object.values(STATE_KEYS)).size).toBe(Object.keys(STATE_KEYS).length);
  });
});

describe('storeFailure()', () => {
  it.each<[string, unknown, ReturnType<typeof storeFailure>]>([
    ['the same object changed on another server', new EditConflictError('hallwatch-state/wall.layouts', 'wall layout "noc" was changed on another server meanwhile'),
      { status: 409, error: 'conflict: wall layout "noc" was changed on another server meanwhile' }],
    ['a whole-document conflict', new StoreConflictError('alerts-state.json', 3, 4),
      { status: 409, error: 'conflict: alerts-state.json was changed elsewhere (revision 4, expected 3)' }],
    ['the cluster unreachable', new StoreUnavailableError('hallwatch-state/users', 'TIMEOUT'),
      { status: 503, error: 'hallwatch-state/users: the change could not be stored (TIMEOUT); nothing was changed here, try again' }],
    ['any other error', new Error('bug'), null],
  ])('answers %s', (_name, error, want) => {
    expect(storeFailure(error)).toEqual(want);
  });
});
