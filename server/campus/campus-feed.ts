/**
 * The campus view's intake: every hall shard's beat, live rows and alerts from the NATS cluster,
 * into the campus's live state (by ID: server/campus/shard-links.ts). A shard that stops beating
 * leaves its halls unreachable, named with the reason; its racks turn stale as their rows stop.
 * The constructor does no I/O.
 */
import type { Msg, NatsConnection, Subscription } from 'nats';
import { readJsonMessage } from './json-message.ts';
import { parseShardBeat } from '../../protocol/campus.ts';
import { shardSubject } from '../../protocol/campus-subjects.ts';
import { decodeDeltaFrame } from '../../protocol/stream-binary.ts';
import { CDU_COLUMNS, RACK_COLUMNS } from '../../protocol/stream.ts';
import type { AlertsSnapshot } from '../../protocol/alerts.ts';
import type { LiveState } from '../state/live-state.ts';
import { applyDerivedRow } from '../state/derived-rows.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { ShardLinks } from './shard-links.ts';

export interface CampusFeedDeps {
  connection: () => NatsConnection;
  state: LiveState;
  links: ShardLinks;
  metrics: Metrics;
  log: Logger;
  clock: () => number;
}

/** The shard ID of a subject `hallwatch.campus.{site}.shard.{shard}.{topic}`. */
function shardOf(subject: string): string {
  const parts = subject.split('.');
  return parts[parts.length - 2];
}

export class CampusFeed {
  private subs: Subscription[] = [];
  /** Messages refused, by reason (counted; the first of each reason logged). */
  readonly rejected = new Map<string, number>();
  rowsApplied = 0;

  constructor(private readonly siteKey: string, private readonly d: CampusFeedDeps) {
    d.metrics.counterFrom('hallwatch_campus_rows_total', 'Rack and CDU rows taken from the hall shards', [], () => [[{}, this.rowsApplied]]);
    d.metrics.counterFrom('hallwatch_campus_rejected_total', 'Messages from hall shards refused, by reason', ['reason'],
      () => [...this.rejected].map(([reason, n]) => [{ reason }, n]));
  }

  async start(): Promise<void> {
    const nc = this.d.connection();
    const on = (topic: 'beat' | 'live' | 'alerts', take: (shard: string, msg: Msg) => void) => {
      this.subs.push(nc.subscribe(shardSubject(this.siteKey, '*', topic), {
        callback: (err, msg) => {
          if (err) return;
          try {
            take(shardOf(msg.subject), msg);
          } catch (e) {
            this.reject(`${topic}-unreadable`, `campus: ${msg.subject}: ${(e as Error).message}`);
          }
        },
      }));
    };
    on('beat', (shard, msg) => this.takeBeat(shard, readJsonMessage(msg)));
    on('live', (shard, msg) => this.takeLive(shard, msg.data));
    on('alerts', (shard, msg) => this.takeAlerts(shard, readJsonMessage(msg)));
  }

  async stop(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  private reject(reason: string, line: string): void {
    const n = (this.rejected.get(reason) ?? 0) + 1;
    this.rejected.set(reason, n);
    if (n === 1 || n % 1000 === 0) this.d.log.warn(`${line} (${n} refused for ${reason})`);
  }

  private takeBeat(shard: string, body: unknown): void {
    const b = parseShardBeat(body);
    if (!b.ok) return this.reject('beat-shape', `campus: beat of shard ${shard}: ${b.message}`);
    if (b.value.shard !== shard) return this.reject('beat-shape', `campus: beat on shard ${shard}'s subject names shard ${b.value.shard}`);
    const known = this.d.links.link(shard);
    const wasUnreachable = known !== undefined && !Number.isNaN(known.unreachableSinceMs);
    const why = this.d.links.beat(b.value, this.d.clock());
    if (why) return this.reject('shard-refused', `campus: ${why}`);
    if (!known) this.d.log.info(`campus: shard ${shard} (server ${b.value.serverName}) holds ${b.value.halls.join(', ')}`);
    else if (wasUnreachable) this.d.log.info(`campus: shard ${shard} (server ${b.value.serverName}) is back`);
  }

  private takeLive(shard: string, data: Uint8Array): void {
    const link = this.d.links.link(shard);
    if (!link || this.d.links.refused.has(shard)) return this.reject('shard-unknown', `campus: live rows of shard ${shard} before its beat was taken`);
    const f = decodeDeltaFrame(data);
    if (f.racks.cols.length !== RACK_COLUMNS.length || f.cdus.cols.length !== CDU_COLUMNS.length) {
      return this.reject('columns', `campus: shard ${shard} sends ${f.racks.cols.length}/${f.cdus.cols.length} columns, this server ${RACK_COLUMNS.length}/${CDU_COLUMNS.length}: another version`);
    }
    const nowMs = this.d.clock();
    const apply = (kind: 'rack' | 'cdu', idx: ArrayLike<number>, cols: ArrayLike<number>[], map: Int32Array) => {
      for (let k = 0; k < idx.length; k++) {
        const i = map[idx[k]];
        if (i === undefined || i < 0) return this.reject('row-unknown', `campus: shard ${shard}: ${kind} row ${idx[k]} is not in its halls`);
        applyDerivedRow(this.d.state, kind, i, cols, k, nowMs);
        this.rowsApplied++;
      }
    };
    apply('rack', f.racks.idx, f.racks.cols as Float64Array[], link.rackMap);
    apply('cdu', f.cdus.idx, f.cdus.cols as Float64Array[], link.cduMap);
  }

  private takeAlerts(shard: string, body: unknown): void {
    const link = this.d.links.link(shard);
    if (!link) return;
    const a = body as AlertsSnapshot;
    if (!Array.isArray(a.incidents) || !Array.isArray(a.alerts) || !Array.isArray(a.silences)) {
      return this.reject('alerts-shape', `campus: alerts of shard ${shard}: incidents, alerts and silences arrays expected`);
    }
    link.alerts = a;
  }
}
