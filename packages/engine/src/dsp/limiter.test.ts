import { describe, expect, it } from 'vitest';
import { ffmpegAvailable, ffmpegLoudness } from '../loudness/ffmpeg-reference';
import { mulberry32 } from '../util/prng';
import { TruePeakLimiterKernel } from './limiter';

const db = (x: number) => 20 * Math.log10(x);

/**
 * Independent true-peak check: 16× oversampling with its own long Kaiser-windowed sinc (64 taps
 * per phase, β = 9: flat to 0.45 fs within 0.01 dB), not the BS.1770 interpolator the limiter uses.
 */
function truePeak16(channels: Float32Array[]): number {
  const L = 16;
  const taps = 64;
  const half = taps / 2;
  const beta = 9;
  const i0 = (x: number) => { let s = 1, t = 1; for (let k = 1; k < 60; k++) { t *= (x * x) / 4 / (k * k); s += t; } return s; };
  const coef = new Float64Array(L * taps);
  for (let p = 0; p < L; p++) {
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      // Tap k multiplies x[n − half + 1 + k]; the point sits at n + p/L.
      const t = k - half + 1 - p / L;
      const r = t / half;
      const w = Math.abs(r) < 1 ? i0(beta * Math.sqrt(1 - r * r)) / i0(beta) : 0;
      coef[p * taps + k] = (t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t)) * w;
      sum += coef[p * taps + k];
    }
    for (let k = 0; k < taps; k++) coef[p * taps + k] /= sum;
  }
  let peak = 0;
  for (const x of channels) {
    for (let n = half; n + half < x.length; n++) {
      peak = Math.max(peak, Math.abs(x[n]));
      for (let p = 1; p < L; p++) {
        let acc = 0;
        const c = p * taps;
        const s = n - half + 1;
        for (let k = 0; k < taps; k++) acc += coef[c + k] * x[s + k];
        peak = Math.max(peak, Math.abs(acc));
      }
    }
  }
  return db(peak);
}

/** Stereo signal through the kernel in 128-frame blocks (as the worklet runs it); latency removed. */
function limit(l: Float32Array, r: Float32Array, fs: number, ceilingDb: number, driveDb = 0): Float32Array[] {
  const k = new TruePeakLimiterKernel(fs, 2, { on: true, ceilingDb, releaseMs: 60, driveDb });
  const n = l.length + k.latency;
  const a = new Float32Array(n), b = new Float32Array(n);
  a.set(l);
  b.set(r);
  for (let i = 0; i < n; i += 128) k.process([a.subarray(i, i + 128), b.subarray(i, i + 128)], Math.min(128, n - i));
  return [a.subarray(k.latency), b.subarray(k.latency)];
}

/** A naive (aliased, full-scale) square wave: the hardest inter-sample peaks there are. */
const square = (f: number, fs: number, seconds: number) =>
  Float32Array.from({ length: Math.round(seconds * fs) }, (_, i) => (Math.sin((2 * Math.PI * f * i) / fs + 0.1) >= 0 ? 1 : -1));

/** A drum loop (kick, snare, hats) pushed 12 dB into hard clipping at 0 dBFS. */
function clippedDrums(fs: number, seconds: number): Float32Array[] {
  const rnd = mulberry32(5);
  const n = Math.round(seconds * fs);
  const out = [new Float32Array(n), new Float32Array(n)];
  const beat = Math.round(0.25 * fs);
  let kick = 0, snare = 0, hat = 0, phase = 0, hp = 0, prev = 0;
  for (let i = 0; i < n; i++) {
    const b = Math.floor(i / beat) % 4;
    if (i % beat === 0) {
      if (b === 0 || b === 2) { kick = 1; phase = 0; }
      if (b === 1 || b === 3) snare = 1;
    }
    if (i % (beat >> 1) === 0) hat = 1;
    phase += (2 * Math.PI * 50 * (1 + 3 * kick * kick)) / fs;
    const noise = rnd() * 2 - 1;
    hp = 0.5 * (hp + noise - prev);
    prev = noise;
    const x = 0.8 * kick * Math.sin(phase) + 0.5 * snare * noise + 0.3 * hat * hp;
    const y = 0.8 * kick * Math.sin(phase) + 0.5 * snare * (rnd() * 2 - 1) + 0.3 * hat * hp;
    out[0][i] = Math.max(-1, Math.min(1, 4 * x));
    out[1][i] = Math.max(-1, Math.min(1, 4 * y));
    kick *= Math.exp(-8 / fs);
    snare *= Math.exp(-20 / fs);
    hat *= Math.exp(-60 / fs);
  }
  return out;
}

const RATES = [44100, 48000, 88200, 96000];

describe('true-peak limiter: output true peak ≤ ceiling, by an independent 16× check', () => {
  it.each(RATES)('%i Hz: full-scale square waves at 1, 5 and 11 kHz', (fs) => {
    for (const f of [1000, 5000, 11000]) {
      const x = square(f, fs, 0.3);
      expect(truePeak16([x])).toBeGreaterThan(0); // the input really overshoots full scale
      for (const ceiling of [-1, -0.1]) {
        const tp = truePeak16(limit(x, x.slice(), fs, ceiling));
        expect(tp, `${f} Hz, ceiling ${ceiling}: ${tp.toFixed(3)} dBTP`).toBeLessThanOrEqual(ceiling);
        expect(tp).toBeGreaterThan(ceiling - 1); // limiting, not just turning down
      }
    }
  });

  it.each(RATES)('%i Hz: clipped drums driven +12 and +24 dB into the limiter', (fs) => {
    const [l, r] = clippedDrums(fs, 1);
    for (const drive of [12, 24]) {
      for (const ceiling of [-1, -0.1]) {
        const tp = truePeak16(limit(l, r, fs, ceiling, drive));
        expect(tp, `drive +${drive} dB, ceiling ${ceiling}: ${tp.toFixed(3)} dBTP`).toBeLessThanOrEqual(ceiling);
        expect(tp).toBeGreaterThan(ceiling - 1);
      }
    }
  });

  const haveFfmpeg = ffmpegAvailable();
  it.skipIf(!haveFfmpeg)(`ffmpeg ebur128=peak=true agrees: squares and driven drums stay at or under −0.1 dBTP${haveFfmpeg ? '' : ' (SKIPPED: ffmpeg is not installed)'}`, () => {
    for (const fs of [44100, 48000]) {
      const [dl, dr] = clippedDrums(fs, 1);
      const squares = [5000, 11000].map((f) => square(f, fs, 1));
      for (const out of [...squares.map((x) => limit(x, x.slice(), fs, -0.1)), limit(dl, dr, fs, -0.1, 24)]) {
        // ffmpeg prints the true peak to 0.001 of a linear unit… rounded: allow its own rounding only.
        expect(ffmpegLoudness(out, fs).truePeak).toBeLessThanOrEqual(-0.1 + 0.005);
      }
    }
  });
});
