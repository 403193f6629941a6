// Agreement with ffmpeg's ebur128 filter (an independent BS.1770 / R128 implementation)
// on programme-like material. Tolerances from the reference notes: |ΔI|, |ΔLRA| ≤ 0.1 LU,
// |ΔTP| ≤ 0.3 dB.
import { describe, expect, it } from 'vitest';
import { measureLoudness } from './index';
import { ffmpegAvailable, ffmpegLoudness } from './ffmpeg-reference';
import { dbToLin, mulberry32, musicLike } from './test-signals';

const HAVE_FFMPEG = ffmpegAvailable();
if (!HAVE_FFMPEG) console.warn('ffmpeg not on PATH: skipping the ffmpeg ebur128 agreement tests');

/** Band-limited noise whose level ramps and jumps (wide LRA), different on L and R. */
function dynamicNoise(fs: number, seconds: number, seed: number): Float32Array[] {
  const rnd = mulberry32(seed);
  const n = Math.round(seconds * fs);
  const out = [new Float32Array(n), new Float32Array(n)];
  let lp1 = 0, lp2 = 0;
  for (let i = 0; i < n; i++) {
    const t = i / fs;
    const level = dbToLin(-30 + 20 * Math.abs(Math.sin(t * 0.7)) + (Math.floor(t / 2.5) % 2 ? 6 : 0));
    lp1 += 0.3 * (rnd() * 2 - 1 - lp1);
    lp2 += 0.05 * (rnd() * 2 - 1 - lp2);
    out[0][i] = level * lp1 * 1.5;
    out[1][i] = level * (0.6 * lp1 + 4 * lp2);
  }
  return out;
}

/** Tones at several frequencies switching every 1.5 s, with silences (gating matters). */
function toneCollage(fs: number, seconds: number, seed: number): Float32Array[] {
  const rnd = mulberry32(seed);
  const n = Math.round(seconds * fs);
  const x = new Float32Array(n);
  const seg = Math.round(1.5 * fs);
  let f = 440, a = 0.3;
  for (let i = 0; i < n; i++) {
    if (i % seg === 0) {
      f = 60 * Math.pow(2, rnd() * 8); // 60 Hz … 15 kHz
      a = rnd() < 0.2 ? 0 : dbToLin(-40 + rnd() * 38);
    }
    x[i] = a * Math.sin((2 * Math.PI * f * i) / fs);
  }
  return [x, Float32Array.from(x, (v) => v * 0.5)];
}

const programmes: [string, number, () => Float32Array[]][] = [
  ['music-like, 20 s, 48 kHz', 48000, () => musicLike(48000, 20, 3)],
  ['music-like, 15 s, 44.1 kHz', 44100, () => musicLike(44100, 15, 11)],
  ['dynamic noise, 12 s, 48 kHz', 48000, () => dynamicNoise(48000, 12, 5)],
  ['tone collage with gaps, 18 s, 48 kHz', 48000, () => toneCollage(48000, 18, 9)],
];

describe.skipIf(!HAVE_FFMPEG)('agreement with ffmpeg ebur128', () => {
  it.each(programmes)('%s', (_name, fs, make) => {
    const ch = make();
    const ours = measureLoudness(ch, fs, { series: false });
    const ref = ffmpegLoudness(ch, fs);
    expect(Number.isFinite(ref.integrated)).toBe(true);
    expect(Math.abs(ours.integrated - ref.integrated)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(ours.range - ref.range)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(ours.truePeak - ref.truePeak)).toBeLessThanOrEqual(0.3);
    // Every programme is chosen to have real dynamics, so LRA agreement is not trivially 0 = 0.
    expect(ref.range).toBeGreaterThan(1);
  });
});
