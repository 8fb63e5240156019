import { describe, expect, it } from 'vitest';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../../protocol/alerts.ts';

describe('SEVERITY_RANK', () => {
  it.each<[Severity, number]>([
    ['critical', 0],
    ['major', 1],
    ['minor', 2],
    ['warning', 3],
  ])('ranks %s %d (most severe first)', (severity, rank) => {
    expect(SEVERITY_RANK[severity]).toBe(rank);
  });

  it('sorts severities back into the order of SEVERITIES', () => {
    const shuffled: Severity[] = ['warning', 'critical', 'minor', 'major'];
    expect(shuffled.sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b])).toEqual([...SEVERITIES]);
  });
});
