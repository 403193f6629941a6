import { describe, expect, it } from 'vitest';
import { planDriftCorrection } from './drift';

describe('planDriftCorrection', () => {
  it('leaves measurement noise alone', () => {
    expect(planDriftCorrection(0.001)).toEqual({ action: 'none' });
    expect(planDriftCorrection(-0.0005)).toEqual({ action: 'none' });
  });

  it('slows down when ahead and speeds up when behind, never beyond ±0.2 %', () => {
    const ahead = planDriftCorrection(0.01);
    const behind = planDriftCorrection(-0.003);
    expect(ahead).toEqual({ action: 'nudge', playbackRate: 1 - 0.002 });
    expect(behind.action).toBe('nudge');
    if (behind.action === 'nudge') expect(behind.playbackRate).toBeCloseTo(1.0015, 6);
  });

  it('converges on a drifting clock without ever jumping', () => {
    // A sound card 80 ppm fast, 5 minutes, checked every 0.5 s.
    let error = 0;
    let rate = 1;
    let worst = 0;
    for (let t = 0; t < 300; t += 0.5) {
      error += 0.5 * (rate * (1 + 80e-6) - 1);
      const plan = planDriftCorrection(error);
      expect(plan.action).not.toBe('realign');
      rate = plan.action === 'nudge' ? plan.playbackRate : 1;
      worst = Math.max(worst, Math.abs(error));
    }
    expect(worst).toBeLessThan(0.003);
  });

  it('re-aligns after a dropout or a nonsense reading', () => {
    expect(planDriftCorrection(0.02)).toEqual({ action: 'realign' });
    expect(planDriftCorrection(NaN)).toEqual({ action: 'realign' });
  });
});
