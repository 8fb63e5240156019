/** The embedded aedes MQTT broker for the zero-setup demo (production uses Mosquitto, EMQX, …). */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../logger.ts';

export class EmbeddedBroker {
  private broker: Aedes | null = null;
  private server: Server | null = null;

  constructor(private readonly host: string, private readonly requestedPort: number, private readonly log: Logger) {}

  async start(): Promise<void> {
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.requestedPort, this.host, () => resolve());
    });
    this.broker = broker;
    this.server = server;
    this.log.info(`embedded MQTT broker (aedes) listening on ${this.url}`);
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    return `mqtt://${this.host}:${addr?.port ?? this.requestedPort}`;
  }

  async stop(): Promise<void> {
    const { server, broker } = this;
    this.server = this.broker = null;
    // Stop accepting first, then let aedes disconnect its clients so the listener can close.
    const listenerClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    await listenerClosed;
  }
}
