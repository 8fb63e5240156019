import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { clientAddress, parseTrustedProxies, requestClient } from '../../server/http/client-address.ts';
import { inRange, ipText, parseIp, parseIpRange, type IpRange } from '../../server/http/ip-address.ts';
import { loadServerConfig } from '../../server/config.ts';

function ranges(list: string): IpRange[] {
  const r = parseTrustedProxies(list);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('parseIp() and ipText()', () => {
  it.each<[string, string | null]>([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:10.1.2.3', '10.1.2.3'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::1.2.3.4', '::102:304'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['fe80::1%eth0', 'fe80::1'],
    ['256.0.0.1', null],
    ['010.0.0.1', null],
    ['1.2.3', null],
    ['1.2.3.4.5', null],
    ['', null],
    ['unknown', null],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['1:2:3:4:5:6:7', null],
    [':1:2:3:4:5:6:7', null],
    ['12345::1', null],
    ['::1.2.3.999', null],
    ['1.2.3.4::', null],
    ['g::1', null],
  ])('%j reads as %j', (text, want) => {
    const a = parseIp(text);
    expect(a === null ? null : ipText(a)).toBe(want);
  });
});

describe('parseIpRange() and inRange()', () => {
  it.each<[string, string, boolean]>([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.0.0.0/8', '::ffff:10.9.9.9', true],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '127.0.0.2', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['::1', '::1', true],
    ['::1', '127.0.0.1', false],
    ['2001:db8::/32', '2001:db8:ffff::7', true],
    ['2001:db8::/32', '2001:db9::7', false],
    ['::/0', '2001:db8::1', true],
    ['::ffff:192.168.0.0/112', '192.168.4.5', true],
    ['::ffff:192.168.0.0/112', '192.169.0.1', false],
    ['172.16.0.0/12', '172.31.255.255', true],
    ['172.16.0.0/12', '172.32.0.0', false],
  ])('%s holds %s: %s', (range, address, want) => {
    const r = parseIpRange(range);
    expect(r.ok).toBe(true);
    expect(inRange(parseIp(address)!, (r as { value: IpRange }).value)).toBe(want);
  });

  it.each<[string, RegExp]>([
    ['10.0.0.0/33', /"10\.0\.0\.0\/33": the prefix length must be 0–32/],
    ['::/129', /"::\/129": the prefix length must be 0–128/],
    ['10.0.0.0/', /"10\.0\.0\.0\/"/],
    ['10.0.0.0/x', /"10\.0\.0\.0\/x"/],
    ['10.0.0.0/8/8', /"10\.0\.0\.0\/8\/8" is not/],
    ['10.0.0.1/8', /"10\.0\.0\.1\/8" has bits set beyond its \/8 prefix \(the range is 10\.0\.0\.0\/8\)/],
    ['2001:db8::1/32', /the range is 2001:db8::\/32/],
    ['::ffff:0:0/95', /"::ffff:0:0\/95"/],
    ['hall-lb', /"hall-lb" is not an IPv4 or IPv6 address or CIDR range/],
  ])('refuses %j, naming it', (text, why) => {
    const r = parseIpRange(text);
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(why);
  });
});

describe('clientAddress()', () => {
  const lb = ranges('127.0.0.1,10.0.0.0/8,::1');
  it.each<{ why: string; peer: string | undefined; xff?: string | string[]; trusted?: IpRange[]; want: string }>([
    { why: 'without trusted proxies, the peer is the client and the header is ignored', peer: '10.0.0.5', xff: '203.0.113.7', trusted: [], want: '10.0.0.5' },
    { why: 'an IPv4-mapped peer is its IPv4 address', peer: '::ffff:198.51.100.4', trusted: [], want: '198.51.100.4' },
    { why: 'an untrusted peer\'s header is ignored', peer: '198.51.100.4', xff: '203.0.113.7', want: '198.51.100.4' },
    { why: 'a trusted peer names the client', peer: '127.0.0.1', xff: '203.0.113.7', want: '203.0.113.7' },
    { why: 'a trusted IPv4-mapped peer counts as its IPv4 address', peer: '::ffff:127.0.0.1', xff: '203.0.113.7', want: '203.0.113.7' },
    { why: 'an IPv4-mapped client is its IPv4 address', peer: '127.0.0.1', xff: '::ffff:203.0.113.7', want: '203.0.113.7' },
    { why: 'a trusted peer without a header is the client', peer: '127.0.0.1', want: '127.0.0.1' },
    { why: 'an empty header leaves the peer', peer: '127.0.0.1', xff: '', want: '127.0.0.1' },
    { why: 'a header of empty elements leaves the peer', peer: '127.0.0.1', xff: ' , ,', want: '127.0.0.1' },
    { why: 'spoofed leftmost entries are not believed', peer: '127.0.0.1', xff: '192.0.2.66, 192.0.2.67, 203.0.113.7', want: '203.0.113.7' },
    { why: 'trusted hops are skipped from the right', peer: '127.0.0.1', xff: '192.0.2.66, 203.0.113.7, 10.1.1.1, 10.2.2.2', want: '203.0.113.7' },
    { why: 'a spoofed trusted address left of the client is not reached', peer: '127.0.0.1', xff: '10.9.9.9, 203.0.113.7', want: '203.0.113.7' },
    { why: 'when every hop is trusted, the leftmost is the client', peer: '127.0.0.1', xff: '10.0.0.3, 10.0.0.4', want: '10.0.0.3' },
    { why: 'header lines read as one list, in order', peer: '127.0.0.1', xff: ['192.0.2.66, 203.0.113.7', '10.0.0.4'], want: '203.0.113.7' },
    { why: 'a proxy\'s own line after the client\'s forged one names the real peer', peer: '127.0.0.1', xff: ['192.0.2.66', '203.0.113.7'], want: '203.0.113.7' },
    { why: 'an empty line among the lines is skipped', peer: '127.0.0.1', xff: ['203.0.113.7', ''], want: '203.0.113.7' },
    { why: 'malformed entries left of the client are never read', peer: '127.0.0.1', xff: 'not-an-ip, 999.1.1.1, 203.0.113.7', want: '203.0.113.7' },
    { why: 'a malformed entry ends the walk at the last hop read', peer: '127.0.0.1', xff: '203.0.113.7, unknown', want: '127.0.0.1' },
    { why: 'a malformed entry behind trusted hops leaves the last trusted one', peer: '127.0.0.1', xff: '203.0.113.7, garbage, 10.0.0.4', want: '10.0.0.4' },
    { why: 'an IPv4 entry with a port is read without it', peer: '127.0.0.1', xff: '203.0.113.7:51234', want: '203.0.113.7' },
    { why: 'a bracketed IPv6 entry with a port is read without it', peer: '::1', xff: '[2001:DB8::7]:443', want: '2001:db8::7' },
    { why: 'an IPv6 client behind an IPv6 proxy', peer: '::1', xff: '2001:db8:0:0::7', want: '2001:db8::7' },
    { why: 'an IPv6 entry is written canonically', peer: '10.0.0.1', xff: '2001:0DB8::0007', want: '2001:db8::7' },
    { why: 'a closed socket has no address', peer: undefined, xff: '203.0.113.7', want: '?' },
    { why: 'a peer that is not an IP comes back as given', peer: 'local', xff: '203.0.113.7', want: 'local' },
  ])('$why', ({ peer, xff, trusted, want }) => {
    expect(clientAddress(peer, xff, trusted ?? lb)).toBe(want);
  });

  it('reads the socket and the X-Forwarded-For of a request', () => {
    const req = { socket: { remoteAddress: '::ffff:127.0.0.1' }, headers: { 'x-forwarded-for': '192.0.2.66, 203.0.113.7' } } as unknown as IncomingMessage;
    expect(requestClient(req, lb)).toBe('203.0.113.7');
    expect(requestClient(req, [])).toBe('127.0.0.1');
  });
});

describe('--trusted-proxies', () => {
  it('is empty by default: the socket\'s peer is the client', () => {
    expect(loadServerConfig([], {}).trustedProxies).toEqual([]);
  });

  it('reads addresses and CIDR ranges, IPv4 and IPv6, from the flag or HALLWATCH_TRUSTED_PROXIES', () => {
    const c = loadServerConfig(['--trusted-proxies', '127.0.0.1, 10.0.0.0/8,::1,'], {});
    expect(c.trustedProxies.map((r) => `${ipText(r)}/${r.prefix}`)).toEqual(['127.0.0.1/32', '10.0.0.0/8', '::1/128']);
    expect(loadServerConfig([], { HALLWATCH_TRUSTED_PROXIES: '192.168.10.0/24' }).trustedProxies).toHaveLength(1);
  });

  it.each(['10.0.0.0/33', 'hall-lb', '127.0.0.1;10.0.0.1', '10.0.0.1/8'])('refuses %j at start, naming the option and the entry', (entry) => {
    expect(() => loadServerConfig(['--trusted-proxies', `::1,${entry}`], {})).toThrow(`--trusted-proxies: "${entry}"`);
  });
});
