import { describe, expect, it } from 'vitest';
import { LoudnessInputError, createLoudnessMeter, measureLoudness } from './index';
import { mulberry32, musicLike, silence, tone } from './test-signals';

const fs = 48000;

describe('bad and edge-case input', () => {
  it('digital silence integrates to -Infinity with status "silent"', () => {
    const x = silence(fs, 5);
    const r = measureLoudness([x, x], fs);
    expect(r.integrated).toBe(-Infinity);
    expect(r.status).toBe('silent');
    expect(r.range).toBe(0);
    expect(r.samplePeak).toBe(-Infinity);
    expect(r.truePeak).toBe(-Infinity);
  });

  it('audio below the -70 LUFS absolute gate counts as silent', () => {
    const x = tone(fs, 5, -80);
    expect(measureLoudness([x, x], fs).status).toBe('silent');
  });

  it('less than one 400 ms block is "too-short" but still reports peaks', () => {
    const x = tone(fs, 0.3, -6);
    const r = measureLoudness([x, x], fs);
    expect(r.status).toBe('too-short');
    expect(r.integrated).toBe(-Infinity);
    expect(r.momentaryMax).toBe(-Infinity);
    expect(r.shortTermMax).toBe(-Infinity);
    expect(r.samplePeak).toBeCloseTo(-6, 2);
  });

  it('exactly 400 ms is enough for one gating block', () => {
    const x = tone(fs, 0.4, -23);
    const r = measureLoudness([x, x], fs);
    expect(r.status).toBe('ok');
    expect(Math.abs(r.integrated - -23)).toBeLessThan(0.1);
  });

  it('empty channels are "too-short", not an error', () => {
    const r = measureLoudness([new Float32Array(0)], fs);
    expect(r.status).toBe('too-short');
    expect(r.durationSeconds).toBe(0);
  });

  it.each([NaN, Infinity, -Infinity])('rejects %s samples with LoudnessInputError naming channel and index', (bad) => {
    const x = tone(fs, 1, -20);
    const y = tone(fs, 1, -20);
    y[1234] = bad;
    expect(() => measureLoudness([x, y], fs)).toThrow(LoudnessInputError);
    expect(() => measureLoudness([x, y], fs)).toThrow(/channel 1 at index 1234/);
  });

  it('a rejected push leaves the live meter untouched', () => {
    const a = tone(fs, 1, -20);
    const good = createLoudnessMeter(fs, 1);
    const m = createLoudnessMeter(fs, 1);
    good.push([a]);
    m.push([a]);
    const bad = tone(fs, 1, -10);
    bad[100] = NaN;
    expect(() => m.push([bad])).toThrow(LoudnessInputError);
    good.push([a]);
    m.push([a]);
    expect(m.read()).toEqual(good.read());
  });

  it('rejects zero channels, mismatched lengths and bad sample rates', () => {
    expect(() => measureLoudness([], fs)).toThrow(LoudnessInputError);
    expect(() => measureLoudness([new Float32Array(10), new Float32Array(11)], fs)).toThrow(/channel 1 has 11/);
    expect(() => measureLoudness([new Float32Array(10)], NaN)).toThrow(LoudnessInputError);
    expect(() => measureLoudness([new Float32Array(10)], 1000)).toThrow(LoudnessInputError);
    expect(() => createLoudnessMeter(fs, 0)).toThrow(LoudnessInputError);
    const m = createLoudnessMeter(fs, 2);
    expect(() => m.push([new Float32Array(10)])).toThrow(/expected 2 channel/);
  });

  it('a DC offset does not change the loudness (K-weighting high-pass removes it)', () => {
    const clean = tone(fs, 10, -23);
    const dc = new Float32Array(clean.length);
    for (let i = 0; i < dc.length; i++) dc[i] = clean[i] + 0.3;
    const a = measureLoudness([clean, clean], fs, { truePeak: false });
    const b = measureLoudness([dc, dc], fs, { truePeak: false });
    expect(Math.abs(b.integrated - a.integrated)).toBeLessThan(0.02);
    // …but peaks do include the offset: it is really there in the signal.
    expect(b.samplePeak).toBeGreaterThan(a.samplePeak + 3);
  });

  it('5.1: LFE is excluded and surrounds weigh +1.5 dB', () => {
    const t = tone(fs, 10, -23);
    const z = silence(fs, 10);
    const loudLfe = tone(fs, 10, -3, 60);
    const base = measureLoudness([t, t, z, z, z, z], fs, { truePeak: false }).integrated;
    const withLfe = measureLoudness([t, t, z, loudLfe, z, z], fs, { truePeak: false }).integrated;
    const surround = measureLoudness([z, z, z, z, t, t], fs, { truePeak: false }).integrated;
    expect(withLfe).toBeCloseTo(base, 6);
    expect(surround - base).toBeCloseTo(10 * Math.log10(1.41), 3);
  });

  it('custom channel weights are validated and applied', () => {
    const t = tone(fs, 5, -23);
    const full = measureLoudness([t, t], fs, { truePeak: false }).integrated;
    const half = measureLoudness([t, t], fs, { truePeak: false, channelWeights: [1, 0] }).integrated;
    expect(full - half).toBeCloseTo(3.01, 2);
    expect(() => measureLoudness([t, t], fs, { channelWeights: [1] })).toThrow(LoudnessInputError);
  });
});

describe('live meter vs offline measurement', () => {
  it.each([48000, 44100])('agree exactly for random push sizes at %i Hz', (rate) => {
    const ch = musicLike(rate, 12, 21);
    const offline = measureLoudness(ch, rate);
    const meter = createLoudnessMeter(rate, 2);
    const rnd = mulberry32(4);
    const check = (p: number) => {
      for (let pos = 0; pos < ch[0].length; ) {
        const n = Math.min(ch[0].length - pos, 1 + Math.floor(rnd() * 3000));
        meter.push([ch[0].subarray(pos, pos + n), ch[1].subarray(pos, pos + n)]);
        pos += n;
        if (p === 0 && pos > rate * 5 && pos < rate * 5 + 3000) {
          // Mid-stream reads must be cheap and sane, not just the final one.
          const mid = meter.read();
          expect(mid.integrated).toBeGreaterThan(-70);
          expect(mid.durationSeconds).toBeCloseTo(pos / rate, 9);
        }
      }
      const live = meter.read();
      expect(live.integrated).toBeCloseTo(offline.integrated, 9);
      expect(live.range).toBeCloseTo(offline.range, 9);
      expect(live.momentaryMax).toBeCloseTo(offline.momentaryMax, 9);
      expect(live.shortTermMax).toBeCloseTo(offline.shortTermMax, 9);
      expect(live.truePeak).toBeCloseTo(offline.truePeak, 9);
      expect(live.samplePeak).toBe(offline.samplePeak);
      expect(live.momentary).toBeCloseTo(offline.momentary[offline.momentary.length - 1], 4);
      expect(live.shortTerm).toBeCloseTo(offline.shortTerm[offline.shortTerm.length - 1], 4);
      expect(offline.range).toBeGreaterThan(1);
    };
    check(0);
    meter.reset();
    expect(meter.read().status).toBe('too-short');
    check(1);
  });

  it('read(into) refills the same object', () => {
    const m = createLoudnessMeter(fs, 1);
    const r = m.read();
    const t = tone(fs, 1, -20);
    m.push([t]);
    expect(m.read(r)).toBe(r);
    // A −20 dBFS mono sine has a mean square 3 dB below its peak: ≈ −23 LUFS.
    expect(Math.abs(r.momentary - -23)).toBeLessThan(0.1);
  });

  it('series cover the programme on the advertised hop', () => {
    const t = tone(fs, 4, -23);
    const r = measureLoudness([t, t], fs, { truePeak: false });
    expect(r.seriesHopSeconds).toBeCloseTo(0.01, 9);
    expect(r.momentary.length).toBe(400);
    expect(r.shortTerm.length).toBe(400);
    // Zero-padded before the window fills: rising, then settled at the tone's loudness.
    expect(r.momentary[9]).toBeLessThan(r.momentary[39] - 5);
    expect(Math.abs(r.momentary[39] - -23)).toBeLessThan(0.1);
  });
});
