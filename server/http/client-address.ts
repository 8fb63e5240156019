/**
 * Whose request this is. Behind HAProxy every browser and wall reaches the server from the
 * proxy's address; the proxy names the client in `X-Forwarded-For`, appending each peer it saw
 * to what the request already carried. Only the entries appended by proxies we trust
 * (`--trusted-proxies`) can be believed: anything further left was written by the client and
 * may be forged. So the list is read from the right, the socket's peer first, skipping trusted
 * hops; the first hop that is not trusted is the client (as nginx's `real_ip_recursive` and
 * Express's `trust proxy` do). The per-address WebSocket limit and the login rate limiter key
 * by what this returns.
 */
import type { IncomingMessage } from 'node:http';
import { inRange, ipText, parseIp, parseIpRange, type IpAddress, type IpRange } from './ip-address.ts';

/** The proxies whose `X-Forwarded-For` is believed (`--trusted-proxies`); empty = none, the socket's peer is the client. */
export type TrustedProxies = readonly IpRange[];

/**
 * `--trusted-proxies`: a comma-separated list of addresses and CIDR ranges, IPv4 and IPv6
 * (`127.0.0.1,10.0.0.0/8,::1`); empty is none. A bad entry is named in the error.
 */
export function parseTrustedProxies(list: string): { ok: true; value: IpRange[] } | { ok: false; error: string } {
  const value: IpRange[] = [];
  for (const entry of list.split(',').map((e) => e.trim()).filter(Boolean)) {
    const r = parseIpRange(entry);
    if (!r.ok) return r;
    value.push(r.value);
  }
  return { ok: true, value };
}

/**
 * One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.7:5123`,
 * `[2001:db8::7]:443`, as some proxies write it); null when it is none (`unknown`, a name, junk).
 */
function hopAddress(entry: string): IpAddress | null {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return parseIp(bracketed[1]);
  const v4WithPort = /^([\d.]+):\d{1,5}$/.exec(entry);
  return parseIp(v4WithPort ? v4WithPort[1] : entry);
}

/**
 * The client's address, canonical (`::ffff:10.1.2.3` is `10.1.2.3`), for a connection from
 * `socketAddress` carrying `forwardedFor` (the `X-Forwarded-For` header: one value, or its lines
 * in order, which read as one comma-separated list, RFC 9110 §5.3).
 *
 * - A peer that is not trusted is the client: its header is ignored.
 * - From a trusted peer, the list is walked from the right while the hops are trusted; the first
 *   untrusted hop is the client, and when every hop is trusted the leftmost one is.
 * - Empty list elements are skipped (RFC 9110 §5.6.1). A malformed entry ends the walk: it is never
 *   the address, and nothing left of it can be tied to a trusted hop, so the last hop read is the client.
 * - Without a peer address (a closed socket) the answer is `?`; one that is not an IP comes back as given.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | readonly string[] | undefined, trusted: TrustedProxies): string {
  const peer = socketAddress === undefined ? null : parseIp(socketAddress);
  if (!peer) return socketAddress ?? '?';
  const isTrusted = (a: IpAddress) => trusted.some((r) => inRange(a, r));
  if (trusted.length === 0 || forwardedFor === undefined || !isTrusted(peer)) return ipText(peer);
  const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor).join(',').split(',').map((h) => h.trim()).filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0 && isTrusted(client); i--) {
    const hop = hopAddress(hops[i]);
    if (!hop) break;
    client = hop;
  }
  return ipText(client);
}

/** The client behind an HTTP request or WebSocket upgrade (`clientAddress()` of its socket and header). */
export function requestClient(req: IncomingMessage, trusted: TrustedProxies): string {
  return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
}
