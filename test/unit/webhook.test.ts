import { describe, expect, it } from 'vitest';
import { isLinkLocalOrMetadata, webhookChannel } from '../../server/alerts/channels/webhook.ts';

describe('webhook target guard', () => {
  it.each([
    ['169.254.169.254', true],
    ['169.254.10.1', true],
    ['fe80::1', true],
    ['FEBF::2', true],
    ['fd00:ec2::254', true],
    ['::ffff:169.254.169.254', true],
    ['127.0.0.1', false],
    ['10.0.0.5', false],
    ['2001:db8::1', false],
    ['fec0::1', false],
  ])('%s → %s', (addr, bad) => expect(isLinkLocalOrMetadata(addr)).toBe(bad));

  it('refuses a metadata target without sending, and says how to allow it', async () => {
    const { send } = webhookChannel({ url: 'http://169.254.169.254/latest/meta-data', timeoutMs: 100, allowLinkLocal: false });
    const r = await send({ id: 'n1:webhook', channel: 'webhook', payload: {}, attempts: 0, nextAtMs: 0, createdMs: 0 });
    expect(r).toMatchObject({ ok: false, retry: false });
    expect(!r.ok && r.reason).toMatch(/link-local\/metadata address 169\.254\.169\.254.*--alert-webhook-allow-link-local/);
  });
});
