/**
 * A notification receiver on a loopback port: keeps every request's Idempotency-Key, path and
 * JSON body; `down()` and `up()` take it away and bring it back on the same port.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Received {
  key: string;
  path: string;
  body: any;
  atMs: number;
}

export class Receiver {
  readonly received: Received[] = [];
  private server: Server | null = null;
  constructor(readonly port: number) {}
  async up(): Promise<void> {
    if (this.server) return;
    this.server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text
        }
        this.received.push({ key: String(req.headers['idempotency-key']), path: req.url ?? '', body, atMs: Date.now() });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
  }
  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  /** Generic-webhook notifications of one incident and kind. */
  of(incidentId: string, kind = 'firing'): Received[] {
    return this.received.filter((r) => r.path === '/hook' && r.body.incident.id === incidentId && r.body.kind === kind);
  }
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }
  /** Alertmanager posts of notifications, without its periodic full-state refresh. */
  alertmanager(): Received[] {
    return this.at('/am/api/v2/alerts').filter((r) => !r.key.startsWith('refresh@'));
  }
  /** Idempotency keys received more than once at `path`, with their counts. */
  duplicates(path = '/hook'): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.at(path)) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
    return new Map([...counts].filter(([, n]) => n > 1));
  }
}
