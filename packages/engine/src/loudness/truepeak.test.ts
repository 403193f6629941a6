import { describe, expect, it } from 'vitest';
import { TruePeakDetector, designInterpolator } from './truepeak';
import { mulberry32, musicLike } from './test-signals';

/** Straightforward polyphase evaluation of every oversampled point, no pruning. */
function bruteForce(x: Float32Array, L: number): number {
  const { coef, taps } = designInterpolator(L);
  const P = L - 1;
  let peak = 0;
  for (let n = 0; n < x.length; n++) {
    peak = Math.max(peak, Math.abs(x[n]));
    for (let p = 0; p < P; p++) {
      let y = 0;
      for (let k = 0; k < taps; k++) y += coef[k * P + p] * (n - k >= 0 ? x[n - k] : 0);
      peak = Math.max(peak, Math.abs(y));
    }
  }
  return peak;
}

describe('true-peak detector', () => {
  const rnd = mulberry32(7);
  const noise = Float32Array.from({ length: 48000 }, () => (rnd() * 2 - 1) * 0.8);
  const [music] = musicLike(48000, 2, 5);
  it.each([
    ['dense noise', noise, 4],
    ['music-like', music, 4],
    ['dense noise, ×2', noise, 2],
    ['music-like, ×8', music, 8],
  ] as const)('pruned streaming result equals brute force (%s)', (_n, x, L) => {
    const det = new TruePeakDetector(1, designInterpolator(L));
    // Uneven block sizes exercise the history carried between pushes.
    for (let pos = 0, b = 1; pos < x.length; pos += b, b = (b * 7 + 3) % 5000 + 1) {
      const blk = x.subarray(pos, Math.min(x.length, pos + b));
      let sp = 0;
      for (const v of blk) sp = Math.max(sp, Math.abs(v));
      det.process(0, blk, blk.length, sp);
    }
    const ref = bruteForce(x, L);
    expect(Math.abs(det.peaks[0] - ref)).toBeLessThan(1e-6);
    // Inter-sample peaks really are found above the sample peak for this material.
    let sp = 0;
    for (const v of x) sp = Math.max(sp, Math.abs(v));
    expect(ref).toBeGreaterThan(sp);
  });

  it('rejects odd tap counts (phase 0 would not be a pure delay)', () => {
    expect(() => designInterpolator(4, 23)).toThrow(RangeError);
  });
});
