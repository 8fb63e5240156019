/** Typed fetches of the history API (server/history/*). */
import type { GpuHistory, HallRowsSummary, HallSnapshot, HistoryResponse } from '../../../protocol/history.ts';

export type HistorySeries = HistoryResponse;
export type GpuSeries = GpuHistory;
export type { HallRowsSummary, HallSnapshot };

async function get<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body as T;
}

export function fetchHistory(entity: string, fromMs: number, toMs: number): Promise<HistorySeries> {
  return get(`/api/history?${new URLSearchParams({ entity, from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) })}`);
}

export function fetchGpuHistory(rackId: string, fromMs: number, toMs: number): Promise<GpuSeries> {
  return get(`/api/history/gpu?${new URLSearchParams({ rack: rackId, from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) })}`);
}

export function fetchHallSnapshot(hallId: string, atMs: number, field: string): Promise<HallSnapshot> {
  return get(`/api/history/hall?${new URLSearchParams({ hall: hallId, at: String(Math.floor(atMs)), field })}`);
}

/** Per-row percentiles, time above the return limit and hottest rack of a hall over a range. */
export function fetchRowsSummary(hallId: string, fromMs: number, toMs: number): Promise<HallRowsSummary> {
  return get(`/api/history/rows?${new URLSearchParams({ hall: hallId, from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) })}`);
}
