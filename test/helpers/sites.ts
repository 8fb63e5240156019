/** Small site files written to a temp directory for integration tests. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSite } from '../../simulators/generate-site.ts';
import type { SiteSpec } from '../../protocol/site.ts';

/** The demo site as shipped (`sites/demo.json`): 2 halls of 13 rows × 16 racks, 3 in-row CDUs per row (N+1). */
export function demoSite(): SiteSpec {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'sites', 'demo.json'), 'utf8')) as SiteSpec;
}

export interface TestSites {
  /** What the simulator publishes: 1 hall, 2 rows × 4 racks, 2 racks per CDU (+1 spare per row). */
  simulated: string;
  /** What the server knows: the simulated site plus a probe row the test publishes to itself. */
  server: string;
  spec: SiteSpec;
  probeRackIds: string[];
}

export function writeTestSites(): TestSites {
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-site-'));
  const sim = generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'test site' });
  const probeRackIds = ['probe-1', 'probe-2', 'probe-3', 'probe-4'];
  const server: SiteSpec = structuredClone(sim);
  server.halls[0].rows.push({ id: 'h1-probe', racks: probeRackIds.map((id, k) => ({ id, position: k + 1, type: 'gb300-nvl72' })) });
  const simulated = join(dir, 'simulated.json');
  const serverPath = join(dir, 'server.json');
  writeFileSync(simulated, JSON.stringify(sim));
  writeFileSync(serverPath, JSON.stringify(server));
  return { simulated, server: serverPath, spec: server, probeRackIds };
}
