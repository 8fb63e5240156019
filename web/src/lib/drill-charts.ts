/** Which charts the drill-down shows for each kind of entity, from the history fields. */
import type { HistoryKind } from './route.ts';

/** A fixed line drawn on a chart: the limit or setpoint its series are judged against. */
export type Reference = 'returnLimitC' | 'supplySetpointC' | 'ratedFlowLpm';

export interface ChartDef {
  title: string;
  unit: string;
  series: { field: string; label: string; color: string; dash?: number[] }[];
  reference?: Reference;
  /** Say under the title which rack was hottest over the range (from the row summary). */
  hottest?: true;
}

/**
 * One hue per quantity, the same in the drill-down and the rack and CDU panels: power is violet
 * so it never reads as the (red) return temperature; limits and setpoints are dashed dark red.
 */
export const HUE = {
  power: '#b692f6',
  heat: '#7fc97f',
  supply: '#abd9e9',
  return: '#f46d43',
  limit: '#d73027',
  flow: '#74add1',
  facilitySupply: '#4575b4',
  facilityReturn: '#fdae61',
  approach: '#fee090',
  pump: '#fee090',
  dp: '#7fc97f',
} as const;

const ORANGE = HUE.facilityReturn;
const VIOLET = HUE.power;
const GREEN = HUE.heat;
const BLUE = HUE.flow;
const LIGHT = HUE.supply;
const RED = HUE.return;
const YELLOW = HUE.approach;

export const CHARTS: Record<HistoryKind, ChartDef[]> = {
  rack: [
    {
      title: 'Power and heat to liquid', unit: 'kW',
      series: [
        { field: 'rackKw', label: 'Power', color: VIOLET },
        { field: 'heatKw', label: 'Heat to liquid', color: GREEN },
      ],
    },
    {
      title: 'Supply and return temperature', unit: '°C',
      series: [
        { field: 'supplyC', label: 'Supply', color: LIGHT, dash: [4, 3] },
        { field: 'returnC', label: 'Return', color: RED },
      ],
      reference: 'returnLimitC',
    },
    { title: 'Flow', unit: 'L/min', series: [{ field: 'flowLpm', label: 'Flow', color: BLUE }] },
    {
      title: 'Headroom', unit: '%',
      series: [
        { field: 'thermalHeadroomPct', label: 'Thermal', color: YELLOW },
        { field: 'flowHeadroomPct', label: 'Flow spare', color: BLUE },
      ],
    },
  ],
  cdu: [
    {
      title: 'Load vs capacity', unit: 'kW',
      series: [
        { field: 'loadKw', label: 'Load', color: VIOLET },
        { field: 'capacityKw', label: 'Capacity available', color: LIGHT, dash: [4, 3] },
        { field: 'n1HeadroomKw', label: 'N+1 headroom (group)', color: RED },
      ],
    },
    {
      title: 'Secondary supply and return', unit: '°C',
      series: [
        { field: 'supplyC', label: 'Supply', color: LIGHT, dash: [4, 3] },
        { field: 'returnC', label: 'Return', color: RED },
      ],
      reference: 'supplySetpointC',
    },
    {
      title: 'Facility supply and return', unit: '°C',
      series: [
        { field: 'facilitySupplyC', label: 'Facility supply', color: HUE.facilitySupply, dash: [4, 3] },
        { field: 'facilityReturnC', label: 'Facility return', color: ORANGE },
      ],
    },
    { title: 'Approach (secondary supply over facility supply)', unit: 'K', series: [{ field: 'approachK', label: 'Approach', color: YELLOW }] },
    { title: 'Flow', unit: 'L/min', series: [{ field: 'flowLpm', label: 'Flow', color: BLUE }], reference: 'ratedFlowLpm' },
    {
      title: 'Pump speed and shortfall', unit: '%',
      series: [
        { field: 'pumpPct', label: 'Pump speed', color: HUE.pump },
        { field: 'pumpShortfallPct', label: 'Shortfall', color: RED },
      ],
    },
    { title: 'Differential pressure', unit: 'kPa', series: [{ field: 'dpKpa', label: 'dp', color: HUE.dp }] },
    { title: 'Capacity headroom', unit: '%', series: [{ field: 'headroomPct', label: 'Headroom', color: YELLOW }] },
  ],
  row: [],
  hall: [],
};

const TOTALS: ChartDef[] = [
  {
    title: 'IT power and heat to liquid', unit: 'kW',
    series: [
      { field: 'itKw', label: 'IT power', color: VIOLET },
      { field: 'heatKw', label: 'Heat to liquid', color: GREEN },
    ],
  },
  {
    title: 'Cooling headroom', unit: 'kW',
    series: [
      { field: 'headroomKw', label: 'Capacity headroom', color: YELLOW },
      { field: 'n1HeadroomKw', label: 'N+1 headroom', color: RED },
    ],
  },
  { title: 'Hottest return', unit: '°C', series: [{ field: 'maxReturnC', label: 'Max return', color: RED }], hottest: true },
  {
    title: 'Racks not live', unit: 'racks',
    series: [
      { field: 'racksStale', label: 'Stale', color: YELLOW },
      { field: 'racksOffline', label: 'Offline', color: RED },
    ],
  },
];
CHARTS.row = TOTALS;
CHARTS.hall = TOTALS;
