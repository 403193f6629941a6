import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../audio/wav';
import { musicLike } from '../loudness/test-signals';
import { mulberry32 } from '../util/prng';
import { StreamingResampler, resample } from './resampler';
import { fitSine, sineWave } from './sine-fit';

const sine = sineWave;


const db = (x: number) => 20 * Math.log10(x);
// The first/last few thousand frames hold the switch-on/off of the test sine, not the resampler.
const EDGE = 3000;

const PAIRS: [number, number][] = [[44100, 48000], [48000, 44100], [88200, 96000], [96000, 44100], [44100, 88200], [48000, 96000]];

describe('resampler: against theory', () => {
  it.each(PAIRS)('%i → %i Hz: flat within ±0.1 dB to 20 kHz, images below −100 dB for a full-scale sine', (fi, fo) => {
    for (const f of [50, 1000, 5000, 10000, 15000, 18000, 19000, 20000]) {
      const y = resample(sine(f, fi, 0.25), fi, fo);
      expect(y.length).toBe(Math.ceil((0.25 * fi * fo) / fi));
      const { amp, residual } = fitSine(y, f, fo, EDGE, y.length - EDGE);
      expect(Math.abs(db(amp)), `${f} Hz gain`).toBeLessThan(0.1);
      expect(db(residual), `${f} Hz images`).toBeLessThan(-100);
    }
  });

  it.each([[48000, 44100, [22100, 23000, 23900]], [96000, 44100, [22500, 30000, 47000]], [96000, 48000, [24500, 40000]]] as const)(
    '%i → %i Hz: a full-scale sine above the new Nyquist frequency does not alias (below −100 dB)',
    (fi, fo, freqs) => {
      for (const f of freqs) {
        const y = resample(sine(f, fi, 0.25), fi, fo);
        let s = 0;
        for (let i = EDGE; i < y.length - EDGE; i++) s += y[i] * y[i];
        expect(db(Math.sqrt((2 * s) / (y.length - 2 * EDGE))), `${f} Hz`).toBeLessThan(-100);
      }
    },
  );

  it('an arbitrary ratio (44100 → 44101 Hz, 48000 → 47999.5 Hz) is just as clean', () => {
    for (const [fi, fo] of [[44100, 44101], [48000, 47999.5]]) {
      for (const f of [1000, 15000, 20000]) {
        const y = resample(sine(f, fi, 0.25), fi, fo);
        const { amp, residual } = fitSine(y, f, fo, EDGE, y.length - EDGE);
        expect(Math.abs(db(amp))).toBeLessThan(0.1);
        expect(db(residual)).toBeLessThan(-100);
      }
    }
  });

  it('streams: any split of the input into blocks gives the whole-buffer result exactly', () => {
    const rnd = mulberry32(7);
    const x = Float32Array.from({ length: 20000 }, () => rnd() * 2 - 1);
    for (const [fi, fo] of [[44100, 48000], [48000, 44100], [44100, 44101]]) {
      const whole = resample(x, fi, fo);
      const rs = new StreamingResampler(fi, fo);
      const got: number[] = [];
      const out = new Float32Array(rs.maxOutputFrames(3000));
      for (let i = 0; i < x.length; ) {
        const n = Math.min(x.length - i, 1 + Math.floor(rnd() * 2999));
        const w = rs.process(x.subarray(i, i + n), n, out);
        got.push(...out.subarray(0, w));
        i += n;
      }
      const tail = new Float32Array(rs.flushFrames);
      got.push(...tail.subarray(0, rs.flush(tail)));
      expect(got.length).toBe(whole.length);
      expect(Float32Array.from(got)).toEqual(whole);
    }
  });

  it('says what is wrong with bad rates or a short output buffer', () => {
    expect(() => new StreamingResampler(0, 48000)).toThrow(/input rate 0 Hz is not a sample rate/);
    expect(() => new StreamingResampler(44100, NaN)).toThrow(/output rate NaN Hz/);
    const rs = new StreamingResampler(44100, 48000);
    expect(() => rs.process(new Float32Array(1000), 1000, new Float32Array(100))).toThrow(/output holds 100 frames/);
  });
});

let soxAvailable = true;
try {
  execFileSync('sox', ['--version'], { stdio: 'ignore' });
} catch {
  soxAvailable = false;
}

describe.skipIf(!soxAvailable)(`resampler: against sox rate -v${soxAvailable ? '' : ' (SKIPPED: sox is not installed; apt-get install sox)'}`, () => {
  it.each([[44100, 48000], [48000, 44100]])('%i → %i Hz: music nulls ≥ 80 dB against sox', (fi, fo) => {
    const dir = mkdtempSync(join(tmpdir(), 'mixroom-resampler-'));
    try {
      const sox = (args: string[]) => execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const [l, r] = musicLike(fi, 12, 3);
      writeFileSync(join(dir, 'raw.wav'), encodeWav([l, r], fi, { bitDepth: 32, float: true }));
      // The programme's synthetic hats are white noise up to Nyquist; music carries little above
      // 20 kHz, and between 20 kHz and Nyquist every resampler rolls off its own way (ours from
      // 20.07 kHz, sox's from ≈21 kHz). sox's own steep low-pass puts the material in the audio band.
      sox([join(dir, 'raw.wav'), '-e', 'floating-point', '-b', '32', join(dir, 'in.wav'), 'sinc', '-n', '32767', '-19500']);
      sox([join(dir, 'in.wav'), '-e', 'floating-point', '-b', '32', join(dir, 'sox.wav'), 'rate', '-v', String(fo)]);
      const input = decodeWav(readFileSync(join(dir, 'in.wav'))).channels;
      const ref = decodeWav(readFileSync(join(dir, 'sox.wav'))).channels;
      for (let c = 0; c < 2; c++) {
        const y = resample(input[c], fi, fo);
        expect(y.length).toBe(ref[c].length);
        let e = 0, s = 0;
        for (let i = 0; i < y.length; i++) {
          e += (y[i] - ref[c][i]) ** 2;
          s += ref[c][i] ** 2;
        }
        expect(10 * Math.log10(s / e)).toBeGreaterThan(80);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
