/**
 * The notification queues' metrics, registered once for however many queues a server has (a
 * pair's stream and its fail-open outbox): deliveries by channel and outcome, how many wait and
 * the age of the oldest.
 */
import type { Metrics } from '../http/metrics.ts';

/** What a queue holds: deliveries waiting and the oldest one's creation time, wall-clock ms (NaN when none). */
export interface Backlog {
  count: number;
  oldestMs: number;
}

export type NotificationCounts = (labels?: Record<string, string>, by?: number) => void;

export function registerNotificationMetrics(metrics: Metrics, queues: { backlog(): Backlog }[], clock: () => number): NotificationCounts {
  const count = metrics.counter('hallwatch_notifications_total', 'Notification deliveries by channel and outcome', ['channel', 'outcome']);
  const backlogs = () => queues.map((q) => q.backlog());
  metrics.gauge('hallwatch_notifications_pending', 'Deliveries waiting in the outbox', () => [[{}, backlogs().reduce((n, b) => n + b.count, 0)]]);
  metrics.gauge('hallwatch_notifications_oldest_pending_age_seconds', 'Age of the oldest delivery waiting in the outbox (0 when none waits)', () => {
    const oldest = Math.min(...backlogs().map((b) => (Number.isFinite(b.oldestMs) ? b.oldestMs : Number.POSITIVE_INFINITY)));
    return [[{}, Number.isFinite(oldest) ? Math.max(0, clock() - oldest) / 1000 : 0]];
  });
  return count;
}
