import { describe, expect, it } from 'vitest';
import { resample } from '../dsp/resampler';
import { StemRateConverter } from './stem-rate';

/**
 * What the stem worker writes for live playback of a stem at another rate (issue 18): flat to
 * 20 kHz, no images or aliases, and exactly what a render of the same stem plays (the render
 * resamples the whole stem with the same resampler), whatever the slices it was converted in.
 */

const sine = (f: number, fs: number, seconds: number, amp = 1) =>
  Float32Array.from({ length: Math.round(seconds * fs) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / fs));

function fitSine(y: Float32Array, f: number, fs: number, from: number, to: number): { amp: number; residual: number } {
  let ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
  const w = (2 * Math.PI * f) / fs;
  for (let i = from; i < to; i++) {
    const s = Math.sin(w * i), c = Math.cos(w * i);
    ss += s * s; cc += c * c; sc += s * c; ys += y[i] * s; yc += y[i] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let r = 0;
  for (let i = from; i < to; i++) {
    const e = y[i] - a * Math.sin(w * i) - b * Math.cos(w * i);
    r += e * e;
  }
  return { amp: Math.hypot(a, b), residual: Math.sqrt((2 * r) / (to - from)) };
}

const db = (x: number) => 20 * Math.log10(x);
const EDGE = 3000;

/** A stem converted as the worker does it: slices of `slice` frames, output interleaved, then planar again. */
function convert(planar: Float32Array[], fi: number, fo: number, outChannels: number, slice = 4096): Float32Array[] {
  const conv = new StemRateConverter(fi, fo, planar.length, outChannels, slice);
  const parts: Float32Array[] = [];
  for (let s = 0; s < planar[0].length; s += slice) {
    const n = Math.min(slice, planar[0].length - s);
    parts.push(conv.push(planar.map((c) => c.subarray(s, s + n)), n).slice());
  }
  parts.push(conv.finish().slice());
  const frames = parts.reduce((k, p) => k + p.length / outChannels, 0);
  expect(frames).toBe(conv.outputFrames(planar[0].length));
  const out = Array.from({ length: outChannels }, () => new Float32Array(frames));
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length / outChannels; i++) for (let c = 0; c < outChannels; c++) out[c][at + i] = p[i * outChannels + c];
    at += p.length / outChannels;
  }
  return out;
}

describe('StemRateConverter: off-rate stems for live playback', () => {
  for (const [fi, fo] of [[44100, 48000], [48000, 44100]]) {
    it(`${fi} → ${fo} Hz: flat within ±0.1 dB to 20 kHz, images below −100 dB, on both channels`, () => {
      for (const f of [50, 1000, 10000, 15000, 18000, 20000]) {
        const [l, r] = convert([sine(f, fi, 0.25), sine(f, fi, 0.25, 0.5)], fi, fo, 2);
        for (const [y, amp] of [[l, 1], [r, 0.5]] as const) {
          const fit = fitSine(y, f, fo, EDGE, y.length - EDGE);
          expect(Math.abs(db(fit.amp / amp)), `${f} Hz gain`).toBeLessThan(0.1);
          expect(db(fit.residual / amp), `${f} Hz images`).toBeLessThan(-100);
        }
      }
    });

    it(`${fi} → ${fo} Hz: exactly what a render of the stem plays (whole-stem resample), a mono stem widened to both channels`, () => {
      const x = Float32Array.from({ length: 30000 }, (_, i) => Math.sin(i * 0.37) * 0.4 + Math.sin(i * 2.1) * 0.2);
      const [l, r] = convert([x], fi, fo, 2, 7001);
      const whole = resample(x, fi, fo);
      expect(l).toEqual(whole);
      expect(r).toEqual(whole);
    });
  }

  it('48 → 44.1 kHz: a full-scale sine above the new Nyquist frequency does not alias (below −100 dB)', () => {
    for (const f of [22100, 23000, 23900]) {
      const [y] = convert([sine(f, 48000, 0.25)], 48000, 44100, 1);
      let s = 0;
      for (let i = EDGE; i < y.length - EDGE; i++) s += y[i] * y[i];
      expect(db(Math.sqrt((2 * s) / (y.length - 2 * EDGE))), `${f} Hz`).toBeLessThan(-100);
    }
  });
});
