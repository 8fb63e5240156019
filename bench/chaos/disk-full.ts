/**
 * Storage directory full, then read-only, while InfluxDB is down: the server must keep serving
 * live data, say so on /healthz and in a metric, count the history it could not keep, and not
 * crash. The directory is a 256 KB tmpfs mounted for the run (root), remounted read-only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../../test/helpers/influxd.ts';
import { startServer, startSimulator } from '../../test/helpers/programs.ts';
import { notYet, sleep, waitFor } from '../../test/helpers/wait.ts';
import { connectClient, fmt, metric } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

function mount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

interface Probe { alive: boolean; health: { status: string; checks: Record<string, string> } | null; liveRacks: number; dropped: number; spillFailed: number }

async function probe(server: Awaited<ReturnType<typeof startServer>>): Promise<Probe> {
  const alive = server.proc.exitCode === null;
  const health = alive ? await fetch(`${server.baseUrl}/healthz`).then((r) => r.json(), () => null) : null;
  const hall = alive ? await fetch(`${server.baseUrl}/api/halls/hall-1`).then((r) => r.json() as Promise<{ totals: { racksLive: number } }>, () => null) : null;
  return {
    alive, health, liveRacks: hall?.totals.racksLive ?? 0,
    dropped: alive ? await metric(server.baseUrl, 'hallwatch_storage_lines_dropped_total') : 0,
    spillFailed: alive ? await metric(server.baseUrl, 'hallwatch_storage_spill_failures_total') : 0,
  };
}

export const diskFull: Scenario = {
  name: 'disk full while InfluxDB is down',
  short: true,
  async run(scale, log) {
    const holdMs = scale === 'short' ? 8000 : 30_000;
    const storage = mkdtempSync(join(tmpdir(), 'hallwatch-chaos-disk-'));
    if (!mount(storage, 'size=256k')) {
      return [row('disk full', 'a 256 KB storage directory', 'mounted (needs root)', 'mount refused: not measured', false)];
    }
    const influx = await startInfluxd();
    const rows: ChaosRow[] = [];
    const server = await startServer([
      '--site', 'sites/demo.json', '--embedded-broker-port', '0', '--influx', influx.url, '--storage-dir', storage,
      '--storage-buffer-lines', '1000',
      // Raw blocks of 1 s: ~460 lines a second, so the 1,000-line buffer spills within seconds.
      '--history-block-s', '1',
    ]);
    const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl]);
    try {
      await sleep(3000);
      await influx.kill();
      log('InfluxDB down; the 256 KB storage directory fills');
      await sleep(holdMs);
      // An incident while the disk is full: its state and outbox cannot be saved either.
      const pub = await connectClient(server.mqttUrl);
      await pub.publishAsync('hallwatch/v1/hall-1/rack/h1-r01-k01/status', 'offline', { qos: 1, retain: true });
      await sleep(3000);
      const full = await probe(server);
      log(`full: ${JSON.stringify(full)}`);
      // A remount to read-only is refused ("busy") while a file is open for writing there (a spill
      // being written): tried again until the server has none open.
      await waitFor('the storage directory remounted read-only', () => {
        try {
          execFileSync('mount', ['-o', 'remount,ro', storage], { stdio: 'pipe' });
          return true;
        } catch (e) {
          return notYet((e as Error).message.split('\n')[1] ?? (e as Error).message);
        }
      }, 20_000, 50);
      log('storage directory read-only');
      await pub.publishAsync('hallwatch/v1/hall-1/rack/h1-r01-k01/status', 'online', { qos: 1, retain: true });
      await pub.endAsync();
      await sleep(holdMs / 2);
      const ro = await probe(server);
      log(`read-only: ${JSON.stringify(ro)}`);
      const storageCheck = (p: Probe) => p.health?.checks.storage ?? '—';
      for (const [what, p] of [['storage full (256 KB)', full], ['storage read-only', ro]] as const) {
        rows.push(row(
          'disk full',
          `${what}, InfluxDB down, the simulator's 416 racks publishing`,
          'server up, live data served; /healthz degraded with the reason; what is not kept is counted',
          `${p.alive ? 'up' : 'CRASHED'}; ${p.liveRacks} live racks in hall 1; /healthz ${p.health?.status ?? '—'} ` +
            `(${storageCheck(p).slice(0, 140)}); ${fmt(p.dropped)} lines dropped, ${fmt(p.spillFailed)} spill failures`,
          p.alive && p.liveRacks > 150 && p.health?.status === 'degraded' && /spill/.test(storageCheck(p)) && p.dropped > 0 && p.spillFailed > 0,
        ));
      }
    } finally {
      await sim.stop();
      await server.stop();
      await influx.stop();
      try {
        execFileSync('umount', [storage]);
      } catch {
        // still busy: left for the machine's cleanup
      }
    }
    return rows;
  },
};
