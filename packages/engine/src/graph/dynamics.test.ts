import { describe, expect, it } from 'vitest';
import { compressorCurveDb } from '../dsp/compressor';
import { designInterpolator } from '../loudness/truepeak';
import { musicLike } from '../loudness/test-signals';
import { SR, db, dc, mixOf, render, rms, sines } from './test-support';

const COMP = { threshold: -24, ratio: 4, knee: 6 };

function withComp(m: import('../model/mix-model').MixModel, attack: number, release: number) {
  m.setMasterParam('limiter.on', 0);
  m.setChannelParam('x', 'comp.on', 1);
  m.setChannelParam('x', 'comp.threshold', COMP.threshold);
  m.setChannelParam('x', 'comp.ratio', COMP.ratio);
  m.setChannelParam('x', 'comp.knee', COMP.knee);
  m.setChannelParam('x', 'comp.attack', attack);
  m.setChannelParam('x', 'comp.release', release);
}

/** True peak (dBTP) with the BS.1770 4× interpolator, all phases, over whole signals. */
function truePeakDb(channels: Float32Array[]): number {
  const { coef, taps, factor } = designInterpolator(4);
  const P = factor - 1;
  let peak = 0;
  for (const x of channels) {
    for (let n = 0; n < x.length; n++) {
      peak = Math.max(peak, Math.abs(x[n]));
      for (let p = 0; p < P; p++) {
        let acc = 0;
        for (let k = 0; k < taps && k <= n; k++) acc += coef[k * P + p] * x[n - k];
        peak = Math.max(peak, Math.abs(acc));
      }
    }
  }
  return db(peak);
}

describe('channel compressor through the real graph', () => {
  it('static curve: steady input levels land within ±1 dB of threshold/ratio/knee theory', async () => {
    // Steady DC makes the detector level exact; each level is held 0.4 s (release 50 ms).
    const levels = [-40, -30, -26, -24, -22, -18, -12, -6];
    const seg = Math.round(0.4 * SR);
    const input = new Float32Array(seg * levels.length);
    levels.forEach((l, i) => input.fill(Math.pow(10, l / 20), i * seg, (i + 1) * seg));
    const { left } = await render(mixOf(['x'], (m) => withComp(m, 5, 50)), { x: [input] });
    levels.forEach((l, i) => {
      const out = rms(left, i * seg + seg / 2, (i + 1) * seg) / Math.SQRT1_2; // undo the centre pan
      const expected = compressorCurveDb(l, { thresholdDb: COMP.threshold, ratio: COMP.ratio, kneeDb: COMP.knee });
      expect(Math.abs(db(out) - expected), `in ${l} dB: out ${db(out).toFixed(2)}, theory ${expected.toFixed(2)}`).toBeLessThanOrEqual(1);
    });
  });

  it('attack and release time constants within 20%', async () => {
    const attack = 10;
    const release = 100;
    const lo = 0.01;
    const hi = 0.5;
    // −40 dB for 0.3 s, +6… up to −6 dB for 0.5 s, back to −40 dB.
    const input = new Float32Array(Math.round(1.3 * SR)).fill(lo);
    input.fill(hi, Math.round(0.3 * SR), Math.round(0.8 * SR));
    const { left } = await render(mixOf(['x'], (m) => withComp(m, attack, release)), { x: [input] });
    const gainDb = (i: number) => db(left[i] / Math.SQRT1_2 / input[i]);
    const tau = (from: number, to: number) => {
      const g0 = gainDb(from);
      const g1 = gainDb(to - 1);
      const target = g0 + (1 - Math.exp(-1)) * (g1 - g0);
      for (let i = from; i < to; i++) if ((g1 < g0 && gainDb(i) <= target) || (g1 > g0 && gainDb(i) >= target)) return ((i - from) / SR) * 1000;
      return Infinity;
    };
    const measuredAttack = tau(Math.round(0.3 * SR), Math.round(0.8 * SR));
    const measuredRelease = tau(Math.round(0.8 * SR), Math.round(1.3 * SR));
    expect(Math.abs(measuredAttack / attack - 1), `attack ${measuredAttack} ms`).toBeLessThanOrEqual(0.2);
    expect(Math.abs(measuredRelease / release - 1), `release ${measuredRelease} ms`).toBeLessThanOrEqual(0.2);
  });

  it('make-up gain adds to the output, and a bypassed compressor leaves the signal untouched', async () => {
    const input = sines([1000], 0.5, 0.6);
    const on = await render(mixOf(['x'], (m) => { withComp(m, 5, 50); m.setChannelParam('x', 'comp.makeup', 6); }), { x: [input] });
    const noMakeup = await render(mixOf(['x'], (m) => withComp(m, 5, 50)), { x: [input] });
    const off = await render(mixOf(['x'], (m) => { withComp(m, 5, 50); m.setChannelParam('x', 'comp.on', 0); }), { x: [input] });
    const a = Math.round(0.3 * SR);
    expect(db(rms(on.left, a) / rms(noMakeup.left, a))).toBeCloseTo(6, 1);
    expect(Math.abs(db(rms(off.left, a) / (0.5 * Math.SQRT1_2 * Math.SQRT1_2)))).toBeLessThan(0.05);
  });
});

describe('master true-peak limiter', () => {
  it('loud program material pushed hard (+24 dB trim, ~+10 dBTP) never exceeds the ceiling (4× oversampled)', async () => {
    const [l, r] = musicLike(SR, 3, 7);
    for (const ceiling of [-1, -0.1]) {
      const state = mixOf(['x'], (m) => {
        m.setChannelParam('x', 'trim', 24);
        m.setChannelParam('x', 'pan', 0);
        m.setMasterParam('limiter.ceiling', ceiling);
      });
      const out = await render(state, { x: [l, r] });
      const inputTp = truePeakDb([l, r]) + 24;
      const tp = truePeakDb([out.left, out.right]);
      expect(inputTp).toBeGreaterThan(ceiling + 6); // the material really is hot
      expect(tp, `ceiling ${ceiling}: output ${tp.toFixed(3)} dBTP`).toBeLessThanOrEqual(ceiling);
      expect(tp).toBeGreaterThan(ceiling - 1); // and it is limiting, not just turning down
    }
  });

  it('renders are aligned: the limiter look-ahead is compensated', async () => {
    const step = dc(0.25, 0.5, 0.25);
    const { left } = await render(mixOf(['x']), { x: [step] });
    const edge = left.findIndex((v) => Math.abs(v) > 0.01);
    expect(edge).toBe(Math.round(0.25 * SR));
  });
});
