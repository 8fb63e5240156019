/**
 * POSTs JSON to a notification endpoint for the HTTP channels (webhook, Slack, Alertmanager):
 * per-request timeout, no redirects, Idempotency-Key, and a refusal of targets that resolve to
 * link-local or cloud-metadata addresses unless allowed — checked on the address the
 * connection actually uses. Maps the answer to a retry decision:
 * 5xx, 408 and 429 are retried (honouring Retry-After), other 4xx are not.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Delivery, SendOutcome } from '../outbox.ts';

export interface HttpTargetConfig {
  url: string;
  timeoutMs: number;
  /** Allow link-local and metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254). */
  allowLinkLocal: boolean;
  /** Extra headers, e.g. Authorization for an Alertmanager behind a proxy. */
  headers?: Record<string, string>;
}

/** Whether an address is link-local or a cloud metadata endpoint. */
export function isLinkLocalOrMetadata(address: string): boolean {
  const a = address.toLowerCase();
  if (isIP(a) === 4) return a.startsWith('169.254.');
  if (a.startsWith('::ffff:')) return isLinkLocalOrMetadata(a.slice(7));
  return /^fe[89ab][0-9a-f]:/.test(a) || a === 'fd00:ec2::254';
}

/**
 * Resolves like dns.lookup, but fails when the name resolves to a link-local or metadata
 * address. Used as the connection's own lookup, so the address checked is the address
 * connected to (no second resolution a rebinding DNS server could answer differently).
 */
function guardedLookup(flag: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isLinkLocalOrMetadata(a.address));
      if (bad) return callback(Object.assign(new Error(`refused: ${hostname} resolves to link-local/metadata address ${bad.address} (allow with ${flag})`), { code: 'HALLWATCH_REFUSED' }), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

export async function postJson(cfg: HttpTargetConfig, d: Delivery, flag: string): Promise<SendOutcome> {
  const url = new URL(cfg.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!cfg.allowLinkLocal && isIP(host) && isLinkLocalOrMetadata(host)) {
    return { ok: false, retry: false, reason: `refused: ${url.hostname} resolves to link-local/metadata address ${host} (allow with ${flag})` };
  }
  const body = JSON.stringify(d.payload);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendOutcome>((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': d.id, ...cfg.headers },
        lookup: cfg.allowLinkLocal ? undefined : guardedLookup(flag),
        signal: AbortSignal.timeout(cfg.timeoutMs),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 200) text += c;
        });
        res.on('error', (e) => resolve({ ok: false, retry: true, reason: e.message }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve({ ok: true });
          const retryAfterS = Number(res.headers['retry-after']);
          // Redirects are not followed: a notification target that moves is a configuration error.
          const retry = status >= 500 || status === 408 || status === 429;
          resolve({ ok: false, retry, reason: `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, retryAfterMs: Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : undefined });
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'HALLWATCH_REFUSED') return resolve({ ok: false, retry: false, reason: e.message });
      const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${cfg.timeoutMs} ms` : e.message;
      resolve({ ok: false, retry: true, reason });
    });
    req.end(body);
  });
}
