/** A small Prometheus registry: labelled counters plus gauges read at scrape time. */

type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, number>;
  collect?: () => [Labels, number][];
}

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return '{' + keys.map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',') + '}';
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  /** Declares a counter; `inc` adds to it. */
  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const fam: Family = { help, type: 'counter', values: new Map() };
    this.families.set(name, fam);
    return (labels = {}, by = 1) => {
      const key = labelKey(labels);
      fam.values.set(key, (fam.values.get(key) ?? 0) + by);
    };
  }

  /** Declares a gauge whose samples are computed when scraped. */
  gauge(name: string, help: string, collect: () => [Labels, number][]): void {
    this.families.set(name, { help, type: 'gauge', values: new Map(), collect });
  }

  /** Current value of one series (tests and /healthz). */
  value(name: string, labels: Labels = {}): number {
    const fam = this.families.get(name);
    if (!fam) return 0;
    if (fam.collect) {
      const key = labelKey(labels);
      return fam.collect().find(([l]) => labelKey(l) === key)?.[1] ?? 0;
    }
    return fam.values.get(labelKey(labels)) ?? 0;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const [name, fam] of this.families) {
      out.push(`# HELP ${name} ${fam.help}`, `# TYPE ${name} ${fam.type}`);
      const samples: [string, number][] = fam.collect
        ? fam.collect().map(([l, v]) => [labelKey(l), v])
        : [...fam.values.entries()];
      for (const [key, v] of samples) out.push(`${name}${key} ${Number.isFinite(v) ? v : 'NaN'}`);
    }
    return out.join('\n') + '\n';
  }
}
