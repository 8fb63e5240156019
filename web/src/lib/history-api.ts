/** Typed fetches of the history API (server/history/*). */
import type { GpuHistory, HallSnapshot, HistoryResponse } from '../../../protocol/history.ts';

export type HistorySeries = HistoryResponse;
export type GpuSeries = GpuHistory;
export type { HallSnapshot };

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
