/**
 * Generic webhook channel: POSTs the incident notification as JSON (docs/alerts.md) with an
 * Idempotency-Key header, a per-request timeout, and refuses targets that resolve to
 * link-local or cloud-metadata addresses unless allowed.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Delivery, SendOutcome } from '../outbox.ts';

export interface WebhookConfig {
  url: string;
  timeoutMs: number;
  /** Allow link-local and metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254). */
  allowLinkLocal: boolean;
}

/** Whether an address is link-local or a cloud metadata endpoint. */
export function isLinkLocalOrMetadata(address: string): boolean {
  const a = address.toLowerCase();
  if (isIP(a) === 4) return a.startsWith('169.254.');
  if (a.startsWith('::ffff:')) return isLinkLocalOrMetadata(a.slice(7));
  return /^fe[89ab][0-9a-f]:/.test(a) || a === 'fd00:ec2::254';
}

export function webhookSender(cfg: WebhookConfig): (d: Delivery) => Promise<SendOutcome> {
  return async (d) => {
    const url = new URL(cfg.url);
    if (!cfg.allowLinkLocal) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((x) => x.address);
      const bad = addresses.find(isLinkLocalOrMetadata);
      if (bad) return { ok: false, retry: false, reason: `refused: ${url.hostname} resolves to link-local/metadata address ${bad} (allow with --alert-webhook-allow-link-local)` };
    }
    const res = await fetch(cfg.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': d.id },
      body: JSON.stringify(d.payload),
      signal: AbortSignal.timeout(cfg.timeoutMs),
      redirect: 'error',
    });
    await res.body?.cancel();
    if (res.ok) return { ok: true };
    const retryAfterS = Number(res.headers.get('retry-after'));
    const retry = res.status >= 500 || res.status === 408 || res.status === 429;
    return { ok: false, retry, reason: `HTTP ${res.status}`, retryAfterMs: Number.isFinite(retryAfterS) ? retryAfterS * 1000 : undefined };
  };
}
