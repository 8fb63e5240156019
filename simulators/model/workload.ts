/**
 * Workload profiles: the share of GPU power headroom (0 = idle, 1 = TGP) a rack runs at.
 * - training: steady high load, a checkpoint dip every 10 min (the whole job's racks at once)
 * - inference: a daily curve (low at 04:00, high at 16:00) with noise
 * - idle: GPUs idling; maintenance: the rack drawing almost nothing
 */
export type Profile = 'training' | 'inference' | 'idle' | 'maintenance';

/** Checkpoint period and length of a training job, s. */
export const CHECKPOINT_PERIOD_S = 600;
const CHECKPOINT_DIP_S = 25;

/**
 * Load fraction in [0, 1] at wall time `tMs` for a profile; `phaseS` shifts a job's checkpoint
 * schedule, `noise` is a standard-normal draw, `intensity` scales the busy level of training
 * and inference (a job's model and batch size: 1 = a training plateau at 0.9 of the GPUs' headroom).
 */
export function loadFraction(profile: Profile, tMs: number, phaseS: number, noise: number, intensity = 1): number {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  switch (profile) {
    case 'training': {
      const inPeriod = (tMs / 1000 + phaseS) % CHECKPOINT_PERIOD_S;
      if (inPeriod < CHECKPOINT_DIP_S) return clamp(0.2 + 0.03 * noise);
      return clamp(0.9 * intensity + 0.02 * noise);
    }
    case 'inference': {
      const hour = (tMs / 3_600_000) % 24;
      const daily = 0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 4)) / 24);
      return clamp((0.3 + 0.45 * daily) * intensity + 0.07 * noise);
    }
    case 'idle':
      return clamp(0.02 + 0.01 * noise);
    case 'maintenance':
      return 0;
  }
}
