/**
 * IP addresses and CIDR ranges, IPv4 and IPv6, as numbers: read from their text forms (a dotted
 * quad; RFC 4291 §2.2 for IPv6), written back in one canonical text (RFC 5952 §4) so one host is
 * one key, and matched against ranges. An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, as a
 * dual-stack socket reports an IPv4 peer) is its IPv4 address.
 */

/** An address: its family's width in bits and its value. */
export interface IpAddress {
  bits: 32 | 128;
  value: bigint;
}

/** A CIDR range: the addresses of one family whose first `prefix` bits equal `value`'s. */
export interface IpRange extends IpAddress {
  prefix: number;
}

/** `::ffff:0:0/96`, the IPv4-mapped block (RFC 4291 §2.5.5.2). */
const MAPPED_HIGH = 0xffffn;

function parseV4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    // No leading zeros: `010` reads as octal to some parsers and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

/** The 128-bit value of an IPv6 text (without a zone), mapped or not; null when it is none. */
function parseV6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  // A dotted quad may stand for the last two groups.
  const last = groups[groups.length - 1];
  let quadGroups: bigint[] = [];
  if (last.length > 0 && last[last.length - 1].includes('.')) {
    const quad = parseV4(last.pop()!);
    if (quad === null) return null;
    quadGroups = [quad >> 16n, quad & 0xffffn];
  }
  const hexGroups = groups.flat();
  if (hexGroups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const explicit = hexGroups.length + quadGroups.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  const head = groups[0].map((g) => BigInt(`0x${g}`));
  const tail = [...(groups[1] ?? []).map((g) => BigInt(`0x${g}`)), ...quadGroups];
  const all = halves.length === 1 ? [...head, ...tail] : [...head, ...Array<bigint>(8 - explicit).fill(0n), ...tail];
  return all.reduce((v, g) => (v << 16n) | g, 0n);
}

/** The address as written, IPv4-mapped IPv6 left as IPv6 (ranges need the difference). */
function parseRaw(text: string): IpAddress | null {
  if (text.includes(':')) {
    // A zone (`fe80::1%eth0`) names the interface, not the host.
    const value = parseV6(text.replace(/%[^%]+$/, ''));
    return value === null ? null : { bits: 128, value };
  }
  const value = parseV4(text);
  return value === null ? null : { bits: 32, value };
}

function isMapped(a: IpAddress): boolean {
  return a.bits === 128 && a.value >> 32n === MAPPED_HIGH;
}

/** The address a text names, or null when it is not one. IPv4-mapped IPv6 comes back as IPv4. */
export function parseIp(text: string): IpAddress | null {
  const a = parseRaw(text);
  return a && isMapped(a) ? { bits: 32, value: a.value & 0xffff_ffffn } : a;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, the longest run of two or more zero groups as `::`). */
export function ipText(a: IpAddress): string {
  if (a.bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 255n)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => (a.value >> s) & 0xffffn);
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let n = 0;
    while (i + n < 8 && groups[i + n] === 0n) n++;
    if (n > best.length) best = { at: i, length: n };
  }
  const hex = (gs: bigint[]) => gs.map((g) => g.toString(16)).join(':');
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`;
}

/**
 * A range from `address` or `address/prefix`; a bare address is a range of one. An IPv4-mapped
 * range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps. Host bits beyond the prefix are refused
 * (`10.0.0.1/8` is more likely a typo than a way to write 10.0.0.0/8).
 */
export function parseIpRange(text: string): { ok: true; value: IpRange } | { ok: false; error: string } {
  const [addressText, prefixText, ...extra] = text.split('/');
  const a = extra.length === 0 ? parseRaw(addressText) : null;
  if (!a) return { ok: false, error: `"${text}" is not an IPv4 or IPv6 address or CIDR range` };
  const prefix = prefixText === undefined ? a.bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= a.bits)) return { ok: false, error: `"${text}": the prefix length must be 0–${a.bits} for an IPv${a.bits === 32 ? 4 : 6} range` };
  const hostBits = BigInt(a.bits - prefix);
  if ((a.value & ((1n << hostBits) - 1n)) !== 0n) {
    const network = ipText({ bits: a.bits, value: (a.value >> hostBits) << hostBits });
    return { ok: false, error: `"${text}" has bits set beyond its /${prefix} prefix (the range is ${network}/${prefix})` };
  }
  if (isMapped(a)) {
    if (prefix < 96) return { ok: false, error: `"${text}": an IPv4-mapped range needs a prefix of at least 96` };
    return { ok: true, value: { bits: 32, value: a.value & 0xffff_ffffn, prefix: prefix - 96 } };
  }
  return { ok: true, value: { ...a, prefix } };
}

/** Whether `a` lies in `r` (never across families). */
export function inRange(a: IpAddress, r: IpRange): boolean {
  const hostBits = BigInt(r.bits - r.prefix);
  return a.bits === r.bits && a.value >> hostBits === r.value >> hostBits;
}
