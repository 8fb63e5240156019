/**
 * The `hallwatch/v1` contract's messages, whatever carries them: each one classified, the
 * accepted ones put into the readings. A bad message costs one counter increment and,
 * rate-limited, one log line; it never throws out of the handler.
 */
import { REJECT_REASONS, type RejectReason } from '../../protocol/telemetry.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import { classifyMessage, type ValidationLimits } from './validate.ts';
import type { Readings } from './readings.ts';
import { labelledCounters, SourceTally } from './tally.ts';

export class TelemetryMessages {
  private readonly tally: SourceTally<'rack' | 'cdu' | 'status', RejectReason>;
  private readonly countLate: Record<'rack' | 'cdu', (by?: number) => void>;

  constructor(
    private readonly limits: ValidationLimits,
    private readonly readings: Readings,
    metrics: Metrics,
    log: Logger,
    private readonly clock: () => number,
  ) {
    this.tally = new SourceTally(metrics, log, {
      accepted: {
        name: 'hallwatch_messages_accepted_total', help: 'MQTT messages taken as readings, by kind', label: 'kind', values: ['rack', 'cdu', 'status'],
      },
      rejected: { name: 'hallwatch_messages_rejected_total', help: 'MQTT messages rejected, by reason', label: 'reason', values: REJECT_REASONS },
    });
    this.countLate = labelledCounters(metrics, {
      name: 'hallwatch_messages_late_total',
      help: 'Samples older than their entity\'s latest: kept in history, not shown live, by kind',
      label: 'kind',
      values: ['rack', 'cdu'],
    });
  }

  start(): void {
    this.tally.start();
  }

  /** Classifies and applies one message (`topic` as the contract names it, whatever the transport). */
  handle(topic: string, payload: Uint8Array): void {
    const nowMs = this.clock();
    const c = classifyMessage(this.readings.site, this.limits, topic, payload, nowMs);
    if (!c.ok) {
      if (c.rackIndex !== undefined) this.readings.rackRejected(c.rackIndex, nowMs);
      return this.tally.rejected(c.reason, c.message);
    }
    if (c.kind === 'status') {
      this.readings.status(c.entity, c.index, c.status, nowMs);
      this.tally.accepted.status();
      return;
    }
    const outcome = c.kind === 'rack' ? this.readings.rack(c.index, c.sample, nowMs) : this.readings.cdu(c.index, c.sample, nowMs);
    if (outcome === 'duplicate') return this.tally.rejected('duplicate', `${topic}: ts ${c.sample.ts} was already taken (a redelivery)`);
    if (outcome === 'late') return void this.countLate[c.kind]();
    this.tally.accepted[c.kind]();
  }

  stop(): void {
    this.tally.stop();
  }
}
