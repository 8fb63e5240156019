/**
 * Where notifications may go (server-side request forgery): a notification URL must not reach
 * the server's own host, link-local or cloud-metadata addresses, or hide behind an
 * internationalised (punycode) name. Checked on the URL when the configuration is read and on
 * every address a name resolves to when sending. Private networks (10/8, 172.16/12, 192.168/16,
 * fc00::/7) are allowed: that is where an Alertmanager usually runs. `host:port` pairs in the
 * allow list (`--alert-allow-targets`) are exempt — e.g. an Alertmanager on the same machine.
 */
import { isIP } from 'node:net';

export interface TargetPolicy {
  /** Allow link-local and metadata addresses (`--alert-webhook-allow-link-local 1`). */
  allowLinkLocal: boolean;
  /** `host:port` (lower case; IPv6 in brackets) exempt from the address rules. */
  allowTargets: ReadonlySet<string>;
}

/** The policy the configuration asks for: `--alert-webhook-allow-link-local` (1 = allow) and `--alert-allow-targets`. */
export function targetPolicy(cfg: { alertWebhookAllowLinkLocal: number; alertAllowTargets: readonly string[] }): TargetPolicy {
  return { allowLinkLocal: cfg.alertWebhookAllowLinkLocal === 1, allowTargets: new Set(cfg.alertAllowTargets) };
}

const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254']);

function v4(a: string): number[] {
  return a.split('.').map(Number);
}

/** Why a resolved address may not receive notifications, or null. */
export function addressRefusal(address: string, policy: TargetPolicy): string | null {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return addressRefusal(mapped[1], policy);
  // IPv4-mapped in hex, as URL parsing writes it: ::ffff:a9fe:a9fe = 169.254.169.254.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return addressRefusal(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, policy);
  }
  if (METADATA.has(a)) return policy.allowLinkLocal ? null : `${a} is a cloud metadata address`;
  if (isIP(a) === 4) {
    const [x, y] = v4(a);
    if (x === 127) return `${a} is a loopback address (this machine)`;
    if (x === 0) return `${a} is an unspecified address (this machine)`;
    if (x === 169 && y === 254) return policy.allowLinkLocal ? null : `${a} is a link-local address`;
    if (x >= 224) return `${a} is a multicast or reserved address`;
    return null;
  }
  if (isIP(a) === 6) {
    if (a === '::1') return `${a} is a loopback address (this machine)`;
    if (a === '::') return `${a} is an unspecified address (this machine)`;
    if (/^fe[89ab][0-9a-f]?:/.test(a)) return policy.allowLinkLocal ? null : `${a} is a link-local address`;
    if (a.startsWith('ff')) return `${a} is a multicast address`;
    return null;
  }
  return `${address} is not an IP address`;
}

/** The `host:port` a URL connects to, as the allow list spells it. */
export function targetKey(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname.toLowerCase()}:${port}`;
}

/** Why a notification URL is refused before any request, or null (names are checked again when resolved). */
export function urlRefusal(raw: string, policy: TargetPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} URLs are not allowed (http or https only)`;
  if (policy.allowTargets.has(targetKey(url))) return null;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIP(host)) return addressRefusal(host, policy);
  if (host.split('.').some((label) => label.startsWith('xn--'))) {
    return `${url.hostname} is an internationalised (punycode) name, which can imitate another; use its ASCII name or an address`;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return `${url.hostname} is this machine`;
  if (!host.includes('.')) return null;
  // Numeric forms a resolver reads as an address (http://2130706433/, http://0x7f.1/) are not names.
  if (/^[0-9.]+$|^0x/i.test(host)) return `${url.hostname} is a numeric host form; write the address out`;
  return null;
}
