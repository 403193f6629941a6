// EBU Tech 3341 (cases 1–6, 9–23) and Tech 3342 (LRA cases 1–4), synthesised from the
// spec definitions, at 48 kHz and 44.1 kHz, checked against the spec tolerances.
import { describe, expect, it } from 'vitest';
import { createLoudnessMeter, designKWeighting, kWeightingGainDb, measureLoudness } from './index';
import { concat, silence, tone, toneSequence, tpBurst, tpSine } from './test-signals';

const RATES = [48000, 44100] as const;
const noTp = { truePeak: false } as const;

const stereo = (x: Float32Array): Float32Array[] => [x, x];
const within = (v: number, target: number, tol = 0.1) => expect(Math.abs(v - target)).toBeLessThanOrEqual(tol);

describe('K-weighting design', () => {
  it('reproduces the BS.1770 48 kHz coefficients', () => {
    const { shelf, highPass } = designKWeighting(48000);
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-12);
    close(shelf.b0, 1.53512485958697);
    close(shelf.b1, -2.69169618940638);
    close(shelf.b2, 1.19839281085285);
    close(shelf.a1, -1.69065929318241);
    close(shelf.a2, 0.73248077421585);
    close(highPass.a1, -1.99004745483398);
    close(highPass.a2, 0.99007225036621);
  });

  it.each([44100, 48000, 96000, 22050])('has the same response at %i Hz (+0.691 dB at 997 Hz, -1.13 at 100 Hz)', (fs) => {
    // The bilinear pre-warp is exact only at the design frequency, so 997 Hz moves by a few
    // thousandths of a dB away from 48 kHz (more as 1 kHz nears Nyquist at 22.05 kHz).
    expect(Math.abs(kWeightingGainDb(fs, 997) - 0.691)).toBeLessThan(fs >= 44100 ? 0.005 : 0.03);
    expect(Math.abs(kWeightingGainDb(fs, 100) - -1.13)).toBeLessThan(0.02);
    // 10 kHz sits closer to Nyquist at 22.05 kHz, where bilinear warping bends the shelf most.
    expect(Math.abs(kWeightingGainDb(fs, 10000) - 4.04)).toBeLessThan(fs < 44100 ? 0.3 : 0.02);
  });
});

describe.each(RATES)('EBU Tech 3341 at %i Hz', (fs) => {
  it('case 1: -23 dBFS tone reads -23.0 M/S/I', () => {
    const r = measureLoudness(stereo(tone(fs, 20, -23)), fs, noTp);
    within(r.integrated, -23);
    within(r.momentaryMax, -23);
    within(r.shortTermMax, -23);
    within(r.momentary[r.momentary.length - 1], -23);
    within(r.shortTerm[r.shortTerm.length - 1], -23);
    expect(r.status).toBe('ok');
  });

  it('case 2: -33 dBFS tone reads -33.0', () => {
    const r = measureLoudness(stereo(tone(fs, 20, -33)), fs, noTp);
    within(r.integrated, -33);
    within(r.momentaryMax, -33);
    within(r.shortTermMax, -33);
  });

  it('case 3: relative gate drops the -36 dB parts', () => {
    const x = toneSequence(fs, [[10, -36], [60, -23], [10, -36]]);
    within(measureLoudness(stereo(x), fs, noTp).integrated, -23);
  });

  it('case 4: absolute and relative gates', () => {
    const x = toneSequence(fs, [[10, -72], [10, -36], [60, -23], [10, -36], [10, -72]]);
    within(measureLoudness(stereo(x), fs, noTp).integrated, -23);
  });

  it('case 5: 20 s @-26, 20.1 s @-20, 20 s @-26', () => {
    const x = toneSequence(fs, [[20, -26], [20.1, -20], [20, -26]]);
    within(measureLoudness(stereo(x), fs, noTp).integrated, -23);
  });

  it('case 6: 5.0 channels with 1.41 surround weights', () => {
    const lr = tone(fs, 20, -28);
    const r = measureLoudness([lr, lr, tone(fs, 20, -24), tone(fs, 20, -30), tone(fs, 20, -30)], fs, noTp);
    within(r.integrated, -23);
  });

  it('case 9: short-term is -23.0 and constant after 3 s', () => {
    const seg: [number, number][] = [];
    for (let i = 0; i < 5; i++) seg.push([1.34, -20], [1.66, -30]);
    const r = measureLoudness(stereo(toneSequence(fs, seg)), fs, noTp);
    const from = Math.round(3 / r.seriesHopSeconds) - 1; // window ending at 3.0 s
    const s = Array.from(r.shortTerm.subarray(from));
    expect(s.length).toBeGreaterThan(1000);
    for (const v of s) within(v, -23);
  });

  it('case 10: max S of each of 20 files is -23.0', () => {
    for (let i = 0; i < 20; i++) {
      const x = concat(silence(fs, i * 0.15), tone(fs, 3, -23), silence(fs, 1));
      within(measureLoudness(stereo(x), fs, { ...noTp, series: false }).shortTermMax, -23);
    }
  });

  it('case 11: live meter max S per segment is -38 … -19', () => {
    const parts: Float32Array[] = [];
    for (let i = 0; i < 20; i++) parts.push(silence(fs, i * 0.15), tone(fs, 3, -38 + i), silence(fs, 3 - i * 0.15));
    const x = concat(...parts);
    const meter = createLoudnessMeter(fs, 2, noTp);
    const seg = Math.round(6 * fs);
    const maxes = new Array<number>(20).fill(-Infinity);
    const reading = meter.read();
    for (let p = 0; p < x.length; p += 128) {
      const b = x.subarray(p, Math.min(x.length, p + 128));
      meter.push([b, b]);
      meter.read(reading);
      const i = Math.floor((p + b.length - 1) / seg);
      if (i < 20) maxes[i] = Math.max(maxes[i], reading.shortTerm);
    }
    maxes.forEach((m, i) => within(m, -38 + i));
  });

  it('case 12: momentary is -23.0 and constant after 1 s', () => {
    const seg: [number, number][] = [];
    for (let i = 0; i < 25; i++) seg.push([0.18, -20], [0.22, -30]);
    const r = measureLoudness(stereo(toneSequence(fs, seg)), fs, noTp);
    const from = Math.round(1 / r.seriesHopSeconds) - 1;
    const m = Array.from(r.momentary.subarray(from));
    expect(m.length).toBeGreaterThan(800);
    for (const v of m) within(v, -23);
  });

  it('case 13: max M of each of 20 files is -23.0 (needs the fine grid)', () => {
    for (let i = 0; i < 20; i++) {
      const x = concat(silence(fs, i * 0.02), tone(fs, 0.4, -23), silence(fs, 1));
      within(measureLoudness(stereo(x), fs, { ...noTp, series: false }).momentaryMax, -23);
    }
  });

  it('case 14: live meter max M per segment is -38 … -19', () => {
    const parts: Float32Array[] = [];
    for (let i = 0; i < 20; i++) parts.push(silence(fs, i * 0.02), tone(fs, 0.4, -38 + i), silence(fs, 0.4 - i * 0.02));
    const x = concat(...parts);
    const meter = createLoudnessMeter(fs, 2, noTp);
    const seg = Math.round(0.8 * fs);
    const maxes = new Array<number>(20).fill(-Infinity);
    const reading = meter.read();
    for (let p = 0; p < x.length; p += 128) {
      const b = x.subarray(p, Math.min(x.length, p + 128));
      meter.push([b, b]);
      meter.read(reading);
      const i = Math.floor((p + b.length - 1) / seg);
      if (i < 20) maxes[i] = Math.max(maxes[i], reading.momentary);
    }
    maxes.forEach((m, i) => within(m, -38 + i));
  });

  // True peak tolerance is +0.2 / -0.4 dB.
  const tpCases: [string, () => Float32Array, number][] = [
    ['15: fs/4, 0.5 FFS, 0°', () => tpSine(fs, 4, 0.5, 0), -6],
    ['16: fs/4, 0.5 FFS, 45°', () => tpSine(fs, 4, 0.5, 45), -6],
    ['17: fs/6, 0.5 FFS, 60°', () => tpSine(fs, 6, 0.5, 60), -6],
    ['18: fs/8, 0.5 FFS, 67.5°', () => tpSine(fs, 8, 0.5, 67.5), -6],
    ['19: fs/4, 1.41 FFS, 45°', () => tpSine(fs, 4, 1.41, 45), 3],
    ['20: burst, decimation offset 0', () => tpBurst(fs, 0), 0],
    ['21: burst, decimation offset 1', () => tpBurst(fs, 1), 0],
    ['22: burst, decimation offset 2', () => tpBurst(fs, 2), 0],
    ['23: burst, decimation offset 3', () => tpBurst(fs, 3), 0],
  ];
  it.each(tpCases)('case %s', (_name, make, expected) => {
    const x = make();
    const r = measureLoudness(stereo(x), fs, { series: false });
    expect(r.truePeak).toBeLessThanOrEqual(expected + 0.2);
    expect(r.truePeak).toBeGreaterThanOrEqual(expected - 0.4);
    // Our interpolator is close to ideal on these: a regression past 0.3 dB would show here.
    expect(r.truePeak).toBeGreaterThanOrEqual(expected - 0.3);
    expect(r.truePeak).toBeGreaterThanOrEqual(r.samplePeak);
  });

  it('case 16 would fail on sample peak alone (true peak is really measured)', () => {
    const r = measureLoudness(stereo(tpSine(fs, 4, 0.5, 45)), fs, { series: false });
    expect(r.samplePeak).toBeLessThan(-8.9);
    expect(r.truePeak).toBeGreaterThan(-6.2);
  });
});

describe.each(RATES)('EBU Tech 3342 loudness range at %i Hz', (fs) => {
  const cases: [number, [number, number][], number][] = [
    [1, [[20, -20], [20, -30]], 10],
    [2, [[20, -20], [20, -15]], 5],
    [3, [[20, -40], [20, -20]], 20],
    [4, [[20, -50], [20, -35], [20, -20], [20, -35], [20, -50]], 15],
  ];
  it.each(cases)('case %i', (_n, segments, expected) => {
    const r = measureLoudness(stereo(toneSequence(fs, segments)), fs, { ...noTp, series: false });
    expect(Math.abs(r.range - expected)).toBeLessThanOrEqual(1);
    // Synthetic steps land exactly on the percentiles; we measure them to within 0.05 LU.
    expect(Math.abs(r.range - expected)).toBeLessThanOrEqual(0.05);
  });

  it('is unchanged when the signal is repeated', () => {
    const x = toneSequence(fs, [[20, -20], [20, -30]]);
    const once = measureLoudness(stereo(x), fs, { ...noTp, series: false }).range;
    const twice = measureLoudness(stereo(concat(x, x)), fs, { ...noTp, series: false }).range;
    expect(Math.abs(once - twice)).toBeLessThan(0.1);
  });
});
