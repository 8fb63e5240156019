/** Every rack and CDU of a site, stepped together; faults applied by ID. */
import type { SiteSpec } from '../protocol/site.ts';
import type { CduTelemetry, RackTelemetry } from '../protocol/telemetry.ts';
import { Rng } from './rng.ts';
import { RackModel, noFaults } from './model/rack-model.ts';
import { CduGroup, CduUnit } from './model/cdu-group.ts';
import { planHall } from './model/rack-variation.ts';
import type { FaultCommand } from './faults.ts';

export interface SiteSimOptions {
  /** Let one or two racks per hall foul their cold plates (rack-variation.ts); default true. */
  drift?: boolean;
}

/** A rack whose cold plates foul, for the start log. */
export interface DriftingRack {
  id: string;
  startS: number;
  lossPctPerMin: number;
  /** Flow lost when it holds, %. */
  holdLossPct: number;
}

export interface RackEntry {
  model: RackModel;
  hallId: string;
  rowId: string;
  offline: boolean;
  silent: boolean;
}

export interface CduEntry {
  unit: CduUnit;
  hallId: string;
  offline: boolean;
  silent: boolean;
}

interface GroupEntry {
  group: CduGroup;
  racks: RackEntry[];
  supplyC: number;
  flowFactor: number;
}

export class SiteSim {
  readonly racks = new Map<string, RackEntry>();
  readonly cdus = new Map<string, CduEntry>();
  private readonly groups: GroupEntry[] = [];
  /** Faults in force, by target, as given (for listing). */
  readonly active = new Map<string, string[]>();

  constructor(site: SiteSpec, seed: number, options: SiteSimOptions = {}) {
    const rng = new Rng(seed);
    for (const hall of site.halls) {
      // Jobs, hydraulics, cold plates and fouling: from the seed and the IDs, not from draw order.
      const plans = planHall(seed, hall, (type) => site.rackTypes[type].gpuCount, options.drift ?? true);
      for (const row of hall.rows) {
        for (const rack of row.racks) {
          const { job, variation } = plans.get(rack.id)!;
          const model = new RackModel(rack.id, site.rackTypes[rack.type], site.coolant, job, variation, rng.fork(rack.id), hall.supplySetpointC);
          this.racks.set(rack.id, { model, hallId: hall.id, rowId: row.id, offline: false, silent: false });
        }
      }
      const byGroup = new Map<string, CduUnit[]>();
      for (const spec of hall.cdus) {
        const unit = new CduUnit(spec);
        this.cdus.set(spec.id, { unit, hallId: hall.id, offline: false, silent: false });
        byGroup.set(spec.redundancyGroup, [...(byGroup.get(spec.redundancyGroup) ?? []), unit]);
      }
      for (const units of byGroup.values()) {
        const rackIds = new Set(units.flatMap((u) => u.spec.rackIds));
        this.groups.push({
          group: new CduGroup(units, site.coolant, hall.supplySetpointC, rng.fork(units[0].spec.id)),
          racks: [...rackIds].map((id) => this.racks.get(id)!),
          supplyC: hall.supplySetpointC,
          flowFactor: 1,
        });
      }
    }
  }

  /** Racks whose cold plates foul (none with the `drift` option off). */
  get drifting(): DriftingRack[] {
    return [...this.racks.values()].flatMap(({ model }) => {
      const f = model.variation.fouling;
      if (!f) return [];
      const pct = (v: number) => Math.round(v * 1000) / 10;
      return [{ id: model.id, startS: Math.round(f.startS), lossPctPerMin: pct(f.lossPerS * 60), holdLossPct: pct(model.foulingMaxLoss) }];
    });
  }

  /** Whether a rack's or CDU's publisher has gone quiet (its samples are computed, not sent). */
  isSilent(id: string): boolean {
    return this.racks.get(id)?.silent ?? this.cdus.get(id)?.silent ?? false;
  }

  /** Advances the whole site by `dtS` seconds at wall time `tMs`. */
  step(tMs: number, dtS: number): { racks: Map<string, RackTelemetry>; cdus: Map<string, CduTelemetry> } {
    const rackOut = new Map<string, RackTelemetry>();
    const cduOut = new Map<string, CduTelemetry>();
    const grouped = new Set<RackEntry>();
    for (const g of this.groups) {
      // The pumps follow what the racks' valves, manifold and fouling let through.
      const demandLpm = g.racks.reduce((s, r) => s + r.model.targetFlowLpm, 0);
      let heatKw = 0;
      let flowWeighted = 0;
      let flowSum = 0;
      for (const r of g.racks) {
        const sample = r.model.step(tMs, dtS, g.supplyC, g.flowFactor);
        rackOut.set(r.model.id, sample);
        grouped.add(r);
        heatKw += r.model.liquidKw;
        flowWeighted += sample.returnC * sample.flowLpm;
        flowSum += sample.flowLpm;
      }
      const mixedReturnC = flowSum > 0 ? flowWeighted / flowSum : g.supplyC;
      const out = g.group.step(tMs, demandLpm, heatKw, mixedReturnC);
      g.supplyC = out.supplyC;
      g.flowFactor = out.flowFactor;
      g.group.units.forEach((u, i) => cduOut.set(u.spec.id, out.samples[i]));
    }
    // Racks no CDU serves keep design conditions.
    for (const r of this.racks.values()) {
      if (!grouped.has(r)) rackOut.set(r.model.id, r.model.step(tMs, dtS, 40, 1));
    }
    return { racks: rackOut, cdus: cduOut };
  }

  /** Applies a fault command; returns an error text when the target does not fit the kind. */
  apply(cmd: FaultCommand): string | null {
    if (cmd.kind === 'clear-all') {
      for (const id of [...this.active.keys()]) this.clear(id);
      return null;
    }
    const { target } = cmd;
    const rack = this.racks.get(target);
    const cdu = this.cdus.get(target);
    const rf = rack?.model.faults;
    const cf = cdu?.unit.faults;
    const needRack = () => (rf ? null : `no rack "${target}"`);
    const needCdu = () => (cf ? null : `no CDU "${target}"`);
    let err: string | null = null;
    switch (cmd.kind) {
      case 'clear':
        if (!rack && !cdu && !this.surgeTargets(target).length) return `no rack, CDU, row or hall "${target}"`;
        this.clear(target);
        return null;
      case 'cdu-degrade': if (!(err = needCdu())) cf!.pumpLoss = cmd.pct / 100; break;
      case 'cdu-trip': if (!(err = needCdu())) cf!.tripped = true; break;
      case 'supply-excursion': if (!(err = needCdu())) cf!.excursionK = cmd.kelvin; break;
      case 'clog': if (!(err = needRack())) rf!.clog = cmd.pct / 100; break;
      case 'leak': if (!(err = needRack())) rf!.leak = cmd.level; break;
      case 'sensor-stuck': if (!(err = needRack())) rf!.stuck = true; break;
      case 'sensor-noisy': if (!(err = needRack())) rf!.noisyK = cmd.kelvin; break;
      case 'offline':
        if (rack) rack.offline = true;
        else if (cdu) cdu.offline = true;
        else err = `no rack or CDU "${target}"`;
        break;
      case 'silent':
        if (rack) rack.silent = true;
        else if (cdu) cdu.silent = true;
        else err = `no rack or CDU "${target}"`;
        break;
      case 'surge': {
        const targets = this.surgeTargets(target);
        if (targets.length === 0) err = `no rack, row or hall "${target}"`;
        for (const r of targets) r.model.faults.surge = true;
        break;
      }
    }
    if (err) return err;
    this.active.set(target, [...(this.active.get(target) ?? []), cmd.kind]);
    return null;
  }

  private surgeTargets(id: string): RackEntry[] {
    const direct = this.racks.get(id);
    if (direct) return [direct];
    return [...this.racks.values()].filter((r) => r.rowId === id || r.hallId === id);
  }

  private clear(id: string): void {
    const rack = this.racks.get(id);
    const cdu = this.cdus.get(id);
    if (rack) {
      Object.assign(rack.model.faults, noFaults());
      rack.offline = false;
      rack.silent = false;
    }
    if (cdu) {
      Object.assign(cdu.unit.faults, { tripped: false, pumpLoss: 0, excursionK: 0 });
      cdu.offline = false;
      cdu.silent = false;
    }
    for (const r of this.surgeTargets(id)) r.model.faults.surge = false;
    this.active.delete(id);
  }
}
