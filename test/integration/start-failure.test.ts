/** A server start that fails says why, with everything it had started stopped again. */
import { describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../server/main.ts';
import { loadServerConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';

const start = (args: string[]) => {
  const storage = mkdtempSync(join(tmpdir(), 'hallwatch-start-failure-'));
  const cfg = loadServerConfig(['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--host', '127.0.0.1', '--port', '0', '--auth', 'off',
    '--ingest-delivery', 'at-least-once', '--storage-dir', storage, ...args], {});
  return startServer(cfg, createLogger('error'));
};

describe('a start that fails', () => {
  it('reports an HTTP port in use as such', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    try {
      await expect(start(['--port', String(port)])).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('reports an alert rules file that is not JSON, naming it', async () => {
    const rules = join(mkdtempSync(join(tmpdir(), 'hallwatch-rules-')), 'rules.json');
    writeFileSync(rules, '[{"id": "rack-hot",');
    await expect(start(['--alert-rules', rules])).rejects.toThrow(`alert rules ${rules}: not valid JSON`);
  });
});
