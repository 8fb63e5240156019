import { describe, expect, it } from 'vitest';
import { classifyWriteFailure, errorText, lineTsMs } from '../../server/history/write-outcome.ts';

const v3Partial = (...lines: [number, string][]) => JSON.stringify({
  error: 'partial write of line protocol occurred',
  data: lines.map(([n, m]) => ({ original_line: 'probe v=1 1', line_number: n, error_message: m })),
});

describe('what a refused /write says about its lines', () => {
  it.each([
    ['no response (connection refused)', undefined, '', 10, { kind: 'retry' }],
    [
      '1.x retention partial write', 400, '{"error":"partial write: points beyond retention policy dropped=3"}', 10,
      { kind: 'partial', reason: 'beyond_retention', dropped: 3 },
    ],
    [
      '1.x retention, count capped at the request', 400, '{"error":"partial write: points beyond retention policy dropped=30"}', 10,
      { kind: 'partial', reason: 'beyond_retention', dropped: 10 },
    ],
    [
      '2.x retention partial write (422)', 422,
      '{"code":"unprocessable entity","message":"failure writing points to database: partial write: points beyond retention policy dropped=7"}', 10,
      { kind: 'partial', reason: 'beyond_retention', dropped: 7 },
    ],
    [
      '2.0 retention partial write (500)', 500,
      '{"code":"internal error","message":"unexpected error writing points to database: partial write: points beyond retention policy dropped=1"}', 10,
      { kind: 'partial', reason: 'beyond_retention', dropped: 1 },
    ],
    [
      '3.x Serverless: outside the retention period (403)', 403,
      '{"code":"forbidden","message":"dml handler error: data in table probe is outside of the retention period: ' +
        'minimum acceptable timestamp is 2023-07-30T11:05:48.178479165+00:00, but observed timestamp 2022-04-04T05:40:41.079+00:00 is older."}',
      10,
      { kind: 'too-old', minTsMs: Date.parse('2023-07-30T11:05:48.178Z') },
    ],
    [
      '3.x per-line refusals', 400, v3Partial([2, 'invalid column type for column \'v\''], [5, 'write is outside the retention period']), 10,
      {
        kind: 'lines',
        refused: [
          { index: 1, reason: null, message: 'invalid column type for column \'v\'' },
          { index: 4, reason: 'beyond_retention', message: 'write is outside the retention period' },
        ],
      },
    ],
    [
      '3.x per-line refusal naming a line outside the request', 400, v3Partial([11, 'bad']), 10,
      { kind: 'rejected', message: 'partial write of line protocol occurred' },
    ],
    [
      '1.x type conflict: split to find the line', 400,
      '{"error":"partial write: field type conflict: input field \\"v\\" on measurement \\"probe\\" is type string, already exists as type float dropped=1"}',
      10,
      {
        kind: 'rejected',
        message: 'partial write: field type conflict: input field "v" on measurement "probe" is type string, already exists as type float dropped=1',
      },
    ],
    [
      '1.x unparsable line', 400, '{"error":"unable to parse \'probe v= 1\': missing field value"}', 10,
      { kind: 'rejected', message: 'unable to parse \'probe v= 1\': missing field value' },
    ],
    ['401 says nothing about the lines', 401, '{"error":"authorization failed"}', 10, { kind: 'retry' }],
    ['403 without a retention message', 403, '{"error":"forbidden"}', 10, { kind: 'retry' }],
    ['404 database not found', 404, '{"error":"database not found: \\"hallwatch\\""}', 10, { kind: 'retry' }],
    ['429 throttled', 429, '', 10, { kind: 'retry' }],
    ['503 overloaded', 503, 'busy', 10, { kind: 'retry' }],
    ['413 too large: split it', 413, 'request entity too large', 10, { kind: 'rejected', message: 'request entity too large' }],
  ])('%s', (_name, status, body, lines, expected) => expect(classifyWriteFailure(status, body, lines)).toEqual(expected));

  it.each([
    ['{"error":"e1"}', 'e1'],
    ['{"message":"m1"}', 'm1'],
    ['  plain text \n', 'plain text'],
  ])('errorText(%j) → %j', (body, text) => expect(errorText(body)).toBe(text));

  it('reads the millisecond timestamp at the end of a line', () => {
    expect(lineTsMs('rack,hall=h1,rack=a\\ b rack_kw=1 1800000000000')).toBe(1_800_000_000_000);
  });
});
