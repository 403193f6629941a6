import { describe, expect, it } from 'vitest';
import { CompressorKernel, compressorCurveDb, type CompressorSettings } from './compressor';
import { fitSine } from './sine-fit';

const db = (x: number) => 20 * Math.log10(x);

const amplitudeAt = (y: Float32Array, f: number, fs: number, from: number, to: number) => fitSine(y, f, fs, from, to).amp;

/** A stereo sine through the kernel in 128-frame blocks (as the worklet runs it). */
function compress(settings: CompressorSettings, fs: number, f: number, peakDb: number, seconds: number, phase = 0): Float32Array {
  const n = Math.round(seconds * fs);
  const a = Math.pow(10, peakDb / 20);
  const l = Float32Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / fs + phase));
  const r = l.slice();
  const k = new CompressorKernel(fs, settings);
  for (let i = 0; i < n; i += 128) k.process([l.subarray(i, i + 128), r.subarray(i, i + 128)], Math.min(128, n - i));
  return l;
}

const base: CompressorSettings = { on: true, thresholdDb: -20, ratio: 4, attackMs: 10, releaseMs: 100, kneeDb: 0, makeupDb: 0 };

describe('compressor kernel against its static curve', () => {
  // Steady sines: the output's level after settling (last 0.3 s) against threshold/ratio/knee theory
  // on the sine's peak level. The old per-sample detector gave −13.8 instead of −15 here (≈3.2:1).
  const cases: [string, Partial<CompressorSettings>, number[]][] = [
    ['−20 dB, 4:1, hard knee', {}, [-30, -20, -14, -6, 0]],
    ['−30 dB, 10:1, hard knee', { thresholdDb: -30, ratio: 10 }, [-24, -12, 0]],
    ['−24 dB, 3:1, 12 dB knee', { thresholdDb: -24, ratio: 3, kneeDb: 12 }, [-32, -27, -24, -20, -10]],
  ];
  for (const fs of [44100, 48000]) {
    for (const [name, over, levels] of cases) {
      it(`${fs} Hz, ${name}: within ±0.5 dB of theory from 50 Hz to 10 kHz (peak and RMS detectors)`, () => {
        const s = { ...base, ...over };
        for (const detector of ['peak', 'rms'] as const) {
          for (const f of [50, 100, 1000, 6000, 8000, 10000]) {
            for (const level of levels) {
              // Phase π/6 puts 8 kHz at 48 kHz between samples: its samples only reach −1.25 dB.
              const y = compress({ ...s, detector }, fs, f, level, 0.8, Math.PI / 6);
              const out = db(amplitudeAt(y, f, fs, y.length - Math.round(0.3 * fs), y.length));
              const theory = compressorCurveDb(level, s);
              expect(Math.abs(out - theory), `${detector} ${f} Hz at ${level} dBFS: ${out.toFixed(2)} vs ${theory.toFixed(2)}`).toBeLessThanOrEqual(0.5);
            }
          }
        }
      });
    }
  }

  it.each([44100, 48000])('%i Hz: a 100 Hz sine with 10 ms attack and 6 dB of gain reduction keeps THD below −55 dB', (fs) => {
    // −12 dBFS into −20 dB / 4:1 = 8 dB over → 6 dB of reduction.
    for (const detector of ['peak', 'rms'] as const) {
      const y = compress({ ...base, detector }, fs, 100, -12, 1.5);
      const from = y.length - fs, to = y.length;
      const fundamental = amplitudeAt(y, 100, fs, from, to);
      expect(db(fundamental) - -12).toBeCloseTo(-6, 0);
      let harmonics = 0;
      for (let h = 2; h <= 20; h++) harmonics += amplitudeAt(y, 100 * h, fs, from, to) ** 2;
      const thd = db(Math.sqrt(harmonics) / fundamental);
      expect(thd, `${detector}: THD ${thd.toFixed(1)} dB`).toBeLessThan(-55);
    }
  });
});
