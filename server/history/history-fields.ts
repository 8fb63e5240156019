/**
 * Which live values are kept as history, per entity kind, with their stored field names and
 * units. The memory window, the InfluxDB points and the history API all use these lists.
 */
import { CDU_HISTORY, RACK_HISTORY, TOTALS_HISTORY } from '../../protocol/history.ts';
import { CDU_FIELDS, RACK_FIELDS, TOTALS_FIELDS } from './schema.ts';

export type EntityKind = 'rack' | 'cdu' | 'row' | 'hall' | 'site';

export function historyFields(kind: EntityKind): readonly string[] {
  return kind === 'rack' ? RACK_HISTORY : kind === 'cdu' ? CDU_HISTORY : TOTALS_HISTORY;
}

export function storedName(kind: EntityKind, field: string): string {
  const map: Record<string, string> = kind === 'rack' ? RACK_FIELDS : kind === 'cdu' ? CDU_FIELDS : TOTALS_FIELDS;
  return map[field];
}

/** Unit from the name's suffix (units live in names). */
export function unitOf(field: string): string {
  if (field.endsWith('Kw')) return 'kW';
  if (field.endsWith('Lpm')) return 'L/min';
  if (field.endsWith('Pct')) return '%';
  if (field.endsWith('TK') || field.endsWith('K')) return 'K';
  if (field.endsWith('C')) return '°C';
  if (field.endsWith('Kpa')) return 'kPa';
  if (field.startsWith('racks')) return 'racks';
  return '';
}
