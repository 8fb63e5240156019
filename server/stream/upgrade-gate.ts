/**
 * Who may open the live stream: the checks an HTTP upgrade passes before it becomes a WebSocket
 * (path, Origin, credentials, sockets per client address), and the count of open sockets per
 * address they read.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StreamEncoding } from '../../protocol/stream-binary.ts';
import type { Access } from '../auth/access.ts';

/** An upgrade let through, with the encoding it asked for, or refused with the HTTP status line to answer. */
export type UpgradeVerdict =
  | { ok: true; encoding: StreamEncoding }
  | { ok: false; status: string; /** True when refused for the per-address limit (counted apart). */ limited: boolean };

/**
 * Lets `/ws` upgrades through (404 otherwise). A browser's Origin must be this server's host
 * (403); with `access` on, the request needs credentials (401); one address may hold at most
 * `maxPerAddress` sockets (429), `openFromAddress` of which are open.
 */
export function upgradeVerdict(req: IncomingMessage, access: Access | null, openFromAddress: number, maxPerAddress?: number): UpgradeVerdict {
  const refuse = (status: string, limited = false): UpgradeVerdict => ({ ok: false, status, limited });
  const [path, query = ''] = (req.url ?? '').split('?');
  if (path !== '/ws') return refuse('404 Not Found');
  // With or without access control: a page elsewhere must not read the live stream through a visitor's browser.
  const origin = req.headers.origin;
  let originHost: string | null = null;
  try {
    originHost = origin ? new URL(origin).host : null;
  } catch {
    return refuse('403 Forbidden');
  }
  if (originHost !== null && originHost !== req.headers.host) return refuse('403 Forbidden');
  if (access && !access.disabled && !access.check(req).ok) return refuse('401 Unauthorized');
  if (maxPerAddress !== undefined && openFromAddress >= maxPerAddress) return refuse('429 Too Many Requests', true);
  return { ok: true, encoding: new URLSearchParams(query).get('encoding') === 'binary' ? 'binary' : 'json' };
}

/** The raw HTTP answer refusing an upgrade with `status`. */
export function refusal(status: string): string {
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

/**
 * Answers a refused upgrade with `status` and closes the socket. The HTTP server no longer
 * listens for the errors of a socket it handed over for an upgrade: a peer that resets the
 * connection after the answer (HAProxy may) must find a listener here, or the server dies of an
 * uncaught ECONNRESET.
 */
export function refuseUpgrade(socket: Duplex, status: string): void {
  socket.on('error', () => socket.destroy());
  socket.end(refusal(status));
}

/** Open sockets per client address. */
export class AddressCounts {
  private readonly byAddress = new Map<string, number>();

  /** Sockets open from `address`. */
  open(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  opened(address: string): void {
    this.byAddress.set(address, this.open(address) + 1);
  }

  closed(address: string): void {
    const n = (this.byAddress.get(address) ?? 1) - 1;
    if (n > 0) this.byAddress.set(address, n);
    else this.byAddress.delete(address);
  }
}
