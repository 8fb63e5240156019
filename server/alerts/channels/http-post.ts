/**
 * POSTs JSON to a notification endpoint for the HTTP channels (webhook, Slack, Alertmanager):
 * per-request timeout, no redirects, Idempotency-Key, and a refusal of targets that resolve to
 * link-local or cloud-metadata addresses unless allowed. Maps the answer to a retry decision:
 * 5xx, 408 and 429 are retried (honouring Retry-After), other 4xx are not.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
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

export async function postJson(cfg: HttpTargetConfig, d: Delivery, flag: string): Promise<SendOutcome> {
  const url = new URL(cfg.url);
  if (!cfg.allowLinkLocal) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((x) => x.address);
    const bad = addresses.find(isLinkLocalOrMetadata);
    if (bad) return { ok: false, retry: false, reason: `refused: ${url.hostname} resolves to link-local/metadata address ${bad} (allow with ${flag})` };
  }
  const res = await fetch(cfg.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': d.id, ...cfg.headers },
    body: JSON.stringify(d.payload),
    signal: AbortSignal.timeout(cfg.timeoutMs),
    redirect: 'error',
  });
  const text = res.ok ? '' : (await res.text().catch(() => '')).slice(0, 200);
  if (res.ok) {
    await res.body?.cancel().catch(() => undefined);
    return { ok: true };
  }
  const retryAfterS = Number(res.headers.get('retry-after'));
  const retry = res.status >= 500 || res.status === 408 || res.status === 429;
  return { ok: false, retry, reason: `HTTP ${res.status}${text ? `: ${text}` : ''}`, retryAfterMs: Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : undefined };
}
