/**
 * Workload profiles: the share of GPU power headroom (0 = idle, 1 = TGP) a rack runs at.
 * - training: steady high load, a checkpoint dip every 10 min (whole job, so a row at once)
 * - inference: a daily curve (low at 04:00, high at 16:00) with noise
 * - idle: GPUs idling; maintenance: the rack drawing almost nothing
 */
export type Profile = 'training' | 'inference' | 'idle' | 'maintenance';

/** Checkpoint period and length of a training job, s. */
export const CHECKPOINT_PERIOD_S = 600;
const CHECKPOINT_DIP_S = 25;

/**
 * Load fraction in [0, 1] at wall time `tMs` for a profile; `phaseS` shifts a job's checkpoint
 * schedule, `noise` is a standard-normal draw.
 */
export function loadFraction(profile: Profile, tMs: number, phaseS: number, noise: number): number {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  switch (profile) {
    case 'training': {
      const inPeriod = (tMs / 1000 + phaseS) % CHECKPOINT_PERIOD_S;
      if (inPeriod < CHECKPOINT_DIP_S) return clamp(0.2 + 0.03 * noise);
      return clamp(0.9 + 0.02 * noise);
    }
    case 'inference': {
      const hour = (tMs / 3_600_000) % 24;
      const daily = 0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 4)) / 24);
      return clamp(0.3 + 0.45 * daily + 0.07 * noise);
    }
    case 'idle':
      return clamp(0.02 + 0.01 * noise);
    case 'maintenance':
      return 0;
  }
}
