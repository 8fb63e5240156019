import { describe, expect, it } from 'vitest';
import { PairQueue } from '../../server/alerts/pair-queue.ts';
import type { NotificationQueue } from '../../server/alerts/outbox.ts';

function recording(name: string, log: string[]): NotificationQueue {
  return { enqueue: async (id, payloadFor, supersede) => void log.push(`${name}:${id}:${String(payloadFor('webhook'))}:${supersede ?? ''}`) };
}

describe('PairQueue', () => {
  it.each<[string, boolean[], string[]]>([
    ['the cluster answers: every notification through the stream', [false, false], ['stream:n1:p:', 'stream:n2:p:refresh@']],
    ['the cluster silent past the lease: through the local outbox', [true, true], ['local:n1:p:', 'local:n2:p:refresh@']],
    ['fail-open ends: back to the stream', [true, false], ['local:n1:p:', 'stream:n2:p:refresh@']],
  ])('%s', async (_what, failOpen, expected) => {
    const log: string[] = [];
    let i = 0;
    const q = new PairQueue(recording('stream', log), recording('local', log), () => failOpen[i]);
    await q.enqueue('n1', () => 'p');
    i++;
    await q.enqueue('n2', () => 'p', 'refresh@');
    expect(log).toEqual(expected);
  });
});
