/**
 * The campus view's alerts: every hall shard's incidents, alerts, silences and history in one
 * list, plus one campus-scope incident per shard that stopped beating.
 */
import { describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { CampusAlerts, unreachableIncident } from '../../server/campus/campus-alerts.ts';
import { ShardLinks } from '../../server/campus/shard-links.ts';
import { CampusAcks } from '../../server/campus/campus-acks.ts';
import type { SavedAcks } from '../../server/alerts/alert-state-store.ts';
import { createLogger } from '../../server/logger.ts';
import { MemoryStore } from '../helpers/memory-store.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { siteClaim } from '../../server/cluster/site-fingerprint.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { AlertJson, AlertsSnapshot, IncidentView, ResolvedIncident, SilenceView } from '../../protocol/alerts.ts';

const spec = generateSite({ halls: 3, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'campus test' });
const site = buildSiteIndex(spec);
const sha = siteClaim(spec, 'campus-1', 0).sha256;
const T0 = Date.parse('2026-12-07T10:00:00Z');
const STALE_MS = 3000;
const hallName = (id: string) => site.view.halls.find((h) => h.id === id)?.name ?? id;

function links(): ShardLinks {
  const l = new ShardLinks(site, sha, STALE_MS, T0);
  const beat = (shard: string, halls: string[], serverName: string, atMs: number) =>
    l.beat({ shard, halls, serverName, siteSha256: sha, racks: 0, cdus: 0, telemetryFlows: true, sentMs: atMs }, atMs);
  beat('hall-1_hall-2', ['hall-1', 'hall-2'], 'shard-12', T0);
  beat('hall-3', ['hall-3'], 'shard-3', T0);
  return l;
}

describe('unreachableIncident()', () => {
  it.each<[string, string, object]>([
    ['a one-hall shard: scoped to its hall', 'hall-3', {
      id: `shard:hall-3@${T0}`, severity: 'critical', title: 'Hall 3: hall shard hall-3 unreachable', startedMs: T0 + STALE_MS,
      scope: 'hall:hall-3', hallId: 'hall-3', racks: [], children: [], acknowledged: null, silencedBy: null,
      rootCause: { entity: 'shard:hall-3', why: 'no word from server shard-3 since 10:00:00: its halls\' live values are stale' },
      action: 'check server shard-3 and its connection to the NATS cluster; the other halls are not affected',
    }],
    ['a two-hall shard: scoped to the site', 'hall-1_hall-2', {
      id: `shard:hall-1_hall-2@${T0}`, title: 'Hall 1, Hall 2: hall shard hall-1_hall-2 unreachable',
      scope: 'site:site', hallId: null,
      rootCause: { entity: 'shard:hall-1_hall-2', why: 'no word from server shard-12 since 10:00:00: its halls\' live values are stale' },
    }],
  ])('%s', (_name, shard, want) => {
    const l = links();
    l.refresh(T0 + STALE_MS + 1);
    const i = unreachableIncident(l.link(shard)!, hallName);
    expect(i).toMatchObject(want);
    expect(i.roots).toHaveLength(1);
    expect(i.roots[0]).toMatchObject({ rule: 'shard-unreachable', severity: 'critical', entity: `shard:${shard}`, phase: 'firing', firedAtMs: T0 + STALE_MS });
  });
});

const incident = (id: string) => ({ id, severity: 'warning', title: id, startedMs: T0 }) as IncidentView;
const alert = (entity: string) => ({ rule: 'return-high', severity: 'warning', entity }) as AlertJson;
const silence = (id: string) => ({ id, matcher: 'hall:hall-1', activeNow: true }) as SilenceView;
const resolved = (id: string, resolvedMs: number) => ({ id, resolvedMs }) as ResolvedIncident;
const snapshot = (o: Partial<AlertsSnapshot>): AlertsSnapshot => ({ nowMs: T0, incidents: [], alerts: [], silences: [], ...o });

/** Campus alerts over both shards; shard hall-3 beat last at T0, the other at `otherBeatMs`; `edit` changes the links first. */
function campus(nowMs: number, otherBeatMs = nowMs, edit: (l: ShardLinks) => void = () => {}) {
  const l = links();
  l.beat({ shard: 'hall-1_hall-2', halls: ['hall-1', 'hall-2'], serverName: 'shard-12', siteSha256: sha, racks: 0, cdus: 0, telemetryFlows: true, sentMs: otherBeatMs }, otherBeatMs);
  l.refresh(nowMs);
  l.link('hall-1_hall-2')!.alerts = snapshot({
    incidents: [incident('group:h1-r01')], alerts: [alert('rack:h1-r01-k01')], silences: [silence('sil-1'), silence('sil-2')],
    history: [resolved('old', T0 - 3000), resolved('newest', T0 - 1000)],
  });
  l.link('hall-3')!.alerts = snapshot({
    incidents: [incident('cdu:h3-r01-cdu-a')], alerts: [alert('cdu:h3-r01-cdu-a')], silences: [silence('sil-1'), silence('sil-3')],
    history: [resolved('middle', T0 - 2000)],
  });
  edit(l);
  const connection = (): NatsConnection => { throw new Error('snapshot() does no I/O'); };
  const acks = new CampusAcks(new MemoryStore<SavedAcks>(), createLogger('error'));
  return new CampusAlerts({ connection, links: l, siteKey: 'campus-test', clock: () => nowMs, requestTimeoutMs: 1000, acks }, hallName);
}

describe('CampusAlerts.snapshot()', () => {
  it.each<[string, number, string[]]>([
    ['both shards beating', T0 + STALE_MS, ['group:h1-r01', 'cdu:h3-r01-cdu-a']],
    ['shard hall-3 unreachable: its campus incident first', T0 + STALE_MS + 1, [`shard:hall-3@${T0}`, 'group:h1-r01', 'cdu:h3-r01-cdu-a']],
  ])('lists every shard\'s incidents, %s', (_name, nowMs, ids) => {
    const s = campus(nowMs).snapshot();
    expect(s.nowMs).toBe(nowMs);
    expect(s.incidents.map((i) => i.id)).toEqual(ids);
    expect(s.alerts.map((a) => a.entity)).toEqual(['rack:h1-r01-k01', 'cdu:h3-r01-cdu-a']);
    expect(s.history).toBeUndefined();
  });

  it('opens one campus incident per unreachable shard', () => {
    const s = campus(T0 + 60_000, T0 + 1000).snapshot();
    expect(s.incidents.map((i) => i.id)).toEqual([
      `shard:hall-1_hall-2@${T0 + 1000}`, `shard:hall-3@${T0}`, 'group:h1-r01', 'cdu:h3-r01-cdu-a',
    ]);
  });

  it('closes the campus incidents of shards whose halls one shard took over', () => {
    const nowMs = T0 + 60_000;
    const takeOver = (l: ShardLinks) => {
      l.beat({ shard: 'hall-1_hall-2_hall-3', halls: ['hall-1', 'hall-2', 'hall-3'], serverName: 'shard-all', siteSha256: sha, racks: 0, cdus: 0, telemetryFlows: true, sentMs: nowMs }, nowMs);
    };
    expect(campus(nowMs, T0).snapshot().incidents.filter((i) => i.id.startsWith('shard:'))).toHaveLength(2);
    expect(campus(nowMs, T0, takeOver).snapshot().incidents).toEqual([]);
  });

  it.each<[string, string, string, string | null]>([
    ['a silence of the shard mutes its campus incident', 'shard:hall-3', 'hall-1_hall-2', 'sil-9'],
    ['a silence of its hall mutes it', 'hall:hall-3', 'hall-1_hall-2', 'sil-9'],
    ['a silence of another hall does not', 'hall:hall-2', 'hall-1_hall-2', null],
    ['one only the unreachable shard\'s last word lists (removed since, maybe) does not', 'shard:hall-3', 'hall-3', null],
  ])('%s', (_name, matcher, listedBy, silencedBy) => {
    const nowMs = T0 + STALE_MS + 1;
    const held = { id: 'sil-9', matcher, startsMs: T0, endsMs: T0 + 3_600_000, comment: 'rebuild', by: 'ops', createdMs: T0, activeNow: true };
    const a = campus(nowMs, nowMs, (l) => { l.link(listedBy)!.alerts!.silences.push(held); });
    expect(a.snapshot().incidents[0]).toMatchObject({ id: `shard:hall-3@${T0}`, silencedBy });
  });

  it('lists a silence every shard holds once', () => {
    expect(campus(T0).snapshot().silences.map((s) => s.id)).toEqual(['sil-1', 'sil-2', 'sil-3']);
  });

  it.each<[string, boolean]>([['snapshot(true)', true], ['history()', false]])('gives every shard\'s resolved incidents newest first: %s', (_name, viaSnapshot) => {
    const a = campus(T0);
    const history = viaSnapshot ? a.snapshot(true).history! : a.history();
    expect(history.map((h) => h.id)).toEqual(['newest', 'middle', 'old']);
  });

  it('leaves out a shard that sent no alerts yet', () => {
    const a = campus(T0, T0, (l) => { l.link('hall-3')!.alerts = null; });
    expect(a.snapshot().incidents.map((i) => i.id)).toEqual(['group:h1-r01']);
  });

  it.each<[string, string, string | null]>([
    ['keeps an acknowledgement of a campus incident itself', `shard:hall-3@${T0}`, null],
    ['names an incident no shard holds', 'group:h9', 'no open incident "group:h9" on any hall shard'],
  ])('acknowledge(): %s', async (_name, id, answer) => {
    const a = campus(T0 + STALE_MS + 1);
    expect(await a.acknowledge(id, 'ops', 'on it')).toBe(answer);
    const campusIncident = a.snapshot().incidents[0];
    expect(campusIncident.acknowledged).toEqual(answer === null ? { by: 'ops', atMs: T0 + STALE_MS + 1, comment: 'on it' } : null);
  });
});
