/**
 * Part of the composition root (server/main.ts): the history stores a server's config asks for —
 * the memory window always, InfluxDB and its writer when `--influx` is set.
 */
import { join } from 'node:path';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { SiteIndex } from '../site/site-index.ts';
import { InfluxClient } from '../history/influx-client.ts';
import { InfluxWriter } from '../history/influx-writer.ts';
import { MemoryWindow, memoryWindowSize } from '../history/memory-window.ts';

export interface HistoryParts {
  memory: MemoryWindow;
  influx: InfluxClient | null;
  writer: InfluxWriter | null;
}

export function historyParts(cfg: ServerConfig, site: SiteIndex, deps: { metrics: Metrics; log: Logger; clock: () => number }): HistoryParts {
  const size = memoryWindowSize(site, cfg.historyWindowS, cfg.historyMemoryMb);
  const memory = new MemoryWindow(size.windowSamples);
  deps.log.info(`history in memory: the last ${size.spanS} s of ${size.entities} racks, CDUs, rows and halls (≤ ${size.maxMb} MB)`);
  const influx = cfg.influxUrl
    ? new InfluxClient({
        url: cfg.influxUrl, db: cfg.influxDb, token: cfg.influxToken, username: cfg.influxUsername, password: cfg.influxPassword, requestTimeoutMs: 10_000,
      })
    : null;
  const writer = influx
    ? new InfluxWriter({
        client: influx,
        cfg: {
          retention: { raw: cfg.retentionRaw, m1: cfg.retention1m, h1: cfg.retention1h },
          flushIntervalMs: 1000,
          maxRetryDelayMs: 30_000,
          deadLetterPath: join(cfg.storageDir, 'dead-letter.jsonl'),
          // Batches of 1,000 lines: ~1 MB requests of raw blocks.
          queue: { batchLines: 1000, maxMemoryLines: cfg.storageBufferLines, spillDir: join(cfg.storageDir, 'spill'), maxSpillBytes: 20 * 1024 ** 3 },
        },
        ...deps,
      })
    : null;
  if (influx) {
    const raw = cfg.historyRawFormat === 'points' ? 'one point per sample in rack, cdu, totals' : `${cfg.historyBlockS} s blocks in rack_block, cdu_block, totals_block`;
    deps.log.info(`history in InfluxDB (database ${cfg.influxDb}): raw tier as ${raw} (--history-raw-format ${cfg.historyRawFormat})`);
  }
  return { memory, influx, writer };
}
