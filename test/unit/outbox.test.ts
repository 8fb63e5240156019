import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox, outboxDirStore, type Delivery, type SendOutcome } from '../../server/alerts/outbox.ts';
import { Metrics } from '../../server/http/metrics.ts';
import { createLogger } from '../../server/logger.ts';

function outbox(dir: string, send: (d: Delivery) => Promise<SendOutcome>, metrics = new Metrics()) {
  const cfg = { dir, maxAgeMs: 86_400_000, maxRetryDelayMs: 60_000 };
  return new Outbox({ cfg, store: outboxDirStore(dir), senders: { hook: send }, metrics, log: createLogger('error'), clock: Date.now });
}

describe('Outbox', () => {
  it('touches no file until started, then takes up what a previous run left and skips what it cannot read', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hallwatch-outbox-')), 'outbox');
    const sent: string[] = [];
    let release!: () => void;
    const delivered = new Promise<void>((r) => (release = r));
    const box = outbox(dir, async (d) => (sent.push(d.id), release(), { ok: true }));
    expect(existsSync(dir)).toBe(false);
    mkdirSync(dir);
    const left: Delivery = { id: 'rack:r1@1:firing:hook', channel: 'hook', payload: { n: 1 }, attempts: 2, nextAtMs: 0, createdMs: Date.now() };
    writeFileSync(join(dir, encodeURIComponent(left.id) + '.json'), JSON.stringify(left));
    writeFileSync(join(dir, 'broken.json'), '{');
    await box.start();
    await delivered;
    box.stop();
    expect(sent).toEqual([left.id]);
  });

  it('stores a delivery before enqueue resolves, and removes it once delivered', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hallwatch-outbox-')), 'outbox');
    let answer!: (o: SendOutcome) => void;
    const box = outbox(dir, () => new Promise((r) => (answer = r)));
    await box.start();
    await box.enqueue('rack:r2@5:firing', () => ({ text: 'hot' }));
    const file = join(dir, encodeURIComponent('rack:r2@5:firing:hook') + '.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ channel: 'hook', payload: { text: 'hot' } });
    answer({ ok: true });
    await vi.waitFor(() => expect([box.size, readdirSync(dir)]).toEqual([0, []]), { timeout: 5000, interval: 5 });
    box.stop();
  });

  it('stores a retry that fails at once after the first write, not as a conflict with it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hallwatch-outbox-')), 'outbox');
    const metrics = new Metrics();
    // Refused before the first write is on disk: the retry's write queues behind it.
    const box = outbox(dir, async () => ({ ok: false, retry: true, reason: 'not connected' }), metrics);
    await box.start();
    await box.enqueue('cdu:c1@9:firing', () => ({ text: 'tripped' }));
    const file = join(dir, encodeURIComponent('cdu:c1@9:firing:hook') + '.json');
    await vi.waitFor(() => expect(JSON.parse(readFileSync(file, 'utf8')).attempts).toBe(1), { timeout: 5000, interval: 5 });
    await box.stop();
    const text = await metrics.render();
    expect(text).toMatch(/hallwatch_notifications_total\{channel="hook",outcome="retry"\} 1/);
    expect(text).not.toMatch(/outcome="not_persisted"\} [1-9]/);
  });

  it('sends a notification queued again under the same ID once, and a different ID again', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hallwatch-outbox-')), 'outbox');
    const sent: string[] = [];
    const box = outbox(dir, async (d) => (sent.push(d.id), { ok: true }));
    await box.start();
    await box.enqueue('rack:r3@7:firing', () => ({ text: 'hot' }));
    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: 5000, interval: 5 });
    await box.enqueue('rack:r3@7:firing', () => ({ text: 'hot, decided again' }));
    await box.enqueue('rack:r3@7:resolved', () => ({ text: 'ok' }));
    await vi.waitFor(() => expect(sent).toHaveLength(2), { timeout: 5000, interval: 5 });
    expect(box.size).toBe(0);
    box.stop();
    expect(sent).toEqual(['rack:r3@7:firing:hook', 'rack:r3@7:resolved:hook']);
  });
});
