/** A WebSocket test client that keeps every decoded frame and can wait for one matching a test. */
import WebSocket from 'ws';
import type { ServerMessage } from '../../protocol/stream.ts';
import { notYet, NotYet, waitFor } from './wait.ts';

export class WsProbe {
  readonly frames: ServerMessage[] = [];
  readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as ServerMessage));
  }

  static async open(url: string): Promise<WsProbe> {
    const ws = new WebSocket(url);
    const probe = new WsProbe(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return probe;
  }

  async next<T extends ServerMessage>(what: string, match: (m: ServerMessage) => m is T, timeoutMs = 10_000, from = 0): Promise<T> {
    const found = await waitFor(what, (): ServerMessage | NotYet =>
      this.frames.slice(from).find(match) ?? notYet({ frames: this.frames.length - from, last: this.frames.at(-1) }), timeoutMs, 20);
    return found as T;
  }

  close(): void {
    this.ws.terminate();
  }
}
