/**
 * One chaos scenario: real processes, a bounded time, loopback only. Each measured check is a
 * row of the report: what was injected, what must hold, the figure, pass or fail.
 */
export interface ChaosRow {
  scenario: string;
  injected: string;
  mustHold: string;
  figure: string;
  pass: boolean;
}

/** `short` sizes fit in `npm test`; `full` sizes are what `npm run chaos` measures. */
export type ChaosScale = 'short' | 'full';

export interface Scenario {
  name: string;
  /** Runs in `npm test` at the short scale. */
  short: boolean;
  run(scale: ChaosScale, log: (line: string) => void): Promise<ChaosRow[]>;
}

export function row(scenario: string, injected: string, mustHold: string, figure: string, pass: boolean): ChaosRow {
  return { scenario, injected, mustHold, figure, pass };
}

/** The report as a Markdown table (docs/reliability.md holds the `npm run chaos` one). */
export function markdownTable(rows: ChaosRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| scenario | injected | must hold | measured | result |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.scenario)} | ${cell(r.injected)} | ${cell(r.mustHold)} | ${cell(r.figure)} | ${r.pass ? 'pass' : '**FAIL**'} |`),
  ].join('\n');
}
