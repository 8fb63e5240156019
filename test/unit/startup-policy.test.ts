import { describe, expect, it } from 'vitest';
import { memoryWindowSize, type SizedSite } from '../../server/history/memory-window.ts';
import { pruneBeforeMs } from '../../server/ingest/journal-pruner.ts';
import { retentionMs } from '../../server/history/history-service.ts';
import { announceLogins } from '../../server/auth/demo-logins.ts';
import { healthFacts, type HealthSources } from '../../server/http/health.ts';
import type { Access } from '../../server/auth/access.ts';
import type { InfluxWriter } from '../../server/history/influx-writer.ts';
import { createLogger } from '../../server/logger.ts';
import { ingestClientId } from '../../server/ingest/mqtt-ingest.ts';
import { clockStepWarning } from '../../server/state/steady-clock.ts';

/** 2 racks of 8 GPUs, 1 CDU, 1 row, 1 hall: 6 entities, 296 bytes a sample time. */
function site(telemetryIntervalMs: number): SizedSite {
  return { racks: [{ gpuCount: 8 }, { gpuCount: 8 }], cdus: [{}], rows: [{}], view: { halls: [{}] }, spec: { telemetryIntervalMs } };
}

describe('memoryWindowSize()', () => {
  it.each([
    { why: 'the asked-for window when memory allows', intervalMs: 1000, windowS: 3600, memoryMb: 512, samples: 3600, spanS: 3600, maxMb: 1 },
    { why: 'fewer samples when memory caps it', intervalMs: 1000, windowS: 3600, memoryMb: 1, samples: 3542, spanS: 3542, maxMb: 1 },
    { why: 'at least 60 samples however small the memory', intervalMs: 1000, windowS: 3600, memoryMb: 0.001, samples: 60, spanS: 60, maxMb: 0 },
    { why: 'samples at the telemetry interval', intervalMs: 10_000, windowS: 3600, memoryMb: 512, samples: 360, spanS: 3600, maxMb: 0 },
  ])('keeps $why', ({ intervalMs, windowS, memoryMb, samples, spanS, maxMb }) => {
    expect(memoryWindowSize(site(intervalMs), windowS, memoryMb)).toEqual({ windowSamples: samples, entities: 6, spanS, maxMb });
  });
});

describe('pruneBeforeMs()', () => {
  it.each([
    { unstored: [Number.NaN, Number.NaN], nowMs: 5000, want: 5000 },
    { unstored: [], nowMs: 7, want: 7 },
    { unstored: [100, Number.NaN], nowMs: 5000, want: 100 },
    { unstored: [Number.NaN, 200], nowMs: 5000, want: 200 },
    { unstored: [300, 200], nowMs: 5000, want: 200 },
  ])('prunes before $want when samples wait since $unstored at $nowMs', ({ unstored, nowMs, want }) => {
    expect(pruneBeforeMs(unstored, nowMs)).toBe(want);
  });
});

describe('retentionMs()', () => {
  it.each([
    { d: '7d', want: 7 * 86_400_000 },
    { d: '48h', want: 48 * 3_600_000 },
    { d: '104w', want: 104 * 7 * 86_400_000 },
    { d: 'INF', want: Number.POSITIVE_INFINITY },
  ])('reads the InfluxQL retention $d', ({ d, want }) => {
    expect(retentionMs(d)).toBe(want);
  });
});

/** An Access stand-in recording what the start did to it. */
function fakeAccess(hasUsers: boolean, tokens: { id: string; name: string; revokedMs?: number }[] = []) {
  const done: string[] = [];
  const access = {
    hasUsers,
    setUser: async (name: string, role: string) => void done.push(`setUser ${name} ${role}`),
    listDisplayTokens: () => tokens,
    revokeDisplayToken: async (id: string) => void done.push(`revoke ${id}`),
    createDisplayToken: async (name: string) => (done.push(`create ${name}`), { token: 'a b' }),
  };
  return { access: access as unknown as Access, done };
}

describe('announceLogins()', () => {
  it.each([
    { why: 'prints nothing when authentication is off', auth: 'off' as const, print: 0, hasUsers: false, lines: [], done: [] },
    { why: 'prints nothing when users exist and no demo login is asked for', auth: 'on' as const, print: 0, hasUsers: true, lines: [], done: [] },
    {
      why: 'sets and prints an admin login when no user exists', auth: 'on' as const, print: 0, hasUsers: false,
      lines: ['HALLWATCH_ADMIN_LOGIN'], done: ['setUser admin admin'],
    },
    {
      why: 'prints an admin login and a fresh demo wall path, revoking the previous one', auth: 'on' as const, print: 1, hasUsers: true,
      lines: ['HALLWATCH_ADMIN_LOGIN', 'HALLWATCH_WALL_PATH /wall?token=a%20b'], done: ['setUser admin admin', 'revoke old', 'create demo-wall'],
    },
  ])('$why', async ({ auth, print, hasUsers, lines, done: want }) => {
    const tokens = [{ id: 'old', name: 'demo-wall' }, { id: 'gone', name: 'demo-wall', revokedMs: 1 }, { id: 'other', name: 'lobby' }];
    const { access, done } = fakeAccess(hasUsers, tokens);
    const printed: string[] = [];
    await announceLogins(access, { auth, printAdminLogin: print, log: createLogger('error'), print: (l) => printed.push(l) });
    expect(printed.map((l) => (l.startsWith('HALLWATCH_ADMIN_LOGIN') ? l.replace(/ user=admin password=\S{12,}$/, '') : l))).toEqual(lines);
    expect(done).toEqual(want);
  });
});

describe('healthFacts()', () => {
  const base: HealthSources = {
    ingest: { connected: true }, writer: null, maxBehindS: 60, clockStepMs: () => 0, alerts: { saveError: null }, clock: () => 100_000,
  };

  it('reports memory-only history without a writer', () => {
    expect(healthFacts(base)).toEqual({ mqttConnected: true, storage: null, clockStepMs: 0, alertsSaveError: null });
  });

  it('reads the writer: lines waiting, how far behind, the spill error\'s age', () => {
    const queue = { size: 42, spillDropped: 7, spillError: { message: 'ENOSPC', atMs: 90_000 } };
    const writer = { status: 'degraded', lastError: 'timeout', queue, behindMs: () => 12_400 } as unknown as InfluxWriter;
    const f = healthFacts({ ...base, writer, ingest: { connected: false }, clockStepMs: () => -3000 });
    expect(f).toEqual({
      mqttConnected: false, clockStepMs: -3000, alertsSaveError: null,
      storage: {
        status: 'degraded', lastError: 'timeout', linesWaiting: 42, behindS: 12, maxBehindS: 60,
        spillError: { message: 'ENOSPC', ageMs: 10_000 }, spillDroppedLines: 7,
      },
    });
  });
});

describe('ingestClientId()', () => {
  it.each([
    { configured: 'mine', delivery: 'at-least-once' as const, want: 'mine' },
    { configured: undefined, delivery: 'at-least-once' as const, want: 'hallwatch-ingest-h1' },
    { configured: undefined, delivery: 'at-most-once' as const, want: 'hallwatch-server-h1-42' },
    { configured: undefined, delivery: undefined, want: 'hallwatch-server-h1-42' },
  ])('is $want for $configured with $delivery delivery', ({ configured, delivery, want }) => {
    expect(ingestClientId(configured, delivery, 'h1', 42)).toBe(want);
  });
});

describe('clockStepWarning()', () => {
  it.each([
    { stepMs: 3_600_000, adopted: false, want: 'clock: the host clock stepped by +3600 s; Hallwatch keeps counting time from before the step' },
    { stepMs: -90_400, adopted: true, want: 'clock: the host clock moved by -90 s and the telemetry agrees: following it' },
  ])('says $want', ({ stepMs, adopted, want }) => {
    expect(clockStepWarning(stepMs, adopted)).toContain(want);
  });
});
