/**
 * What the alerts panel shows, kept by the app rather than the panel: the site page lists
 * incidents above the halls and the hall page beside its map, so the panel is a new component
 * on each page, and the tab, the expanded incident and whether the list is folded away follow the
 * operator from one page to the other.
 */

export type IncidentsTab = 'open' | 'unacked' | 'acked' | 'silenced' | 'history' | 'silences';

export class IncidentsPanelState {
  tab = $state<IncidentsTab>('open');
  /** The incident whose detail is open, by id. */
  expanded = $state<string | null>(null);
  /** Every incident of the tab listed, not only the first few. */
  showAll = $state(false);
  /** Only the panel's bar (counts) shows: the list is folded away to give the map the room. */
  collapsed = $state(false);

  toggle(id: string): void {
    this.expanded = this.expanded === id ? null : id;
  }
}
