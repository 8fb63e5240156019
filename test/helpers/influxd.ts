/** A real InfluxDB 1.x (Debian's `influxdb`) on free loopback ports with its data in a temp dir. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { seen, waitFor } from './wait.ts';
import { serviceProcess } from './service-process.ts';

export interface Influxd {
  url: string;
  /** Stops the process, keeping its data; `start()` brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Sends a signal to influxd (SIGSTOP freezes it: requests hang; SIGCONT thaws it). */
  signal(sig: NodeJS.Signals): void;
  /** PID of influxd (undefined while stopped). */
  pid(): number | undefined;
  /** Runs InfluxQL and returns the JSON (epoch ms). */
  query(q: string, db?: string): Promise<any>;
}

/**
 * `dataConfig`: extra lines for the `[data]` section (the benchmark's write-heavy settings, as a
 * site's InfluxDB would be tuned: docs/benchmarks.md).
 */
/** `nice`: the process's nice value (all its threads), for benchmarks sharing one machine. */
export async function startInfluxd(dataConfig: string[] = [], opts: { nice?: number } = {}): Promise<Influxd> {
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
${dataConfig.map((l) => `  ${l}\n`).join('')}[http]
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
  const niced = opts.nice ? ['/usr/bin/nice', ['-n', String(opts.nice), bin, '-config', conf]] as const : [bin, ['-config', conf]] as const;
  const { start, kill, signal, pid } = serviceProcess(niced[0], [...niced[1]], () =>
    waitFor('influxd to answer /ping', async () => seen((await fetch(`${url}/ping`)).status, (v) => v === 204), 30_000, 100).then(() => undefined),
  );
  await start();
  return {
    url,
    kill,
    start,
    signal,
    pid,
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
