import { describe, expect, it } from 'vitest';
import { PairQueue, type StreamQueue } from '../../server/alerts/pair-queue.ts';
import type { NotificationQueue } from '../../server/alerts/outbox.ts';

const CHANNELS = ['webhook', 'slack'];

function recording(name: string, log: string[]): NotificationQueue {
  return {
    enqueue: async (id, payloadFor, supersede) => {
      for (const ch of CHANNELS) {
        const p = payloadFor(ch);
        if (p !== undefined) log.push(`${name}:${id}:${ch}:${String(p)}:${supersede ?? ''}`);
      }
    },
  };
}

/** A stream that takes every channel but those in `refuses` (given up on: the cluster went silent). */
function stream(log: string[], refuses: string[] = []): StreamQueue {
  return {
    publishAll: async (id, payloadFor, supersede) => {
      const unpublished = [];
      for (const ch of CHANNELS) {
        const p = payloadFor(ch);
        if (p === undefined) continue;
        if (refuses.includes(ch)) unpublished.push({ channel: ch, payload: `${String(p)} as decided` });
        else log.push(`stream:${id}:${ch}:${String(p)}:${supersede ?? ''}`);
      }
      return unpublished;
    },
  };
}

describe('PairQueue', () => {
  it.each<[string, boolean[], string[], string[]]>([
    ['the cluster answers: every notification through the stream', [false, false], [], [
      'stream:n1:webhook:p:', 'stream:n1:slack:p:', 'stream:n2:webhook:p:refresh@', 'stream:n2:slack:p:refresh@',
    ]],
    ['the cluster silent past the lease: through the local outbox', [true, true], [], [
      'local:n1:webhook:p:', 'local:n1:slack:p:', 'local:n2:webhook:p:refresh@', 'local:n2:slack:p:refresh@',
    ]],
    ['fail-open ends: back to the stream', [true, false], [], [
      'local:n1:webhook:p:', 'local:n1:slack:p:', 'stream:n2:webhook:p:refresh@', 'stream:n2:slack:p:refresh@',
    ]],
    ['a publish given up on when the cluster went silent: that channel through the local outbox, as decided', [false, false], ['slack'], [
      'stream:n1:webhook:p:', 'local:n1:slack:p as decided:', 'stream:n2:webhook:p:refresh@', 'local:n2:slack:p as decided:refresh@',
    ]],
  ])('%s', async (_what, failOpen, refuses, expected) => {
    const log: string[] = [];
    let i = 0;
    const q = new PairQueue(stream(log, refuses), recording('local', log), () => failOpen[i]);
    await q.enqueue('n1', () => 'p');
    i++;
    await q.enqueue('n2', () => 'p', 'refresh@');
    expect(log).toEqual(expected);
  });
});
