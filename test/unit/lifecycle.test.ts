import { describe, expect, it } from 'vitest';
import { Stops } from '../../server/lifecycle.ts';
import { createLogger } from '../../server/logger.ts';

describe('Stops', () => {
  it('runs stops newest first, once, sharing one promise between concurrent and later calls', async () => {
    const stops = new Stops(createLogger('error'));
    const order: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    stops.push(['storage', () => void order.push('storage')]);
    stops.push(['ingest', async () => {
      order.push('ingest');
      await slow;
    }]);
    const a = stops.stopAll();
    const b = stops.stopAll();
    expect(b).toBe(a);
    release();
    await Promise.all([a, b]);
    await stops.stopAll();
    expect(order).toEqual(['ingest', 'storage']);
  });

  it('still runs the older stops when one throws, then reports the failure by name', async () => {
    const stops = new Stops(createLogger('error'));
    const order: string[] = [];
    stops.push(['storage', () => void order.push('storage')]);
    stops.push(['http', () => {
      throw new Error('socket gone');
    }]);
    await expect(stops.stopAll()).rejects.toThrow('stopping http: socket gone');
    expect(order).toEqual(['storage']);
  });

  it('registers a stop before its start runs, so a start that fails halfway is undone', async () => {
    const stops = new Stops(createLogger('error'));
    let timer: NodeJS.Timeout | null = null;
    const failing = stops.start('poller', () => {
      timer = setInterval(() => undefined, 1000);
      throw new Error('port in use');
    }, () => clearInterval(timer!));
    await expect(failing).rejects.toThrow('port in use');
    await stops.stopAll();
    expect((timer as unknown as { _destroyed: boolean })._destroyed).toBe(true);
  });
});
