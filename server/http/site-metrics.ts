/**
 * Site and per-hall capacity gauges for /metrics, so a Grafana user can graph a hall without
 * touching InfluxDB. Base units as Prometheus names them (watts, ratios); labelled by hall only
 * — never a label per rack, so the series count stays bounded at any site size. A value the
 * live state does not know (no CDU has reported) has no series rather than a made-up 0.
 */
import type { Totals } from '../../protocol/stream.ts';
import type { Labels, Metrics } from './metrics.ts';
import type { LiveState } from '../state/live-state.ts';

const KW = 1000;

export function registerSiteMetrics(metrics: Metrics, state: LiveState): void {
  const halls = state.site.view.halls;
  const perHall = (name: string, help: string, read: (t: Totals) => number | null) =>
    metrics.gauge(name, help, () => {
      const out: [Labels, number][] = [];
      halls.forEach((h, i) => {
        const v = state.hallTotals[i] ? read(state.hallTotals[i]) : null;
        if (v !== null && Number.isFinite(v)) out.push([{ hall: h.id }, v]);
      });
      return out;
    }, ['hall']);
  const byState = (t: Totals): [string, number][] => [['live', t.racksLive], ['stale', t.racksStale], ['offline', t.racksOffline], ['nodata', t.racksNoData]];

  metrics.gauge('hallwatch_racks', 'Racks of the site by telemetry state', () => byState(state.siteTotals).map(([s, n]) => [{ state: s }, n]), ['state']);
  metrics.gauge(
    'hallwatch_hall_racks',
    'Racks of a hall by telemetry state',
    () =>
      halls.flatMap((h, i) => {
        const totals = state.hallTotals[i];
        return totals ? byState(totals).map(([s, n]): [Labels, number] => [{ hall: h.id, state: s }, n]) : [];
      }),
    ['hall', 'state'],
  );
  metrics.gauge('hallwatch_stale_threshold_credit_seconds', 'How much later than its threshold an entity turns stale, for this server\'s own ingest delay', () => [[{}, state.staleness.ingest.creditMs / 1000]]);
  metrics.gauge('hallwatch_telemetry_delayed', '1 while many racks and CDUs are stale together (one delay of their path), else 0', () => [[{}, state.staleness.delay.isOpen ? 1 : 0]]);
  perHall('hallwatch_hall_it_power_watts', 'IT power of the live and stale racks of a hall', (t) => t.itKw * KW);
  perHall('hallwatch_hall_heat_to_liquid_watts', 'Heat carried away by liquid in a hall (flow × ΔT × coolant)', (t) => t.heatKw * KW);
  perHall('hallwatch_hall_cooling_capacity_watts', 'Cooling capacity of the running CDUs of a hall', (t) => t.coolingCapacityKw * KW);
  perHall('hallwatch_hall_cooling_headroom_watts', 'Cooling capacity minus CDU load in a hall', (t) => (t.headroomKw === null ? null : t.headroomKw * KW));
  perHall('hallwatch_hall_cooling_headroom_ratio', 'Cooling headroom as a share of capacity (0–1)', (t) =>
    t.headroomPct === null ? null : t.headroomPct / 100,
  );
  perHall(
    'hallwatch_hall_n1_headroom_watts',
    'Headroom left if the largest CDU of each redundancy group failed (N+1), summed over a hall',
    (t) => (t.n1HeadroomKw === null ? null : t.n1HeadroomKw * KW),
  );
  perHall('hallwatch_hall_redundancy_groups_n1_lost', 'Redundancy groups of a hall that would overload if one CDU failed', (t) => t.groupsN1Lost);
  perHall('hallwatch_hall_max_return_celsius', 'Highest rack return temperature of a hall', (t) => t.maxReturnC);
}
