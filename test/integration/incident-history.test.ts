/**
 * The real server and simulator: a leak that is critical, degrades to the warning level and
 * clears is kept in the history as critical under its opening title, with its acknowledgement,
 * and `GET /api/incidents/history` exports it as JSON and CSV to a signed-in client only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { writeTestSites } from '../helpers/sites.ts';
import { notYet, seen, waitFor } from '../helpers/wait.ts';
import { HISTORY_CSV_COLUMNS } from '../../server/alerts/history-export.ts';
import type { IncidentHistoryExport, IncidentView, ResolvedIncident } from '../../protocol/alerts.ts';

describe('incident history', () => {
  const sites = writeTestSites();
  const storage = mkdtempSync(join(tmpdir(), 'hallwatch-incident-history-'));
  // The shipped rules, with the leak alerts clearing 1 s after the detector does (60 s as shipped).
  const rulesPath = join(storage, 'rules.json');
  const rules = JSON.parse(readFileSync('config/alert-rules.json', 'utf8'));
  for (const r of rules.rules) if (r.id.startsWith('rack-leak-')) r.keepFiringS = 1;
  writeFileSync(rulesPath, JSON.stringify(rules));
  const TOKEN = 'incident-history-admin-token-0';
  const RACK = 'h1-r01-k02';
  const ID = `rack:${RACK}`;
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let fault: (cmd: string) => Promise<void>;
  const get = (path: string, auth = true) => fetch(server.baseUrl + path, { headers: auth ? { authorization: `Bearer ${TOKEN}` } : {} });
  const open = async (): Promise<IncidentView[]> => (await (await get('/api/alerts')).json()).incidents;

  beforeAll(async () => {
    server = await startServer(['--site', sites.server, '--embedded-broker-port', '0', '--storage-dir', storage, '--alert-rules', rulesPath, '--admin-token', TOKEN], { auth: true });
    sim = await startSimulator(['--site', sites.simulated, '--mqtt', server.mqttUrl, '--control-port', '0', '--seed', '3']);
    const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    fault = async (cmd) => {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: cmd });
      if (!res.ok) throw new Error(`${cmd}: HTTP ${res.status}`);
    };
    await waitFor('racks live', async () => seen((await (await get('/api/halls/hall-1')).json()).totals.racksLive, (v) => v >= 8), 20_000, 250);
  });

  afterAll(async () => {
    await sim?.stop();
    await server?.stop();
  });

  it('keeps a critical leak that degraded before it cleared as critical, under its opening title, and exports it', async () => {
    await fault(`leak:${RACK}:2`);
    const opened = await waitFor('the leak open and critical', async () => {
      const inc = (await open()).find((i) => i.id === ID);
      return inc?.severity === 'critical' ? inc : notYet(inc);
    }, 15_000, 200);
    expect(opened.title).toMatch(new RegExp(`^${RACK}: leak detected: isolate the rack`));
    const ack = await fetch(`${server.baseUrl}/api/incidents/${encodeURIComponent(ID)}/ack`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ comment: 'tech on the way' }),
    });
    expect(ack.status).toBe(200);
    await fault(`leak:${RACK}:1`);
    const degraded = await waitFor('the leak down to the warning level', async () => {
      const inc = (await open()).find((i) => i.id === ID);
      return inc?.severity === 'major' ? inc : notYet(inc);
    }, 15_000, 200);
    expect(degraded).toMatchObject({ peakSeverity: 'critical', openingTitle: opened.title });
    await fault(`clear:${RACK}`);
    const history = await waitFor('the leak resolved', async () => {
      const h: ResolvedIncident[] = (await (await get('/api/alerts?history=1')).json()).history;
      return h.some((x) => x.id === ID) ? h : notYet(h.map((x) => x.id));
    }, 15_000, 200);
    const kept = history.find((x) => x.id === ID)!;
    expect(kept).toMatchObject({
      severity: 'critical', title: opened.title, startedMs: opened.startedMs,
      story: { openingSeverity: 'critical', lastSeverity: 'major', peak: { severity: 'critical', rule: 'rack-leak-critical' }, roots: [ID] },
    });
    expect(kept.story!.acks).toMatchObject([{ by: 'admin-token', comment: 'tech on the way' }]);
    expect(kept.story!.members.map((m) => m.rule).sort()).toEqual(['rack-leak-critical', 'rack-leak-warning']);
    expect(kept.story!.members.every((m) => m.clearedMs !== null && m.clearedMs >= m.firedMs)).toBe(true);

    const asJson = await get('/api/incidents/history?format=json');
    expect(asJson.status).toBe(200);
    const body = (await asJson.json()) as IncidentHistoryExport;
    expect(body.version).toBe(1);
    expect(body.incidents.find((x) => x.id === ID)).toEqual(kept);

    const asCsv = await get('/api/incidents/history?format=csv');
    expect(asCsv.status).toBe(200);
    expect(asCsv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(asCsv.headers.get('content-disposition')).toMatch(/^attachment; filename="hallwatch-incidents-.*\.csv"$/);
    const lines = (await asCsv.text()).split('\r\n');
    expect(lines[0]).toBe(HISTORY_CSV_COLUMNS.join(','));
    const row = lines.find((l) => l.startsWith(`${ID},`))!;
    expect(row).toContain(',critical,');
    expect(row).toContain(',admin-token,');
    expect(row).toContain(',tech on the way,');
    expect(row).toContain(opened.title.includes(',') ? `,"${opened.title}",` : `,${opened.title},`);

    const bad = await get('/api/incidents/history?format=xml');
    expect([bad.status, (await bad.json()).error]).toEqual([400, 'format: "csv" or "json" is required, got "xml"']);
    expect((await get('/api/incidents/history?format=csv', false)).status).toBe(401);
  });
});
