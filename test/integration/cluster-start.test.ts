/**
 * A server started while its NATS cluster is down says so and keeps trying, and starts once the
 * cluster is back: it does not exit (a crash loop would lose what its storage holds). A site
 * changed on purpose is taken by the cluster with --cluster-adopt-site 1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSite } from '../../simulators/generate-site.ts';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster.ts';
import { SERVER_NODE_ARGS, startServer, type Program } from '../helpers/programs.ts';
import { notYet, waitFor } from '../helpers/wait.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let cluster: NatsCluster | null = null;
let server: ChildProcess | null = null;
const programs: Program[] = [];
const dir = mkdtempSync(join(tmpdir(), 'hallwatch-cluster-start-'));

afterAll(async () => {
  await Promise.all(programs.map((p) => p.stop()));
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await cluster?.stop();
});

describe('a server whose cluster is down at start', () => {
  it('logs why it cannot reach the cluster, retries, and starts when the cluster comes up', async () => {
    cluster = await startNatsCluster(3);
    await Promise.all(cluster.nodes.map((n) => n.kill()));
    const sitePath = join(dir, 'site.json');
    writeFileSync(sitePath, JSON.stringify(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2, name: 'late cluster' })));
    const args = ['--site', sitePath, '--cluster', cluster.natsUrls, '--server-name', 'early', '--embedded-broker-port', '0', '--port', '0',
      '--storage-dir', dir, '--auth', 'off', '--log-level', 'info'];
    server = spawn(process.execPath, [...SERVER_NODE_ARGS, '--import', 'tsx', join(ROOT, 'server/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.on('data', (c) => (out += c));
    server.stderr!.on('data', (c) => (out += c));
    const running = () => server!.exitCode === null || notYet(`exited with ${server!.exitCode}: ${out}`);
    await waitFor('the server to report the cluster unreachable', () => (running() === true && /cluster .* unreachable \(.+\); retrying in \d+ s/.test(out)) || notYet(out), 30_000);
    const downSinceMs = Date.now();
    await Promise.all(cluster.nodes.map((n) => n.start()));
    const ready = await waitFor('the server to start once the cluster is up', () => {
      if (server!.exitCode !== null) throw new Error(`exited with ${server!.exitCode}: ${out}`);
      return /HALLWATCH_READY port=(\d+)/.exec(out) ?? notYet(out.slice(-2000));
    }, 40_000);
    console.log(`started ${Date.now() - downSinceMs} ms after the cluster's nodes were started again`);
    const metrics = await (await fetch(`http://127.0.0.1:${ready[1]}/metrics`)).text();
    expect(metrics).toMatch(/^hallwatch_cluster_connected 1$/m);
    expect(out).toMatch(/cluster: this server is the first on it; the cluster runs site "late cluster"/);
  }, 120_000);

  it('refuses another site file, and takes it with --cluster-adopt-site 1', async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    const sitePath = join(dir, 'changed-site.json');
    writeFileSync(sitePath, JSON.stringify(generateSite({ halls: 1, rows: 1, racksPerRow: 3, racksPerCdu: 3, name: 'late cluster, one rack more' })));
    const args = ['--site', sitePath, '--cluster', cluster!.natsUrls, '--server-name', 'changed', '--embedded-broker-port', '0', '--log-level', 'info'];
    const refused = await startServer(args).then((p) => (programs.push(p), 'started'), (e: Error) => e.message);
    expect(refused).toMatch(/this server's site file is "late cluster, one rack more" \(3 racks.* but the cluster runs "late cluster" \(2 racks/);
    const adopted = await startServer([...args, '--cluster-adopt-site', '1']);
    programs.push(adopted);
    expect(adopted.output()).toMatch(/cluster: site "late cluster, one rack more" \(3 racks, .*\) is now the cluster's \(--cluster-adopt-site 1\)/);
    await adopted.stop();
    const again = await startServer(args);
    programs.push(again);
    expect(again.output()).not.toMatch(/the cluster runs/);
  });
});
