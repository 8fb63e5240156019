/**
 * What a process really keeps: its V8 heap after a full garbage collection, read through the
 * Node inspector. A process started with `INSPECT_ARGS` prints its inspector address; RSS and
 * heap totals move by tens of MB with the allocation rate alone, the heap used after a full
 * collection only with what is still referenced.
 */
import WebSocket from 'ws';
import type { Program } from '../../test/helpers/programs.ts';

/** Node flags that open the inspector on a free loopback port. */
export const INSPECT_ARGS = ['--inspect=127.0.0.1:0'];

/** The inspector's WebSocket address, from the "Debugger listening on" line. */
export function inspectorUrl(program: Program): string {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(program.output());
  if (!m) throw new Error('the process has no inspector: start it with INSPECT_ARGS');
  return m[1];
}

/** Two full collections, then the heap used, in MB. */
export async function heapAfterGcMb(program: Program): Promise<number> {
  const ws = new WebSocket(inspectorUrl(program));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const p = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id!);
    if (msg.error) p.reject(new Error(`inspector: ${msg.error.message}`));
    else p.resolve(msg.result);
  });
  const call = (method: string) =>
    new Promise<unknown>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
    return usage.usedSize / 2 ** 20;
  } finally {
    ws.close();
  }
}
