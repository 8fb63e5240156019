import { describe, expect, it } from 'vitest';
import { parseCduTelemetry, parseRackTelemetry, parseStatus } from '../../protocol/telemetry.ts';

const good = { ts: 1_700_000_000_000, rackKw: 120, supplyC: 40, returnC: 49, flowLpm: 180 };

describe('parseRackTelemetry()', () => {
  it('accepts a minimal and a full sample', () => {
    expect(parseRackTelemetry(good).ok).toBe(true);
    const full = { ...good, seq: 5, gpuW: Array(72).fill(1200), cpuW: 9000, gpuC: 70, dpKpa: 110, valvePct: 70, leak: 1 };
    const r = parseRackTelemetry(full);
    expect(r.ok && r.value.gpuW?.length).toBe(72);
  });

  it.each([
    ['not_object', [1, 2]],
    ['not_object', null],
    ['missing_field', { ...good, flowLpm: undefined }],
    ['wrong_type', { ...good, supplyC: '40' }],
    ['wrong_type', { ...good, ts: 1.5 }],
    ['wrong_type', { ...good, seq: -0.5 }],
    ['not_finite', { ...good, rackKw: Number.POSITIVE_INFINITY }],
    ['not_finite', { ...good, returnC: Number.NaN }],
    ['out_of_range', { ...good, rackKw: -1 }],
    ['out_of_range', { ...good, returnC: 140 }],
    ['out_of_range', { ...good, flowLpm: 1e6 }],
    ['out_of_range', { ...good, leak: 3 }],
    ['impossible', { ...good, supplyC: 45, returnC: 30 }],
    ['wrong_type', { ...good, gpuW: 'many' }],
    ['wrong_type', { ...good, gpuW: [1000, 'x'] }],
    ['out_of_range', { ...good, gpuW: [1000, 5000] }],
    ['out_of_range', { ...good, gpuW: Array(1000).fill(1) }],
  ])('rejects as %s: %j', (reason, payload) => {
    const r = parseRackTelemetry(payload);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message.length).toBeGreaterThan(5);
    }
  });

  it('names the offending field in its message', () => {
    const r = parseRackTelemetry({ ...good, flowLpm: 'fast' });
    expect(!r.ok && r.message).toContain('flowLpm');
  });
});

describe('parseCduTelemetry()', () => {
  const cdu = { ts: 1_700_000_000_000, supplyC: 40, returnC: 48, flowLpm: 1200 };
  it.each([
    [true, cdu],
    [true, { ...cdu, running: false, returnC: 20 }],
    [false, { ...cdu, running: 'yes' }],
    [false, { ...cdu, pumpPct: 120 }],
    [false, { ...cdu, supplyC: undefined }],
  ])('ok=%s for %j', (ok, payload) => {
    expect(parseCduTelemetry(payload).ok).toBe(ok);
  });
});

describe('parseStatus()', () => {
  it.each([
    ['online', true],
    ['offline', true],
    [' offline\n', true],
    ['down', false],
    ['', false],
  ])('%j → ok=%s', (text, ok) => {
    expect(parseStatus(text).ok).toBe(ok);
  });
});
