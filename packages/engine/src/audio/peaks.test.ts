import { describe, expect, it } from 'vitest';
import { bucketCount, computePeaks, decodePeaks, encodePeaks, pickPeakLevel, PeaksBuilder, PeaksFormatError } from './peaks';

describe('computePeaks', () => {
  it('matches a known square-ish signal at every level', () => {
    // 3 blocks of 1024: +0.5 block, silent block, then a -1..+0.25 ramp block; plus a 100-sample tail.
    const n = 3 * 1024 + 100;
    const ch = new Float32Array(n);
    for (let i = 0; i < 1024; i++) ch[i] = 0.5;
    for (let i = 0; i < 1024; i++) ch[2048 + i] = -1 + (1.25 * i) / 1023;
    for (let i = 3072; i < n; i++) ch[i] = -0.1;
    const p = computePeaks([ch], 48000);
    expect(p.length).toBe(n);
    expect(p.levels.map((l) => l.samplesPerPixel)).toEqual([256, 1024, 4096, 16384]);
    expect(p.levels.map(bucketCount)).toEqual([13, 4, 1, 1]);

    const l1024 = Array.from(p.levels[1].data);
    // 0.5*127 = 63.5 → min rounds down to 63, max up to 64.
    expect(l1024).toEqual([63, 64, 0, 0, -127, 32, -13, -12]);
    // Coarser levels are the union of finer ones.
    expect(Array.from(p.levels[2].data)).toEqual([-127, 64]);
    // Fine level: the first 4 buckets are the constant 0.5 block.
    expect(Array.from(p.levels[0].data.slice(0, 8))).toEqual([63, 64, 63, 64, 63, 64, 63, 64]);
  });

  it('takes the union over channels and clamps overs to full scale', () => {
    const l = new Float32Array(256).fill(0.2);
    const r = new Float32Array(256).fill(-0.2);
    r[7] = 3;
    const p = computePeaks([l, r], 44100, [256]);
    expect(Array.from(p.levels[0].data)).toEqual([-26, 127]);
  });

  it('handles non-divisible custom ladders the slow way with the same answer', () => {
    const ch = new Float32Array(1000);
    for (let i = 0; i < ch.length; i++) ch[i] = Math.sin(i / 10) * (i / 1000);
    const p = computePeaks([ch], 48000, [100, 300]);
    const direct = computePeaks([ch], 48000, [300]);
    expect(Array.from(p.levels[1].data)).toEqual(Array.from(direct.levels[0].data));
    expect(bucketCount(p.levels[1])).toBe(4);
  });

  it('is small: a 4-minute stereo 48 kHz song fits in ~230 KB', () => {
    const n = 48000 * 240;
    const p = computePeaks([new Float32Array(n), new Float32Array(n)], 48000);
    const size = encodePeaks(p).length;
    expect(size).toBeLessThan(240_000);
    expect(size).toBeGreaterThan(2 * (n / 256));
  });
});

describe('encodePeaks / decodePeaks', () => {
  const ch = new Float32Array(48000);
  for (let i = 0; i < ch.length; i++) ch[i] = 0.9 * Math.sin(i / 7) * Math.sin(i / 5000);
  const p = computePeaks([ch, ch.map((v) => -v / 2)], 48000);

  it('round-trips exactly', () => {
    const bytes = encodePeaks(p);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('MXPK');
    const back = decodePeaks(bytes);
    expect(back.sampleRate).toBe(48000);
    expect(back.length).toBe(48000);
    expect(back.levels.map((l) => l.samplesPerPixel)).toEqual(p.levels.map((l) => l.samplesPerPixel));
    back.levels.forEach((l, i) => expect(Array.from(l.data)).toEqual(Array.from(p.levels[i].data)));
  });

  it('decodes from a view into a larger buffer', () => {
    const bytes = encodePeaks(p);
    const padded = new Uint8Array(bytes.length + 13);
    padded.set(bytes, 5);
    const back = decodePeaks(padded.subarray(5, 5 + bytes.length));
    expect(Array.from(back.levels[0].data)).toEqual(Array.from(p.levels[0].data));
  });

  it('rejects bad magic, unknown versions and truncation', () => {
    const bytes = encodePeaks(p);
    expect(() => decodePeaks(bytes.subarray(0, 10))).toThrow(PeaksFormatError);
    const badMagic = bytes.slice(); badMagic[0] = 0;
    expect(() => decodePeaks(badMagic)).toThrow(/magic/);
    const v2 = bytes.slice(); v2[4] = 2;
    expect(() => decodePeaks(v2)).toThrow(/version 2/);
    expect(() => decodePeaks(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
  });
});

describe('pickPeakLevel', () => {
  const p = computePeaks([new Float32Array(100000)], 48000);
  it.each([
    [1, 256],
    [256, 256],
    [1000, 256],
    [1024, 1024],
    [5000, 4096],
    [1e6, 16384],
  ])('wanted %d spp → level %d', (wanted, expected) => {
    expect(pickPeakLevel(p, wanted).samplesPerPixel).toBe(expected);
  });
});

describe('PeaksBuilder', () => {
  it('builds exactly what computePeaks does, from audio pushed in uneven pieces', () => {
    const frames = 100_003;
    const left = new Float32Array(frames);
    const right = new Float32Array(frames);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (let i = 0; i < frames; i++) {
      left[i] = rnd() * Math.sin(i / 5000);
      right[i] = rnd() * 0.3;
    }
    const builder = new PeaksBuilder(44100, 2);
    let at = 0;
    for (const piece of [1, 255, 256, 4097, 50_000]) {
      const n = Math.min(piece, frames - at);
      const inter = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        inter[2 * i] = left[at + i];
        inter[2 * i + 1] = right[at + i];
      }
      builder.pushInterleaved(inter);
      at += n;
    }
    const rest = new Float32Array((frames - at) * 2);
    for (let i = 0; i < frames - at; i++) {
      rest[2 * i] = left[at + i];
      rest[2 * i + 1] = right[at + i];
    }
    builder.pushInterleaved(rest);
    expect(encodePeaks(builder.finish())).toEqual(encodePeaks(computePeaks([left, right], 44100)));
  });

  it('takes whole buckets as extremes and ends with a partial one', () => {
    const ch = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * (i / 1000));
    const builder = new PeaksBuilder(8000, 1);
    for (let start = 0; start < ch.length; start += builder.finest) {
      const part = ch.subarray(start, start + builder.finest);
      builder.pushBucket(Math.min(...part), Math.max(...part), part.length);
    }
    expect(encodePeaks(builder.finish())).toEqual(encodePeaks(computePeaks([ch], 8000)));
    expect(() => builder.pushBucket(0, 0, 1)).toThrow(RangeError);
  });
});
