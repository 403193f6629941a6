import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { SR, db, mixOf, render, rms, sines } from '../graph/test-support';
import { laneFromPoints, valueAt, type AutomationPoint } from '../model/automation';
import { CHANNEL_PARAMS, FX_RETURN_PARAMS, MASTER_PARAMS, type FxBus } from '../model/params';
import type { MixModel } from '../model/mix-model';

const p = (t: number, v: number, shape: AutomationPoint['shape'] = 'linear'): AutomationPoint => ({ t, v, shape });

/** Master dynamics off and no sends: what comes out is linear in every gain stage. */
function plain(m: MixModel, id: string) {
  m.setMasterParam('limiter.on', 0);
  m.setMasterParam('glue.on', 0);
  m.setChannelParam(id, 'send1.level', -Infinity);
  m.setChannelParam(id, 'send2.level', -Infinity);
}

/**
 * Worst error (dB) of out/ref against the lane over [from, to) s, where the reference is large
 * enough to read a ratio; `skip` leaves out times within 1.5 ms (one grid interval) of a step.
 */
function worstError(out: Float32Array, ref: Float32Array, want: (t: number) => number, from: number, to: number, skip: number[] = []): { worst: number; read: number } {
  let worst = 0;
  let read = 0;
  for (let i = Math.round(from * SR); i < Math.round(to * SR); i++) {
    if (Math.abs(ref[i]) < 0.02) continue;
    const t = i / SR;
    if (skip.some((s) => Math.abs(t - s) < 0.0015)) continue;
    worst = Math.max(worst, Math.abs(db(Math.abs(out[i] / ref[i])) - want(t)));
    read++;
  }
  return { worst, read };
}

describe('automation of the FX returns, the master and the trim in renders', () => {
  beforeAll(() => installWebAudioGlobals());
  const F = 1000;
  const A = 0.5;
  const seconds = 2;
  const tone = sines([F], A, seconds);

  for (const bus of ['reverb', 'delay'] as FxBus[]) {
    it(`the ${bus} return follows its level lane within 0.1 dB (per curve shape), and its mute lane cuts it`, async () => {
      // Only the return is heard: the send is pre-fader, the channel fader is down.
      const send = bus === 'reverb' ? 'send1' : 'send2';
      const base = (m: MixModel) => {
        plain(m, 'vox');
        m.setChannelGain('vox', -Infinity);
        m.setChannelParam('vox', `${send}.level`, 0);
        m.setChannelParam('vox', `${send}.pre`, 1);
        if (bus === 'delay') m.setFxParam('delay', 'delay.feedback', 0);
        m.setFxParam(bus, 'return.gain', 0);
      };
      const curve = [p(0.3, -18), p(0.8, 0, 'exp'), p(1.2, -9, 'hold'), p(1.5, 3), p(1.7, -3)];
      const lane = laneFromPoints(curve, FX_RETURN_PARAMS[bus]['return.gain']);
      const ref = await render(mixOf(['vox'], base), { vox: [tone] });
      const ridden = await render(
        mixOf(['vox'], (m) => {
          base(m);
          m.setFxParam(bus, 'return.gain', 6); // the static value: the lane overrides it
          m.automation.setPoints(`fx:${bus}/return.gain`, curve);
        }),
        { vox: [tone] },
      );
      const { worst, read } = worstError(ridden.left, ref.left, (t) => valueAt(lane, t), 0.05, seconds, [1.5]);
      console.log(`${bus} return level lane: within ${worst.toFixed(4)} dB at ${read} samples`);
      expect(read).toBeGreaterThan(SR / 2);
      expect(worst).toBeLessThan(0.1);

      // A mute lane: heard until 0.6 s, silent from one grid interval after it, static mute ignored.
      const muted = await render(
        mixOf(['vox'], (m) => {
          base(m);
          m.setFxParam(bus, 'return.mute', 1);
          m.automation.setPoints(`fx:${bus}/return.mute`, [p(0, 0, 'hold'), p(0.6, 1, 'hold')]);
        }),
        { vox: [tone] },
      );
      const a = Math.round(0.2 * SR);
      const b = Math.round(0.6 * SR);
      expect(db(rms(muted.left, a, b - 64))).toBeCloseTo(db(rms(ref.left, a, b - 64)), 3);
      expect(rms(muted.left, b + 64)).toBe(0);
      expect(rms(ref.left, b + 64)).toBeGreaterThan(0.01);
    });
  }

  it('the master fader follows its lane within 0.1 dB after the limiter (its look-ahead compensated)', async () => {
    // A steep ride (30 dB in 0.3 s, 0.1 dB per ms): the fader a look-ahead (2.8 ms) off would miss by 0.3 dB.
    const curve = [p(0.2, 0), p(0.5, -30, 'exp'), p(0.9, -6), p(1.2, 0, 'hold'), p(1.4, -12), p(1.6, -2)];
    const lane = laneFromPoints(curve, MASTER_PARAMS.gain);
    const state = mixOf(['vox'], (m) => {
      m.setChannelParam('vox', 'send1.level', -Infinity);
      m.setChannelParam('vox', 'send2.level', -Infinity);
      m.setMasterParam('glue.on', 0);
      m.setMasterParam('limiter.on', 1); // far above the tone: only its delay, no limiting
      m.setMasterGain(-20);
      m.automation.setPoints('master/gain', curve);
    });
    const out = await render(state, { vox: [tone] });
    // The channel is a centred mono source: −3 dB per side before the master fader.
    const ref = tone.map((x) => x / Math.SQRT2);
    const { worst, read } = worstError(out.left, ref, (t) => valueAt(lane, t), 0.05, seconds, [1.4]);
    console.log(`master fader lane (limiter on): within ${worst.toFixed(4)} dB at ${read} samples`);
    expect(read).toBeGreaterThan(SR);
    expect(worst).toBeLessThan(0.1);
  });

  it("a channel's trim follows its lane within 0.1 dB, with polarity", async () => {
    const curve = [p(0.2, -12), p(0.9, 6), p(1.4, -3, 'hold'), p(1.6, 0)];
    const lane = laneFromPoints(curve, CHANNEL_PARAMS.trim);
    const state = mixOf(['vox'], (m) => {
      plain(m, 'vox');
      m.setChannelParam('vox', 'polarity', 1);
      m.automation.setPoints('ch:vox/trim', curve);
    });
    const out = await render(state, { vox: [tone] });
    const ref = tone.map((x) => -x / Math.SQRT2);
    const { worst, read } = worstError(out.left, ref, (t) => valueAt(lane, t), 0.05, seconds, [1.6]);
    // Inverted: the ratio is positive, so the polarity came through.
    let sign = 0;
    for (let i = SR / 2; i < SR / 2 + 480; i++) sign += out.left[i] * ref[i];
    expect(sign).toBeGreaterThan(0);
    expect(read).toBeGreaterThan(SR);
    expect(worst).toBeLessThan(0.1);
  });
});
