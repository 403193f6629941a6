// The 1/3-octave analyser against signals whose spectra are known from theory, made by sox
// (an independent generator): a sine lands in its band at its level, pink noise (equal power
// per octave) reads flat per band, white noise (equal power per Hz) rises 3 dB per octave.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../audio/wav';
import { measureSpectrum, THIRD_OCTAVE_NOMINAL, ThirdOctaveAnalyzer } from './spectrum';

let hasSox = true;
try { execFileSync('sox', ['--version']); } catch { hasSox = false; }
const dir = mkdtempSync(join(tmpdir(), 'mixroom-spectrum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sox -n … synth; -R makes the noise repeatable. */
function sox(name: string, rate: number, channels: number, synth: string[]) {
  const path = join(dir, `${name}.wav`);
  execFileSync('sox', ['-R', '-n', '-r', String(rate), '-c', String(channels), '-b', '32', '-e', 'floating-point', path, 'synth', ...synth]);
  return decodeWav(new Uint8Array(readFileSync(path)));
}

const band = (hz: number) => THIRD_OCTAVE_NOMINAL.indexOf(hz as (typeof THIRD_OCTAVE_NOMINAL)[number]);

describe.skipIf(!hasSox)('1/3-octave spectrum', () => {
  it('puts a sine in its band at its level (dB re full-scale sine) and nothing much elsewhere', () => {
    // 997 Hz (AES17's test frequency) at −20 dBFS peak: sox's `vol 0.1`.
    const wav = sox('sine997', 48000, 1, ['10', 'sine', '997', 'vol', '0.1']);
    const s = measureSpectrum(wav.channels, wav.sampleRate);
    const levels = s.levelsDb.map((l) => l ?? -Infinity);
    expect(levels[band(1000)]).toBeCloseTo(-20, 1);
    const loudest = levels.indexOf(Math.max(...levels));
    expect(THIRD_OCTAVE_NOMINAL[loudest]).toBe(1000);
    // Neighbours only see the window's leakage (Hann sidelobes fall 18 dB/octave).
    expect(levels[band(800)]).toBeLessThan(-80);
    expect(levels[band(1250)]).toBeLessThan(-80);
  });

  it('finds a 63 Hz sine in the 63 Hz band (low bands are a few FFT bins wide)', () => {
    const wav = sox('sine63', 44100, 2, ['10', 'sine', '63', 'vol', '0.5']);
    const s = measureSpectrum(wav.channels, wav.sampleRate);
    expect(s.levelsDb[band(63)]).toBeCloseTo(20 * Math.log10(0.5), 0);
    expect(Math.max(...s.levelsDb.map((l, i) => (i === band(63) ? -Infinity : l ?? -Infinity)))).toBeLessThan(-20 * Math.log10(0.5) - 30);
  });

  it('reads pink noise flat per 1/3 octave (20 Hz – 20 kHz within ±0.75 dB of its median)', () => {
    const wav = sox('pink', 48000, 1, ['60', 'pinknoise', 'vol', '0.3']);
    const s = measureSpectrum(wav.channels, wav.sampleRate);
    const inRange = s.centersHz.map((f, i) => ({ f, l: s.levelsDb[i]! })).filter(({ f }) => f >= 20 && f <= 20000);
    const sorted = inRange.map((x) => x.l).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    for (const { f, l } of inRange) expect(Math.abs(l - median), `${f} Hz`).toBeLessThan(0.75);
  });

  it('reads white noise rising 3 dB per octave (1 dB per band)', () => {
    const wav = sox('white', 48000, 1, ['60', 'whitenoise', 'vol', '0.3']);
    const s = measureSpectrum(wav.channels, wav.sampleRate);
    const pts = s.centersHz.map((f, i) => ({ x: Math.log2(10 ** ((13 + i) / 10)), y: s.levelsDb[i]!, f })).filter(({ f }) => f >= 50 && f <= 16000);
    // Least-squares slope, dB per octave.
    const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
    const my = pts.reduce((a, p) => a + p.y, 0) / pts.length;
    const slope = pts.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / pts.reduce((a, p) => a + (p.x - mx) ** 2, 0);
    expect(slope).toBeCloseTo(3.01, 1);
    for (const p of pts) expect(Math.abs(p.y - (my + slope * (p.x - mx))), `${p.f} Hz`).toBeLessThan(1);
  });

  it('gives the same result fed in odd-sized blocks as in one piece, and null above Nyquist', () => {
    const wav = sox('pink22', 22050, 2, ['5', 'pinknoise', 'vol', '0.3']);
    const whole = measureSpectrum(wav.channels, wav.sampleRate);
    const a = new ThirdOctaveAnalyzer(wav.sampleRate, 2);
    for (let i = 0; i < wav.channels[0].length; i += 1000) a.process(wav.channels.map((c) => c.subarray(i, i + 1000)), Math.min(1000, wav.channels[0].length - i));
    expect(a.finish()).toEqual(whole);
    // 10 kHz band's upper edge (11.2 kHz) is above 11.025 kHz.
    expect(whole.levelsDb[band(10000)]).toBeNull();
    expect(whole.levelsDb[band(8000)]).not.toBeNull();
  });
});
