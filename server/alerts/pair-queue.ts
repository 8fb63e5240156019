/**
 * The notification queue of a pair: the replicated stream, through which the leader alone sends;
 * while the cluster has not answered for longer than the lease (no quorum, or out of reach), the
 * local outbox instead, through which every server that can still evaluate sends on its own
 * (fail-open: a page twice rather than none; receivers get the same Idempotency-Key for one
 * incident's page when both servers opened it at the same time).
 */
import type { NotificationQueue } from './outbox.ts';
import type { Unpublished } from './notify-stream.ts';

/** The stream's side: publishes, and hands back what it gave up on when the cluster went silent. */
export interface StreamQueue {
  publishAll(notificationId: string, payloadFor: (channel: string) => unknown, supersede?: string): Promise<Unpublished[]>;
}

export class PairQueue implements NotificationQueue {
  constructor(
    private readonly stream: StreamQueue,
    private readonly local: NotificationQueue,
    private readonly failOpen: () => boolean,
  ) {}

  /**
   * Through the stream, or the local outbox while failed open. A publish the stream had not taken
   * when the cluster went silent (it retries until then) goes to the local outbox with the payload
   * decided at the time, under the same notification ID.
   */
  async enqueue(notificationId: string, payloadFor: (channel: string) => unknown, supersede?: string): Promise<void> {
    if (this.failOpen()) return this.local.enqueue(notificationId, payloadFor, supersede);
    const unpublished = await this.stream.publishAll(notificationId, payloadFor, supersede);
    if (unpublished.length === 0) return;
    const byChannel = new Map(unpublished.map((u) => [u.channel, u.payload]));
    await this.local.enqueue(notificationId, (channel) => byChannel.get(channel), supersede);
  }
}
