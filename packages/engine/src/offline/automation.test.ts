import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { SR, db, mixOf, render, rms, sines } from '../graph/test-support';
import { laneFromPoints, valueAt, type AutomationPoint } from '../model/automation';
import { CHANNEL_PARAMS } from '../model/params';
import type { MixModel } from '../model/mix-model';

const p = (t: number, v: number, shape: AutomationPoint['shape'] = 'linear'): AutomationPoint => ({ t, v, shape });

/** Master chain and sends out of the way: the output is the channel itself. */
function plain(m: MixModel, id: string) {
  m.setMasterParam('limiter.on', 0);
  m.setMasterParam('glue.on', 0);
  m.setChannelParam(id, 'send1.level', -Infinity);
  m.setChannelParam(id, 'send2.level', -Infinity);
}

describe('automation in renders', () => {
  beforeAll(() => installWebAudioGlobals());
  const seconds = 2.2;
  const F = 1000;
  const A = 0.5;
  const tone = sines([F], A, seconds);

  it("a test tone's gain follows the drawn fader curve within 0.1 dB, at the breakpoints and between them per shape", async () => {
    const curve = [p(0.2, -20), p(0.8, 0, 'exp'), p(1.4, -12, 'hold'), p(1.8, -3), p(2.0, -6)];
    const state = mixOf(['vox'], (m) => {
      plain(m, 'vox');
      m.setChannelGain('vox', 6); // the static value: the lane overrides it
      m.automation.setPoints('ch:vox/gain', curve);
    });
    const lane = laneFromPoints(curve, CHANNEL_PARAMS.gain);
    const out = await render(state, { vox: [tone, tone] });
    // Instantaneous gain where the tone is large enough to read it (|sin| > 0.5).
    let worst = 0;
    let read = 0;
    for (let i = 0; i < out.left.length; i++) {
      const s = A * Math.sin((2 * Math.PI * F * i) / SR);
      if (Math.abs(s) < 0.25) continue;
      const t = i / SR;
      // The hold step lands within one automation grid interval (1.33 ms) of its breakpoint.
      if (Math.abs(t - 1.8) < 0.0015) continue;
      const err = Math.abs(db(out.left[i] / s) - valueAt(lane, t));
      worst = Math.max(worst, err);
      read++;
    }
    expect(read).toBeGreaterThan(SR);
    expect(worst).toBeLessThan(0.1);
    // At the breakpoints themselves (the 1 kHz tone peaks every ms: the nearest peak).
    for (const q of curve) {
      const i = Math.round((Math.round(q.t * F - 0.25) + 0.25) * (SR / F));
      expect(Math.abs(db(out.left[i] / (A * Math.sin((2 * Math.PI * F * i) / SR))) - valueAt(lane, i / SR))).toBeLessThan(0.1);
    }
    // Exponential (linear in amplitude) is not linear in dB: halfway it is −6 dB, not −6.02/2.
    const mid = Math.round(1.1 * SR) + 12; // a peak of the tone
    expect(db(out.left[mid] / A)).toBeCloseTo(db((1 + 10 ** (-12 / 20)) / 2), 1);
  });

  it('pan and mute lanes move the tone between the sides and cut it, without clicks', async () => {
    const mono = sines([F], A, 1);
    const state = mixOf(['gtr'], (m) => {
      plain(m, 'gtr');
      m.automation.setPoints('ch:gtr/pan', [p(0.1, -1), p(0.5, 1)]);
      m.automation.setPoints('ch:gtr/mute', [p(0, 0), p(0.75, 1)]);
    });
    const out = await render(state, { gtr: [mono] });
    const win = (d: Float32Array, t: number) => rms(d, Math.round(t * SR), Math.round(t * SR) + 480);
    expect(db(win(out.right, 0.05))).toBeLessThan(-100);
    expect(db(win(out.left, 0.05))).toBeCloseTo(db(A / Math.SQRT2), 1);
    // Centre, halfway: equal power, −3 dB each side.
    expect(db(win(out.left, 0.3 - 0.005))).toBeCloseTo(db(win(out.right, 0.3 - 0.005)), 0);
    expect(db(win(out.right, 0.6))).toBeCloseTo(db(A / Math.SQRT2), 1);
    expect(rms(out.right, Math.round(0.751 * SR))).toBe(0);
    const steps = out.right.subarray(1).map((x, i) => Math.abs(x - out.right[i]));
    expect(Math.max(...steps)).toBeLessThan(0.1);
  });
});
