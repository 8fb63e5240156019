/**
 * The notification queue of a pair: the replicated stream, through which the leader alone sends;
 * while the cluster has not answered for longer than the lease (no quorum, or out of reach), the
 * local outbox instead, through which every server that can still evaluate sends on its own
 * (fail-open: a page twice rather than none; receivers get the same Idempotency-Key for one
 * incident's page when both servers opened it at the same time).
 */
import type { NotificationQueue } from './outbox.ts';

export class PairQueue implements NotificationQueue {
  constructor(
    private readonly stream: NotificationQueue,
    private readonly local: NotificationQueue,
    private readonly failOpen: () => boolean,
  ) {}

  enqueue(notificationId: string, payloadFor: (channel: string) => unknown, supersede?: string): Promise<void> {
    return (this.failOpen() ? this.local : this.stream).enqueue(notificationId, payloadFor, supersede);
  }
}
