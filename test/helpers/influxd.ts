/** A real InfluxDB 1.x (Debian's `influxdb`) on free loopback ports with its data in a temp dir. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

export interface Influxd {
  url: string;
  /** Stops the process, keeping its data; `start()` brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Runs InfluxQL and returns the JSON (epoch ms). */
  query(q: string, db?: string): Promise<any>;
}

export async function startInfluxd(): Promise<Influxd> {
  const bin = ['/usr/bin/influxd', '/usr/sbin/influxd'].find((p) => existsSync(p));
  if (!bin) throw new Error('influxd not installed: run `npm test` (it installs Debian\'s influxdb with apt-get)');
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-influxd-'));
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(conf, `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
`);
  const url = `http://127.0.0.1:${httpPort}`;
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn(bin, ['-config', conf], { stdio: 'ignore' });
    await waitFor('influxd to answer /ping', async () => (await fetch(`${url}/ping`)).status === 204, 30_000, 100);
  };
  const kill = async () => {
    const p = proc;
    proc = null;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
  };
  await start();
  return {
    url,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    async query(q: string, db = 'hallwatch') {
      const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
      return res.json();
    },
  };
}
