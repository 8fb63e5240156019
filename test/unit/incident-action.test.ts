/**
 * A CDU trip as AlertService reports it over live state: the incident names the tripped unit as
 * its cause, what its partners carry (load, pump speed), what a second trip would cost, and one
 * line of action — and the webhook, delivered for real through the outbox to a loopback receiver,
 * carries the same text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { AlertService } from '../../server/alerts/alert-service.ts';
import { rulesFileStore } from '../../server/alerts/rule-store.ts';
import { alertStateFiles } from '../../server/alerts/alert-state-store.ts';
import { Outbox, outboxDirStore } from '../../server/alerts/outbox.ts';
import { webhookChannel } from '../../server/alerts/channels/webhook.ts';
import { Metrics } from '../../server/http/metrics.ts';
import { createLogger } from '../../server/logger.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';
import { freePort } from '../helpers/ports.ts';
import { seen, waitFor } from '../helpers/wait.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One row of 16 racks and 3 CDUs of 1,300 kW (the demo's shape), a real outbox and webhook to a loopback receiver. */
async function world() {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 16, racksPerCdu: 8 }));
  const state = new LiveState(site, 3000);
  const receiver = new Receiver(await freePort());
  await receiver.up();
  cleanups.push(() => receiver.down());
  const target = `127.0.0.1:${receiver.port}`;
  const channel = webhookChannel({ url: `http://${target}/hook`, timeoutMs: 5000, policy: { allowLinkLocal: false, allowTargets: new Set([target]) } });
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-incident-action-'));
  const log = createLogger('error');
  const outboxDir = join(dir, 'outbox');
  const outbox = new Outbox({
    cfg: { dir: outboxDir, maxAgeMs: 86_400_000, maxRetryDelayMs: 60_000 }, store: outboxDirStore(outboxDir),
    senders: { webhook: channel.send }, metrics: new Metrics(), log, clock: Date.now,
  });
  await outbox.start();
  cleanups.push(() => outbox.stop());
  let now = Date.now();
  const service = new AlertService({
    cfg: { publicUrl: null, historyLimit: 50 }, rules: rulesFileStore('config/alert-rules.json'), state: alertStateFiles(dir),
    live: state, memory: new MemoryWindow(600), outbox, channels: [channel], log, clock: () => now,
  });
  await service.start();
  await service.stop();
  const tripped = new Set<string>();
  /** Pump speed of the running units, % (the partners speed up when one trips). */
  let pumpPct = 70;
  const tick = (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      now += 1000;
      for (const r of site.racks) state.applyRack(r.index, { ts: now, rackKw: 125, supplyC: 40, returnC: 49, flowLpm: 182, leak: 0 }, now);
      for (const c of site.cdus) {
        const on = !tripped.has(c.id);
        // A healthy pump: flow in proportion to speed (no shortfall, no derating).
        const flowLpm = on ? (c.ratedFlowLpm * pumpPct) / 100 : 0;
        state.applyCdu(c.index, { ts: now, supplyC: 40, returnC: 49, flowLpm, pumpPct: on ? pumpPct : 0, facilitySupplyC: 36, running: on }, now);
      }
      state.refresh(now);
      service.tick();
    }
  };
  return { site, state, service, receiver, tripped, tick, setPump: (pct: number) => (pumpPct = pct) };
}

describe('a CDU trip incident', () => {
  it('carries its partners\' load and pumps, what a second trip costs, and the action — the same on the webhook', async () => {
    const w = await world();
    w.tick(5);
    w.tripped.add('h1-r01-cdu-a');
    w.setPump(88);
    w.tick(3);
    const [inc] = w.service.snapshot().incidents;
    expect(inc.id).toBe('group:h1-r01');
    expect(inc.rootCause).toEqual({ entity: 'cdu:h1-r01-cdu-a', why: 'CDU tripped' });
    // The partners carry the row's heat (16 racks at ΔT 9 K and 182 L/min) on 2 × 1,300 kW.
    const loadKw = w.state.groupLoadKw(0);
    expect(loadKw).toBeGreaterThan(1300);
    const loadPct = Math.round((loadKw / 2600) * 100);
    const overKw = Math.round(loadKw - 1300);
    expect(inc.impact).toBe(`partners at ${loadPct} %, pumps at 88 %, N+1 lost: a second trip overloads h1-r01 by ${overKw} kW`);
    expect(inc.action).toBe('dispatch to h1-r01-cdu-a: read its fault code, reset or restart it; consider capping h1-r01');
    expect(inc.atRisk).toHaveLength(16);
    expect(inc.racks).toEqual([]);
    await waitFor('the firing notification at the webhook', () => seen(w.receiver.of('group:h1-r01').length, (n) => n > 0));
    const [got] = w.receiver.of('group:h1-r01');
    expect(got.body.incident).toMatchObject({ action: inc.action, impact: inc.impact, rootCause: inc.rootCause });
    // The partners' N+1 alerts join as consequences, not causes.
    w.tick(35);
    const later = w.service.snapshot().incidents[0];
    expect(later.roots.map((a) => a.rule)).toEqual(['cdu-tripped']);
    expect(later.consequences?.map((a) => `${a.rule}@${a.entity}`).sort()).toEqual(['cdu-n1-lost@cdu:h1-r01-cdu-b', 'cdu-n1-lost@cdu:h1-r01-cdu-c']);
  });
});
