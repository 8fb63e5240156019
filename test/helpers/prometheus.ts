/** A real Prometheus (Debian's `prometheus`) on a free loopback port with its TSDB in a temp dir. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { seen, waitFor } from './wait.ts';
import { serviceProcess } from './service-process.ts';

export interface Prometheus {
  url: string;
  /** Instant query; the API's `data.result`. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  api(path: string): Promise<any>;
  stop(): Promise<void>;
}

/** Starts Prometheus with `config` (YAML text, written next to its data). */
export async function startPrometheus(config: string): Promise<Prometheus> {
  const bin = ['/usr/bin/prometheus', '/usr/sbin/prometheus'].find((p) => existsSync(p));
  if (!bin) throw new Error('prometheus not installed: run `npm test` (it installs Debian\'s prometheus with apt-get)');
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-prometheus-'));
  const port = await freePort();
  const conf = join(dir, 'prometheus.yml');
  writeFileSync(conf, config);
  const url = `http://127.0.0.1:${port}`;
  const { start, kill } = serviceProcess(bin, [
    `--config.file=${conf}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], () => waitFor('prometheus to be ready', async () => seen((await fetch(`${url}/-/ready`)).status, (v) => v === 200), 30_000, 100).then(() => undefined));
  await start();
  const api = async (path: string) => {
    const body = await (await fetch(`${url}${path}`)).json();
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  return {
    url,
    api,
    query: async (promql) => (await api(`/api/v1/query?${new URLSearchParams({ query: promql })}`)).result,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
