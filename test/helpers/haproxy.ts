/**
 * A real HAProxy (Debian's 2.6) in the foreground on free loopback ports, with the configuration
 * Hallwatch ships (server/cluster/haproxy-config.ts) for the given servers, stopped by its PID.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haproxyConfig, type HaproxyServer } from '../../server/cluster/haproxy-config.ts';
import { freePort } from './ports.ts';
import { serviceProcess } from './service-process.ts';
import { notYet, waitFor } from './wait.ts';

export interface Haproxy {
  /** The one address: `http://127.0.0.1:port`. */
  url: string;
  port: number;
  /** The configuration it runs. */
  config: string;
  /** Each server's state as HAProxy sees it (`UP`, `DOWN`, `UP 1/2`, …), by name. */
  states(): Promise<Record<string, string>>;
  pid(): number | undefined;
  stop(): Promise<void>;
}

function binary(): string {
  for (const p of ['/usr/sbin/haproxy', '/usr/bin/haproxy']) if (existsSync(p)) return p;
  throw new Error('haproxy not installed: run `npm test` (it installs it with apt-get)');
}

export async function startHaproxy(servers: HaproxyServer[]): Promise<Haproxy> {
  const port = await freePort();
  const statsPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-haproxy-'));
  const config = haproxyConfig({ bind: `127.0.0.1:${port}`, statsBind: `127.0.0.1:${statsPort}`, servers, service: false });
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const statsUrl = `http://127.0.0.1:${statsPort}`;
  // -db: stay in the foreground, so the PID is HAProxy's own.
  const proc = serviceProcess(binary(), ['-db', '-f', file], () =>
    waitFor('haproxy to serve its stats page', async () => {
      try {
        return (await fetch(`${statsUrl}/haproxy;csv`)).ok || notYet('not ok');
      } catch (e) {
        return notYet((e as Error).message);
      }
    }, 15_000).then(() => undefined));
  await proc.start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    async states() {
      const csv = await (await fetch(`${statsUrl}/haproxy;csv`)).text();
      const [head, ...rows] = csv.replace(/^# /, '').trim().split('\n').map((l) => l.split(','));
      const px = head.indexOf('pxname');
      const sv = head.indexOf('svname');
      const status = head.indexOf('status');
      return Object.fromEntries(rows.filter((r) => r[px] === 'hallwatch' && r[sv] !== 'BACKEND' && r[sv] !== 'FRONTEND').map((r) => [r[sv], r[status]]));
    },
    pid: proc.pid,
    async stop() {
      await proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
