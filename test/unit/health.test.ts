import { describe, expect, it } from 'vitest';
import { healthReport, type HealthFacts } from '../../server/http/health.ts';

const storage = { status: 'ok', lastError: null, linesWaiting: 120, behindS: 1, maxBehindS: 30, spillError: null, spillDroppedLines: 0 };
const base: HealthFacts = { mqttConnected: true, storage, clockStepMs: 0, alertsSaveError: null };
const onTime = { sampleAgeP99Ms: 50, loopLagMs: 2, creditMs: 50, capMs: 6000, staleAfterMs: 3000, delay: null };
const delay = { sinceMs: 0, racks: 3584, cdus: 146, racksStale: 3560, cdusStale: 140, halls: [0, 1], oldestSampleAgeMs: 0 };

describe('healthReport', () => {
  it.each<[string, Partial<HealthFacts>, 'ok' | 'degraded', Record<string, string | RegExp>]>([
    ['all well', {}, 'ok', { mqtt: 'connected', storage: 'influxdb ok' }],
    ['memory only', { storage: null }, 'ok', { storage: 'memory' }],
    ['broker lost', { mqttConnected: false }, 'degraded', { mqtt: 'disconnected' }],
    [
      'InfluxDB failing', { storage: { ...storage, status: 'degraded', lastError: 'connect ECONNREFUSED' } },
      'degraded', { storage: /^degraded: connect ECONNREFUSED; 120 lines buffered$/ },
    ],
    ['history behind', { storage: { ...storage, behindS: 45 } }, 'degraded', { storage: 'behind: history 45 s behind, 120 lines waiting' }],
    [
      'disk refusing the spill while InfluxDB is down',
      { storage: { ...storage, status: 'degraded', lastError: 'timeout', spillError: { message: 'ENOSPC', ageMs: 2000 }, spillDroppedLines: 900 } },
      'degraded', { storage: /spill to disk failing \(ENOSPC\), 900 lines lost/ },
    ],
    [
      'a spill failure a while ago, InfluxDB back',
      { storage: { ...storage, spillError: { message: 'ENOSPC', ageMs: 120_000 }, spillDroppedLines: 900 } },
      'ok', { storage: 'influxdb ok' },
    ],
    ['host clock stepped', { clockStepMs: -3_600_000 }, 'degraded', { clock: /stepped by -3600 s/ }],
    ['a pair\'s leader', { cluster: { connected: true, leader: true, silentS: 0.2, failOpen: false } }, 'ok', { cluster: 'leader' }],
    ['a pair\'s standby', { cluster: { connected: true, leader: false, silentS: 1.5, failOpen: false } }, 'ok', { cluster: 'standby' }],
    ['cluster connection lost', { cluster: { connected: false, leader: false, silentS: 4, failOpen: false } }, 'degraded', { cluster: 'disconnected; reconnecting' }],
    [
      'cluster silent past the lease: fail-open', { cluster: { connected: true, leader: false, silentS: 41.4, failOpen: true } },
      'degraded', { cluster: 'no answer for 41 s (no quorum, or out of reach): notifying directly (fail-open)' },
    ],
    ['alert state not saved', { alertsSaveError: { message: 'EROFS', failures: 3 } }, 'degraded', { alerts: 'state not saved (EROFS); 3 failed saves' }],
    [
      'many racks stale together', { staleness: { ...onTime, delay: { ...delay, oldestSampleAgeMs: 5200 } } },
      'ok', { telemetry: 'delayed: 3584 racks and 146 CDUs went stale together (3700 still stale, oldest sample 5 s) — broker or gateway?' },
    ],
    [
      'samples 2.8 s late: staleness judged later', { staleness: { ...onTime, sampleAgeP99Ms: 2800, loopLagMs: 120, creditMs: 2800 } },
      'ok', { telemetry: 'late: samples arrive 2.8 s late (p99), event loop 0.1 s late; stale after 5.8 s instead of 3.0 s' },
    ],
    [
      'samples 9 s late: the most it is raised', { staleness: { ...onTime, sampleAgeP99Ms: 9000, creditMs: 6000 } },
      'degraded', { telemetry: 'behind: samples arrive 9.0 s late (p99); stale after 9.0 s instead of 3.0 s (the most it is raised)' },
    ],
  ])('%s', (_what, facts, status, checks) => {
    const h = healthReport({ ...base, ...facts });
    expect(h.status).toBe(status);
    for (const [k, v] of Object.entries(checks)) expect(h.checks[k]).toMatch(v);
  });

  it('says nothing of the telemetry while samples arrive on time', () => {
    expect(healthReport({ ...base, staleness: onTime })).toEqual({ status: 'ok', checks: { mqtt: 'connected', storage: 'influxdb ok' } });
  });
});
