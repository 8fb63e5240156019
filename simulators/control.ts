/**
 * Runtime fault control: JSON `{"fault": "cdu-trip:h1-r01-cdu-a"}` (or the bare command) on the
 * MQTT control topic, or HTTP `POST /faults` with the command as body; `GET /faults` lists
 * faults in force.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultHandler = (command: string) => Promise<string | null>;

/** Extracts the command from a control-topic payload. */
export function controlCommand(payload: string): string {
  try {
    const v = JSON.parse(payload) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as { fault?: unknown }).fault === 'string') return (v as { fault: string }).fault;
  } catch {
    // not JSON: the bare command
  }
  return payload.trim();
}

export class ControlServer {
  private server: Server | null = null;

  constructor(private readonly port: number, private readonly handle: FaultHandler, private readonly list: () => Record<string, string[]>) {}

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url !== '/faults') return void res.writeHead(404).end();
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.list()));
        return;
      }
      if (req.method !== 'POST') return void res.writeHead(405).end();
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 4096) req.destroy();
      });
      req.on('end', () => {
        this.handle(controlCommand(body)).then((err) => {
          res.writeHead(err ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(err ? { error: err } : { ok: true, faults: this.list() }));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    // Keep-alive connections would hold close() open until they time out.
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
