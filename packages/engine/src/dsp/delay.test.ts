import { describe, expect, it } from 'vitest';
import { DelayKernel } from './delay';

const SR = 48000;
const db = (x: number) => 20 * Math.log10(x);

/** Runs the kernel over a signal in blocks of odd sizes (the state must carry across blocks). */
function run(kernel: DelayKernel, input: Float32Array[]): Float32Array[] {
  const out = input.map((c) => c.slice());
  const sizes = [128, 1000, 37, 4096];
  for (let i = 0, k = 0; i < out[0].length; k++) {
    const n = Math.min(sizes[k % sizes.length], out[0].length - i);
    kernel.process(out.map((c) => c.subarray(i, i + n)), n);
    i += n;
  }
  return out;
}

function impulse(seconds: number, channels = 1): Float32Array[] {
  return Array.from({ length: channels }, () => {
    const x = new Float32Array(Math.round(seconds * SR));
    x[0] = 1;
    return x;
  });
}

/** Sum of the samples around `at` (the echo's DC gain: the high-cut has unity gain at DC). */
function echoArea(x: Float32Array, at: number, span = 2000): number {
  let s = 0;
  for (let i = at; i < Math.min(x.length, at + span); i++) s += x[i];
  return s;
}

describe('delay kernel', () => {
  it('echoes arrive at k × the delay time, each one feedback times the previous (at DC)', () => {
    const time = 0.25;
    const feedback = 0.5;
    const k = new DelayKernel(SR, 1, { timeSeconds: time, feedback, highcutHz: 18000 });
    const [out] = run(k, impulse(1.3));
    const D = time * SR;
    // Nothing before the first echo: the return is wet only.
    expect(Math.max(...out.subarray(0, D).map(Math.abs))).toBe(0);
    for (let echo = 1; echo <= 5; echo++) {
      // The echo starts exactly at echo·D (the first sample of the high-cut's impulse response is its b0 > 0).
      expect(out[echo * D - 1]).toBeCloseTo(0, 12);
      expect(out[echo * D]).toBeGreaterThan(0);
      expect(echoArea(out, echo * D)).toBeCloseTo(feedback ** (echo - 1), 4);
    }
  });

  it('the decay per repeat in dB is 20·log10(feedback) for every feedback setting', () => {
    for (const feedback of [0.2, 0.35, 0.7, 0.95]) {
      const k = new DelayKernel(SR, 1, { timeSeconds: 0.1, feedback, highcutHz: 20000 });
      const [out] = run(k, impulse(0.75));
      const D = 0.1 * SR;
      for (let echo = 2; echo <= 6; echo++) {
        const perRepeatDb = db(echoArea(out, echo * D) / echoArea(out, (echo - 1) * D));
        expect(perRepeatDb).toBeCloseTo(db(feedback), 3);
      }
    }
  });

  it('the high-cut is a Butterworth low-pass in the loop: −3 dB at the cut-off, −12 dB/oct above, once more per repeat', () => {
    const cutoff = 2000;
    const D = 0.05 * SR;
    const k = new DelayKernel(SR, 1, { timeSeconds: 0.05, feedback: 0.9, highcutHz: cutoff });
    const [out] = run(k, impulse(0.2));
    // Each echo's spectrum (DFT of its window): echo k is the filter's response to the power k (× 0.9^(k−1)).
    const mag = (from: number, f: number) => {
      let re = 0;
      let im = 0;
      for (let i = 0; i < D; i++) {
        const w = (2 * Math.PI * f * i) / SR;
        re += out[from + i] * Math.cos(w);
        im -= out[from + i] * Math.sin(w);
      }
      return Math.hypot(re, im);
    };
    // Second-order Butterworth through the bilinear transform: |H|² = 1 / (1 + (tan(πf/fs) / tan(πfc/fs))⁴).
    const butterworthDb = (f: number) => -10 * Math.log10(1 + (Math.tan((Math.PI * f) / SR) / Math.tan((Math.PI * cutoff) / SR)) ** 4);
    for (const f of [100, 1000, 2000, 4000, 8000]) {
      expect(Math.abs(db(mag(D, f)) - butterworthDb(f))).toBeLessThan(0.05);
      const second = db(mag(2 * D, f)) - db(0.9);
      expect(Math.abs(second - 2 * db(mag(D, f)))).toBeLessThan(0.05);
    }
    expect(db(mag(D, cutoff))).toBeCloseTo(-3.01, 1);
  });

  it('keeps the two channels apart and runs the same in any block sizes', () => {
    const input = [new Float32Array(SR), new Float32Array(SR)];
    for (let i = 0; i < SR; i++) input[0][i] = Math.sin(i / 30) * (i < 2000 ? 1 : 0);
    const settings = { timeSeconds: 0.123, feedback: 0.6, highcutHz: 5000 };
    const a = run(new DelayKernel(SR, 2, settings), input);
    const whole = input.map((c) => c.slice());
    new DelayKernel(SR, 2, settings).process(whole, SR);
    expect(a[0]).toEqual(whole[0]);
    expect(Math.max(...a[1].map(Math.abs))).toBe(0);
    expect(Math.max(...a[0].map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('a live change of time glides (no jump in the output) and settles on the new whole-sample delay', () => {
    const k = new DelayKernel(SR, 1, { timeSeconds: 0.2, feedback: 0, highcutHz: 18000 });
    const tone = new Float32Array(SR * 2);
    for (let i = 0; i < tone.length; i++) tone[i] = Math.sin((2 * Math.PI * 220 * i) / SR) * 0.5;
    const out = tone.slice();
    k.process([out.subarray(0, SR)], SR);
    k.configure({ timeSeconds: 0.21, feedback: 0, highcutHz: 18000 });
    k.process([out.subarray(SR)], SR);
    let maxStep = 0;
    for (let i = SR * 0.5; i < out.length; i++) maxStep = Math.max(maxStep, Math.abs(out[i] - out[i - 1]));
    // A 220 Hz sine at 0.5 moves at most 2π·220/48000·0.5 ≈ 0.0144 per sample; a jump would be far more.
    expect(maxStep).toBeLessThan(0.03);
    // After the glide: the output is the input 0.21 s (10080 samples) earlier, through the high-cut.
    const D = 0.21 * SR;
    const i = SR + SR / 2;
    expect(Math.abs(out[i] - 0.5 * Math.sin((2 * Math.PI * 220 * (i - D)) / SR))).toBeLessThan(0.01);
  });
});
