import { describe, expect, it } from 'vitest';
import { classifyMessage } from '../../server/ingest/validate.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';

const site = buildSiteIndex(generateSite({ halls: 2, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
const limits = { topicRoot: 'hallwatch/v1', maxPayloadBytes: 32_768, maxClockSkewMs: 60_000 };
const NOW = 1_800_000_000_000;
const sample = { ts: NOW, rackKw: 100, supplyC: 40, returnC: 48, flowLpm: 180 };
const bytes = (v: unknown) => (v instanceof Uint8Array ? v : new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v)));
const classify = (topic: string, payload: unknown) => classifyMessage(site, limits, topic, bytes(payload), NOW);

describe('classifyMessage()', () => {
  it('accepts rack and CDU telemetry and status for known IDs', () => {
    const rack = classify('hallwatch/v1/hall-1/rack/h1-r01-k02/telemetry', sample);
    expect(rack).toMatchObject({ ok: true, kind: 'rack', index: 1 });
    const cdu = classify('hallwatch/v1/hall-2/cdu/h2-r01-cdu-a/telemetry', { ts: NOW, supplyC: 40, returnC: 48, flowLpm: 500 });
    expect(cdu).toMatchObject({ ok: true, kind: 'cdu' });
    expect(classify('hallwatch/v1/hall-1/rack/h1-r01-k01/status', 'offline')).toMatchObject({ ok: true, kind: 'status', status: 'offline' });
  });

  it.each([
    ['bad_topic', 'other/v1/hall-1/rack/h1-r01-k01/telemetry', sample],
    ['bad_topic', 'hallwatch/v1/hall-1/rack/h1-r01-k01', sample],
    ['bad_topic', 'hallwatch/v1/hall-1/pdu/x/telemetry', sample],
    ['bad_topic', 'hallwatch/v1/hall-1/rack/bad id/telemetry', sample],
    ['unknown_hall', 'hallwatch/v1/hall-9/rack/h1-r01-k01/telemetry', sample],
    ['unknown_rack', 'hallwatch/v1/hall-1/rack/nope/telemetry', sample],
    ['unknown_rack', 'hallwatch/v1/hall-2/rack/h1-r01-k01/telemetry', sample],
    ['unknown_cdu', 'hallwatch/v1/hall-1/cdu/nope/telemetry', sample],
    ['oversized', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', 'x'.repeat(40_000)],
    ['malformed_json', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', '{"ts": NaN}'],
    ['malformed_json', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', '{'],
    ['wrong_type', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, rackKw: 'hot' }],
    ['not_finite', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', '{"ts":1800000000000,"rackKw":1e999,"supplyC":40,"returnC":48,"flowLpm":180}'],
    ['out_of_range', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, flowLpm: -3 }],
    ['impossible', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, returnC: 20 }],
    ['clock_skew', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, ts: NOW - 3_600_000 }],
    ['clock_skew', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, ts: NOW + 120_000 }],
    ['bad_status', 'hallwatch/v1/hall-1/rack/h1-r01-k01/status', 'maybe'],
    // Bad timestamps: a year ahead, 1970, seconds sent as ms, ms × 1,000, a fraction.
    ['clock_skew', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, ts: NOW + 365 * 86_400_000 }],
    ['clock_skew', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, ts: 0 }],
    ['clock_skew', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, ts: Math.floor(NOW / 1000) }],
    ['out_of_range', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, ts: NOW * 1000 }],
    ['wrong_type', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, ts: NOW + 0.5 }],
    ['wrong_type', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', { ...sample, ts: String(NOW) }],
    // Hostile JSON: repeated keys, prototype keys instead of fields, a payload that is not an object.
    ['duplicate_key', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry',
      '{"ts":1800000000000,"rackKw":100,"supplyC":40,"returnC":48,"returnC":20,"flowLpm":180}'],
    ['duplicate_key', 'hallwatch/v1/hall-1/cdu/h1-r01-cdu-a/telemetry', '{"ts":1800000000000,"ts":1800000000001,"supplyC":40,"returnC":48,"flowLpm":500}'],
    ['duplicate_key', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry',
      '{ "ts" : 1800000000000 , "rackKw" : 100, "supplyC" : 40, "returnC" : 48, "flowLpm" : 180, "gpuW": [900, 910], "flowLpm" : 1 }'],
    ['duplicate_key', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry',
      '{"ts":1800000000000,"rackKw":100,"supplyC":40,"returnC":48,"flowLpm":180,"x":{"a":1},"leak":0,"leak":2}'],
    ['missing_field', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry',
      '{"__proto__":{"ts":1800000000000,"rackKw":100,"supplyC":40,"returnC":48,"flowLpm":180}}'],
    ['missing_field', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry',
      '{"constructor":{"prototype":{"flowLpm":180}},"ts":1800000000000,"rackKw":100,"supplyC":40,"returnC":48}'],
    ['not_utf8', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry',
      Buffer.concat([
        Buffer.from('{"ts":1800000000000,"rackKw":100,"supplyC":40,"returnC":48,"flowLpm":180,"note":"'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ])],
    ['not_object', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['malformed_json', 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', '['.repeat(10_000) + ']'.repeat(9_999)],
  ])('rejects as %s: %s', (reason, topic, payload) => {
    const c = classify(topic, payload);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.reason).toBe(reason);
    expect(({} as Record<string, unknown>).flowLpm).toBeUndefined();
  });

  it.each([
    ['an impossible value is held against its rack (a sensor fault)', { ...sample, returnC: 20 }, 0],
    ['an out-of-range value too', { ...sample, flowLpm: -3 }, 0],
    ['a wrong type is the sender\'s bug, not a sensor', { ...sample, rackKw: 'hot' }, undefined],
    ['a clock skew is the gateway\'s clock, not a sensor', { ...sample, ts: NOW - 3_600_000 }, undefined],
  ])('%s', (_why, payload, rackIndex) => {
    const c = classify('hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry', payload);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.rackIndex).toBe(rackIndex);
  });
});

describe('known topics', () => {
  it('classify the same on every message, and an unknown ID stays unknown after a known one', () => {
    const topic = 'hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry';
    const first = classify(topic, sample);
    expect(first).toMatchObject({ ok: true, kind: 'rack', index: 0 });
    expect(classify(topic, sample)).toEqual(first);
    expect(classify('hallwatch/v1/hall-1/rack/h1-r01-k01/status', 'offline')).toMatchObject({ ok: true, kind: 'status', index: 0, status: 'offline' });
    expect(classify('hallwatch/v1/hall-2/rack/h1-r01-k01/telemetry', sample)).toMatchObject({ ok: false, reason: 'unknown_rack' });
    expect(classifyMessage(site, { ...limits, topicRoot: 'other/v1' }, topic, bytes(sample), NOW)).toMatchObject({ ok: false, reason: 'bad_topic' });
  });
});

describe('rejection messages', () => {
  it.each([
    ['a newline', 'hallwatch/v1/hall-1/rack/a\nb/telemetry'],
    ['a NUL', 'hallwatch/v1/hall-1/rack/a\u0000b/telemetry'],
    ['a 64 KB segment', `hallwatch/v1/hall-1/rack/${'x'.repeat(65_000)}/telemetry`],
    ['an escape sequence', 'hallwatch/v1/\u001b[31mhall/rack/x/telemetry'],
  ])('name a topic with %s on one short line', (_what, topic) => {
    const c = classifyMessage(site, limits, topic, bytes(sample), NOW);
    expect(c).toMatchObject({ ok: false, reason: 'bad_topic' });
    if (c.ok) return;
    expect(c.message).not.toMatch(/[\u0000-\u001f]/);
    expect(c.message.length).toBeLessThan(300);
  });
});
