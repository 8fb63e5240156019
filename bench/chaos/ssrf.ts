/**
 * Server-side request forgery through notification URLs: targets refused when the server reads
 * its configuration (it exits naming the flag and the reason), and at send time a name that
 * resolves to this machine and a redirect to an internal host, against real loopback receivers.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../test/helpers/programs.ts';
import { notYet, waitFor } from '../../test/helpers/wait.ts';
import { connectClient } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

const CONFIG_CASES: [string, string][] = [
  ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
  ['link-local', 'http://169.254.10.1/hook'],
  ['localhost:8086 (this machine\'s InfluxDB)', 'http://localhost:8086/write?db=hallwatch'],
  ['loopback address', 'http://127.0.0.1:8086/write'],
  ['IPv6 loopback', 'http://[::1]:9093/'],
  ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/'],
  ['numeric host form', 'http://2130706433/'],
  ['punycode host', 'http://xn--80ak6aa92e.com/hook'],
];

/** A name /etc/hosts maps to a loopback address (Debian maps the host's own name). */
function loopbackName(): string | null {
  for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
    const [addr, ...names] = line.trim().split(/\s+/);
    if (!/^127\./.test(addr ?? '')) continue;
    const n = names.find((x) => x && !x.includes('localhost'));
    if (n) return n;
  }
  return null;
}

function receiver(handler: (res: import('node:http').ServerResponse) => void): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => handler(res));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, hits: () => hits }));
  });
}

export const ssrf: Scenario = {
  name: 'SSRF through notification URLs',
  short: true,
  async run(_scale, log) {
    const rows: ChaosRow[] = [];
    for (const [what, url] of CONFIG_CASES) {
      const r = spawnSync(
        process.execPath,
        [
          '--import', 'tsx', 'server/main.ts', '--site', 'sites/demo.json', '--embedded-broker-port', '0', '--port', '0', '--auth', 'off',
          '--alert-webhook', url,
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      const message = (r.stderr.split('\n').find((l) => l.includes('--alert-webhook')) ?? r.stderr.trim().split('\n').pop() ?? '').trim();
      log(`${what}: exit ${r.status}: ${message}`);
      rows.push(row(
        'SSRF',
        `--alert-webhook ${url} (${what})`,
        'refused at start, naming the flag and the reason',
        `exit ${r.status}: ${message.replace(/^.*?--alert-webhook: /, '')}`,
        r.status === 2 && /--alert-webhook: refused: /.test(message),
      ));
    }

    const internal = await receiver((res) => res.writeHead(200).end('internal'));
    const redirector = await receiver((res) => res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/admin` }).end());
    const name = loopbackName();
    const storage = mkdtempSync(join(tmpdir(), 'hallwatch-chaos-ssrf-'));
    const server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--storage-dir', storage,
      '--alert-slack', `http://127.0.0.1:${redirector.port}/slack`, '--alert-allow-targets', `127.0.0.1:${redirector.port}`,
      ...(name ? ['--alert-webhook', `http://${name}:${internal.port}/hook`] : [])]);
    try {
      const pub = await connectClient(server.mqttUrl);
      await pub.publishAsync('hallwatch/v1/hall-1/rack/h1-r01-k01/status', 'offline', { qos: 1, retain: true });
      await pub.endAsync();
      const failedPath = join(storage, 'outbox', 'failed.jsonl');
      const expected = name ? 2 : 1;
      const failed = await waitFor('refused deliveries', () => {
        if (!existsSync(failedPath)) return notYet('no failed.jsonl');
        const lines = readFileSync(failedPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { channel: string; reason: string });
        return lines.length >= expected ? lines : notYet(lines);
      }, 20_000).catch(() => [] as { channel: string; reason: string }[]);
      const slack = failed.find((f) => f.channel === 'slack');
      const hook = failed.find((f) => f.channel === 'webhook');
      log(`redirect: ${slack?.reason}; DNS: ${hook?.reason}; internal receiver hits ${internal.hits()}`);
      rows.push(row(
        'SSRF',
        'an allowed target answering 302 to an internal host',
        'redirect not followed; the delivery fails with the reason',
        `${slack ? slack.reason : 'no failure recorded'}; internal host reached ${internal.hits()}×`,
        !!slack && /HTTP 302/.test(slack.reason) && internal.hits() === 0,
      ));
      if (name) {
        rows.push(row(
          'SSRF',
          `--alert-webhook http://${name}:…/ (a DNS name resolving to 127.0.0.1)`,
          'refused at send time with the reason; nothing sent',
          `${hook ? hook.reason : 'no failure recorded'}; internal host reached ${internal.hits()}×`,
          !!hook && /resolves to 127\.[\d.]+ is a loopback address/.test(hook.reason) && internal.hits() === 0,
        ));
      }
    } finally {
      await server.stop();
      internal.server.close();
      redirector.server.close();
    }
    return rows;
  },
};
