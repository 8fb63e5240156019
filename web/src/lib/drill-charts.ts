/** Which charts the drill-down shows for each kind of entity, from the history fields. */
import type { HistoryKind } from './route.ts';

/** A fixed line drawn on a chart: the limit or setpoint its series are judged against. */
export type Reference = 'returnLimitC' | 'supplySetpointC' | 'ratedFlowLpm';

export interface ChartDef {
  title: string;
  unit: string;
  series: { field: string; label: string; color: string; dash?: number[] }[];
  reference?: Reference;
}

const ORANGE = '#fdae61';
const BLUE = '#74add1';
const LIGHT = '#abd9e9';
const RED = '#f46d43';
const YELLOW = '#fee090';

export const CHARTS: Record<HistoryKind, ChartDef[]> = {
  rack: [
    {
      title: 'Power and heat to liquid', unit: 'kW',
      series: [
        { field: 'rackKw', label: 'Power', color: ORANGE },
        { field: 'heatKw', label: 'Heat to liquid', color: BLUE },
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
        { field: 'loadKw', label: 'Load', color: ORANGE },
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
      title: 'Facility supply and return, approach', unit: '°C · K',
      series: [
        { field: 'facilitySupplyC', label: 'Facility supply', color: BLUE, dash: [4, 3] },
        { field: 'facilityReturnC', label: 'Facility return', color: ORANGE },
        { field: 'approachK', label: 'Approach (K)', color: YELLOW },
      ],
    },
    { title: 'Flow', unit: 'L/min', series: [{ field: 'flowLpm', label: 'Flow', color: BLUE }], reference: 'ratedFlowLpm' },
    {
      title: 'Pump speed, shortfall and differential pressure', unit: '% · kPa',
      series: [
        { field: 'pumpPct', label: 'Pump %', color: YELLOW },
        { field: 'pumpShortfallPct', label: 'Shortfall %', color: RED },
        { field: 'dpKpa', label: 'dp kPa', color: LIGHT, dash: [4, 3] },
      ],
    },
    { title: 'Capacity headroom', unit: '%', series: [{ field: 'headroomPct', label: 'Headroom', color: YELLOW }] },
  ],
  row: [],
  hall: [],
};

const TOTALS: ChartDef[] = [
  {
    title: 'IT power and heat to liquid', unit: 'kW',
    series: [
      { field: 'itKw', label: 'IT power', color: ORANGE },
      { field: 'heatKw', label: 'Heat to liquid', color: BLUE },
    ],
  },
  {
    title: 'Cooling headroom', unit: 'kW',
    series: [
      { field: 'headroomKw', label: 'Capacity headroom', color: YELLOW },
      { field: 'n1HeadroomKw', label: 'N+1 headroom', color: RED },
    ],
  },
  { title: 'Hottest return', unit: '°C', series: [{ field: 'maxReturnC', label: 'Max return', color: RED }] },
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
