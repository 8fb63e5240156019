/** `GET /api/site`: the site's structure with the indexes the WebSocket columns refer to. */
import type { Coolant } from './coolant.ts';

export interface RackView {
  /** Position of this rack in every rack column of the stream. */
  index: number;
  id: string;
  hallId: string;
  rowId: string;
  /** 1-based position along the row. */
  position: number;
  /** The CDU whose section of the row this rack sits in; every CDU of its group serves it. */
  cduId: string;
  cduIds: string[];
  redundancyGroup: string;
  type: string;
  gpuCount: number;
  returnLimitC: number;
  usableKw: number;
}

export interface CduView {
  index: number;
  id: string;
  hallId: string;
  rowId: string;
  capacityKw: number;
  ratedFlowLpm: number;
  rackIds: string[];
  redundancyGroup: string;
}

export interface RowView {
  id: string;
  /** Highest rack position in the row (the row's drawn length). */
  maxPosition: number;
  rackIds: string[];
  cduIds: string[];
}

export interface HallView {
  index: number;
  id: string;
  name: string;
  supplySetpointC: number;
  supplyClassMaxC: number;
  rows: RowView[];
}

export interface RedundancyGroupView {
  id: string;
  hallId: string;
  cduIds: string[];
  rackIds: string[];
}

export interface SiteView {
  name: string;
  coolant: Coolant;
  telemetryIntervalMs: number;
  halls: HallView[];
  racks: RackView[];
  cdus: CduView[];
  groups: RedundancyGroupView[];
}
