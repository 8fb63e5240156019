/**
 * What incidents read of the live state to name their cause and cost: a live rack's flow against
 * its need and its return against its limit; a redundancy group's load and, per unit, whether it
 * runs, the capacity it contributes now (derated) and its pump speed. Read when incidents are
 * viewed, once per evaluation round, for the entities of open incidents only.
 */
import { CDU_COL as CC, EntityState, RACK_COL as RC } from '../../protocol/stream.ts';
import type { LiveState } from '../state/live-state.ts';
import { cduAvailable } from '../state/derived-columns.ts';
import type { IncidentFacts } from './incident-cause.ts';

export function liveIncidentFacts(s: LiveState): IncidentFacts {
  return {
    rack(id) {
      const i = s.site.rackIndexById.get(id);
      if (i === undefined || s.rackCols[RC.state][i] !== EntityState.Live) return null;
      const c = s.rackCols;
      return {
        flowLpm: c[RC.flowLpm][i],
        flowRequiredLpm: c[RC.flowRequiredLpm][i],
        flowSharePct: c[RC.flowSharePct][i],
        returnC: c[RC.returnC][i],
        returnLimitC: s.site.racks[i].returnLimitC,
      };
    },
    group(g) {
      const cdus = s.site.groupCdus[g];
      if (!cdus) return null;
      return {
        loadKw: s.groupLoadKw(g),
        cdus: Array.from(cdus, (j) => {
          const running = cduAvailable(s, j);
          return { id: s.site.cdus[j].id, running, capacityKw: running ? s.cduCols[CC.capacityKw][j] : 0, pumpPct: s.cduCols[CC.pumpPct][j] };
        }),
      };
    },
  };
}
