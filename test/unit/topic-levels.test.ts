import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSite, type SiteSpec } from '../../protocol/site.ts';
import { DEFAULT_TOPIC_ROOT } from '../../protocol/topics.ts';
import { siteTopicRefusal, topicRootRefusal } from '../../protocol/topic-levels.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { loadSiteFile } from '../../server/site/load-site.ts';
import { loadServerConfig } from '../../server/config.ts';
import { loadSimConfig } from '../../simulators/config.ts';
import { startSimulator } from '../../simulators/main.ts';
import { demoSite } from '../helpers/sites.ts';

/** 1 hall (`hall-1`), rows `h1-r01`/`h1-r02` of 4 racks, CDUs `h1-r01-cdu-a`…, parsed. */
function site(): SiteSpec {
  const r = parseSite(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('siteTopicRefusal()', () => {
  it.each<[string, (s: SiteSpec) => void, RegExp | null]>([
    ['a generated site', () => undefined, null],
    ['dashes and underscores', (s) => (s.halls[0].rows[0].racks[0].id = 'h1_r01-k01'), null],
    ['a hall ID with a dot', (s) => (s.halls[0].id = 'hall.1'),
      /^IDs go into MQTT topics.*: hall "hall\.1" \(halls\[0\]\.id\); rename it without "\." \(e\.g\. "hall-1"\)$/],
    ['a rack ID with a dot', (s) => (s.halls[0].rows[1].racks[2].id = 'h1.r02.k03'), /rack "h1\.r02\.k03" \(halls\[0\]\.rows\[1\]\.racks\[2\]\.id\)/],
    ['a CDU ID with a dot', (s) => (s.halls[0].cdus[0].id = 'cdu.a'), /CDU "cdu\.a" \(halls\[0\]\.cdus\[0\]\.id\)/],
    ['a row ID with a dot (incident topics)', (s) => (s.halls[0].rows[0].id = 'row.1'), /row "row\.1" \(halls\[0\]\.rows\[0\]\.id\)/],
    ['a redundancy group with a dot', (s) => (s.halls[0].cdus[1].redundancyGroup = 'grp.1'),
      /redundancy group "grp\.1" \(halls\[0\]\.cdus\[1\]\.redundancyGroup\)/],
    ['a dot at the end', (s) => (s.halls[0].rows[0].racks[0].id = 'k01.'), /rack "k01\."/],
    ['the reason: NATS refuses such topics', (s) => (s.halls[0].id = 'h.1'),
      /NATS's MQTT listener \(nats-server 2\.9\) refuses MQTT topics holding "\." or a space/],
    ['a group shared by two CDUs, named once', (s) => s.halls[0].cdus.forEach((c) => (c.redundancyGroup = 'g.1')),
      /^(?!.*g\.1.*g\.1).*redundancy group "g\.1"/],
    ['seven IDs: five named, the rest counted', (s) => s.halls[0].rows.flatMap((r) => r.racks).slice(0, 7).forEach((k, i) => (k.id = `k.${i}`)),
      /rack "k\.0".*rack "k\.4" \([^)]*\) and 2 more; rename them/],
  ])('%s', (_what, mutate, expected) => {
    const s = site();
    mutate(s);
    const refusal = siteTopicRefusal(s);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(expected);
  });

  it('passes the demo site', () => {
    expect(siteTopicRefusal(demoSite())).toBeNull();
  });
});

describe('topicRootRefusal()', () => {
  it.each<[string, RegExp | null]>([
    [DEFAULT_TOPIC_ROOT, null],
    ['site-a/hallwatch/v1', null],
    ['hallwatch/v1.1', /topic root "hallwatch\/v1\.1" holds "\.": NATS's MQTT listener/],
    ['hall watch', /holds a space/],
    ['hallwatch/+', /MQTT wildcard/],
    ['hallwatch/#', /MQTT wildcard/],
    ['', /empty/],
  ])('%j', (root, expected) => {
    const refusal = topicRootRefusal(root);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(expected);
  });

  it('is checked by the server\'s and the simulator\'s configuration, naming --topic-root', () => {
    expect(() => loadServerConfig(['--topic-root', 'hallwatch/v1.1'], {})).toThrow(/^--topic-root: topic root "hallwatch\/v1\.1" holds "\."/);
    expect(() => loadSimConfig([], { HALLWATCH_TOPIC_ROOT: 'hallwatch/v1.1' })).toThrow(/^--topic-root: topic root/);
  });
});

describe('loadSiteFile() and IDs that cannot be topic levels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-topic-levels-'));
  const dotted = join(dir, 'dotted.json');
  const s = JSON.parse(JSON.stringify(site()));
  const rack = s.halls[0].rows[0].racks[0];
  s.halls[0].cdus.forEach((c: { rackIds: string[] }) => (c.rackIds = c.rackIds.map((id) => (id === rack.id ? 'Pod1C.E01' : id))));
  rack.id = 'Pod1C.E01';
  writeFileSync(dotted, JSON.stringify(s));

  it('refuses the site at start, naming the file, the ID and the reason', async () => {
    const warnings: string[] = [];
    await expect(loadSiteFile(dotted, { dsxFed: false, warn: (l) => warnings.push(l) }))
      .rejects.toThrow(/^site file .*dotted\.json: IDs go into MQTT topics.*rack "Pod1C\.E01" \(halls\[0\]\.rows\[0\]\.racks\[0\]\.id\)/);
    expect(warnings).toEqual([]);
  });

  it('is refused by the simulator before it connects (its topics and DSX tag paths hold the IDs)', async () => {
    const cfg = loadSimConfig(['--site', dotted, '--mqtt', 'mqtt://127.0.0.1:1'], {});
    await expect(startSimulator(cfg, () => undefined)).rejects.toThrow(/^site file .*dotted\.json: IDs go into MQTT topics.*rack "Pod1C\.E01"/);
    await expect(startSimulator({ ...cfg, dialect: 'dsx' }, () => undefined)).rejects.toThrow(/rack "Pod1C\.E01"/);
  });

  it('takes it with a warning when the DSX ingest feeds it (DSX names racks in payloads, which the IDs must match)', async () => {
    const warnings: string[] = [];
    const spec = await loadSiteFile(dotted, { dsxFed: true, warn: (l) => warnings.push(l) });
    expect(spec.halls[0].rows[0].racks[0].id).toBe('Pod1C.E01');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/rack "Pod1C\.E01".*Taken as it is for the DSX ingest \(--dsx-root\)/);
  });

  it('finds no dot in the IDs of the DSX exemplar recording or in its topics', () => {
    const csv = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dsx', 'dsx_exemplar.csv'), 'utf8');
    const ids = [...csv.matchAll(/""(?:rackLocationId|objectId)"":""([^"]*)""/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.filter((id) => id.includes('.'))).toEqual([]);
    const topics = csv.split('\n').slice(1).map((l) => l.split(',')[1] ?? '').filter(Boolean);
    expect(topics.filter((t) => t.includes('.') || t.includes(' '))).toEqual([]);
  });
});
