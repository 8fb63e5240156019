/**
 * The wall's optional alarm tone for a new critical incident: three short beeps through Web
 * Audio. Browsers only play sound after a user gesture unless the kiosk browser is started with
 * `--autoplay-policy=no-user-gesture-required` (README, wall section).
 */
let ctx: AudioContext | null = null;

export function beep(): boolean {
  try {
    ctx ??= new AudioContext();
    void ctx.resume();
    const t0 = ctx.currentTime;
    for (let i = 0; i < 3; i++) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, t0 + i * 0.35);
      gain.gain.exponentialRampToValueAtTime(0.3, t0 + i * 0.35 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.35 + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + i * 0.35);
      osc.stop(t0 + i * 0.35 + 0.3);
    }
    return ctx.state === 'running';
  } catch {
    return false;
  }
}
