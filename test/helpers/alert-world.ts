/** An AlertService over live state of a small site, with a recording outbox: tests tick it a second at a time. */
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
import type { Outbox } from '../../server/alerts/outbox.ts';
import type { Channel, Notification } from '../../server/alerts/notification.ts';
import { createLogger } from '../../server/logger.ts';

export const T0 = Date.parse('2026-11-24T10:00:00Z'); // a Tuesday

const tempDir = () => mkdtempSync(join(tmpdir(), 'hallwatch-alert-service-'));

export async function world(siteSignals: { historyBehindS?: () => number } = {}, storageDir = tempDir(), stores = alertStateFiles(storageDir), startMs = T0) {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
  const state = new LiveState(site, 3000);
  const sent: Notification[] = [];
  const channel: Channel = { name: 'test', format: (n) => n, send: async () => ({ ok: true }) };
  // The outbox's contract as AlertService uses it: record what would be delivered.
  const enqueue = async (_id: string, payloadFor: (ch: string) => unknown) => void sent.push(payloadFor('test') as Notification);
  const outbox = { enqueue } as unknown as Outbox;
  let now = startMs;
  const service = new AlertService({
    cfg: { publicUrl: 'https://noc.example', historyLimit: 500 }, rules: rulesFileStore('config/alert-rules.json'), state: stores,
    live: state, memory: new MemoryWindow(600), outbox, channels: [channel], log: createLogger('error'), clock: () => now, siteSignals,
  });
  // Started for its rules and saved state, then its timer stopped: the tests evaluate with tick().
  await service.start();
  await service.stop();
  const running = new Map(site.cdus.map((c) => [c.id, true]));
  /** Per-rack overrides of the healthy reading. */
  const rack = new Map<string, { returnC?: number; leak?: 0 | 1 | 2 }>();
  const tick = (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      now += 1000;
      for (const r of site.racks) {
        const returnC = rack.get(r.id)?.returnC ?? 48;
        state.applyRack(r.index, { ts: now, rackKw: 120, supplyC: 40, returnC, flowLpm: 182, leak: rack.get(r.id)?.leak ?? 0 }, now);
      }
      for (const c of site.cdus) {
        state.applyCdu(c.index, { ts: now, supplyC: 40, returnC: 48, flowLpm: 700, facilitySupplyC: 36, running: running.get(c.id)! }, now);
      }
      state.refresh(now);
      service.tick();
    }
  };
  const cduOfRow = (row: number) => site.cdus.find((c) => c.rowId === site.rows[row].id)!;
  const kinds = (incidentId: string) => sent.filter((n) => n.incident.id === incidentId).map((n) => n.kind);
  return { site, service, running, rack, tick, sent, kinds, cduOfRow, now: () => now, storageDir };
}

