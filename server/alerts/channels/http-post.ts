/**
 * POSTs JSON to a notification endpoint for the HTTP channels (webhook, Slack, Alertmanager):
 * per-request timeout, no redirects, Idempotency-Key, and the target policy (target-policy.ts:
 * no loopback, link-local or metadata address) checked on the address the connection actually
 * uses. Maps the answer to a retry decision:
 * 5xx, 408 and 429 are retried (honouring Retry-After), other 4xx are not.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressRefusal, targetKey, urlRefusal, type TargetPolicy } from './target-policy.ts';
import type { Delivery, SendOutcome } from '../outbox.ts';

export interface HttpTargetConfig {
  url: string;
  timeoutMs: number;
  /** Where notifications may go; the default refuses loopback, link-local and metadata addresses. */
  policy: TargetPolicy;
  /** Extra headers, e.g. Authorization for an Alertmanager behind a proxy. */
  headers?: Record<string, string>;
}

/**
 * Resolves like dns.lookup, but fails when the name resolves to an address the policy refuses.
 * Used as the connection's own lookup, so the address checked is the address connected to (no
 * second resolution a rebinding DNS server could answer differently).
 */
function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const why = addressRefusal(a.address, policy);
        if (why) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${why}`), { code: 'HALLWATCH_REFUSED' }), '', 4);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

export async function postJson(cfg: HttpTargetConfig, d: Delivery): Promise<SendOutcome> {
  const url = new URL(cfg.url);
  const allowed = cfg.policy.allowTargets.has(targetKey(url));
  const why = allowed ? null : urlRefusal(cfg.url, cfg.policy);
  if (why) return { ok: false, retry: false, reason: `refused: ${why}` };
  const body = JSON.stringify(d.payload);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendOutcome>((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': d.id, ...cfg.headers },
        lookup: allowed ? undefined : guardedLookup(cfg.policy),
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
          // Redirects are not followed (one could point at an internal host): a target that moves is a configuration error.
          const retry = status >= 500 || status === 408 || status === 429;
          resolve({
            ok: false,
            retry,
            reason: `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`,
            retryAfterMs: Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : undefined,
          });
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
