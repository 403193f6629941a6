import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 as createPrng } from '../util/prng';
import { encodeFlac, FlacEncoder, floatToInt } from './flac';
import { decodeWav, encodeWav } from './wav';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-flac-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Decodes with ffmpeg (the reference decoder here) to interleaved little-endian integers. */
function ffmpegDecode(flac: Uint8Array, bits: 16 | 24, channels: number): Int32Array[] {
  const file = path.join(dir, `t${Math.random().toString(36).slice(2)}.flac`);
  writeFileSync(file, flac);
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', bits === 16 ? 's16le' : 's24le', '-'], { maxBuffer: 1 << 28 });
  const bytes = bits / 8;
  const frames = raw.length / bytes / channels;
  const out = Array.from({ length: channels }, () => new Int32Array(frames));
  for (let i = 0, p = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++, p += bytes) out[c][i] = bits === 16 ? raw.readInt16LE(p) : raw.readIntLE(p, 3);
  }
  return out;
}

function music(frames: number, channels: number, bits: 16 | 24, seed = 1): Int32Array[] {
  const rand = createPrng(seed);
  const full = 2 ** (bits - 1) - 1;
  return Array.from({ length: channels }, (_, c) => {
    const x = new Int32Array(frames);
    for (let i = 0; i < frames; i++) {
      const tone = 0.5 * Math.sin((2 * Math.PI * (220 + 110 * c) * i) / 48000) + 0.2 * Math.sin((2 * Math.PI * 3520 * i) / 48000);
      x[i] = Math.round(full * Math.max(-1, Math.min(1, tone + 0.001 * (rand() * 2 - 1))));
    }
    return x;
  });
}

describe('FLAC encoder', () => {
  it.each([16, 24] as const)('ffmpeg decodes %i-bit stereo bit-exact, and it is smaller than PCM', (bits) => {
    const channels = music(48000 * 2 + 123, 2, bits); // a short last block
    const flac = encodeFlac({ sampleRate: 48000, bitsPerSample: bits, channels });
    expect(ffmpegDecode(flac, bits, 2)).toEqual(channels);
    expect(flac.length).toBeLessThan(channels[0].length * 2 * (bits / 8) * 0.9);
  });

  it('keeps full-scale extremes, silence, white noise and 1-sample signals exact (mono, 44.1 kHz)', () => {
    const rand = createPrng(7);
    const x = new Int32Array(10_000);
    for (let i = 0; i < 3000; i++) x[i] = i % 2 ? 8388607 : -8388608; // worst case for predictors
    for (let i = 6000; i < 10_000; i++) x[i] = Math.round((rand() * 2 - 1) * 8388607);
    const flac = encodeFlac({ sampleRate: 44100, bitsPerSample: 24, channels: [x] });
    expect(ffmpegDecode(flac, 24, 1)).toEqual([x]);
    const one = encodeFlac({ sampleRate: 44100, bitsPerSample: 16, channels: [new Int32Array([-5])] });
    expect(ffmpegDecode(one, 16, 1)).toEqual([new Int32Array([-5])]);
  });

  it('round-trips a 24-bit WAV master through floatToInt exactly', () => {
    const channels = music(20_000, 2, 24, 3);
    const wav = encodeWav(channels.map((c) => Float32Array.from(c, (v) => v / 8388608)), 48000, { bitDepth: 24, dither: 'none' });
    const decoded = decodeWav(wav);
    expect(floatToInt(decoded.channels, 24)).toEqual(channels);
  });

  it.each([16, 24] as const)('the reference decoder (flac -d) gives back %i-bit stereo bit-exact, whichever stereo coding each frame chose', (bits) => {
    const rand = createPrng(11);
    const full = 2 ** (bits - 1) - 1;
    const n = 4096 * 12 + 77;
    const l = new Int32Array(n), r = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const seg = Math.floor(i / 8192);
      const tone = Math.round(full * 0.6 * Math.sin((2 * Math.PI * 330 * i) / 48000));
      const noise = Math.round(full * 0.9 * (rand() * 2 - 1));
      // Identical (side = 0), anti-phase (mid ≈ 0), independent tone/noise, loud noise (long Rice codes), full-scale extremes.
      [l[i], r[i]] = seg === 0 ? [tone, tone] : seg === 1 ? [tone, -tone] : seg === 2 ? [tone, noise] : seg === 3 ? [noise, Math.max(-full - 1, Math.min(full, -noise + 3))] : seg === 4 ? [i % 2 ? full : -full - 1, i % 3 ? -full - 1 : full] : [noise, tone];
    }
    const flac = encodeFlac({ sampleRate: 44100, bitsPerSample: bits, channels: [l, r] });
    const file = path.join(dir, `ref-${bits}.flac`);
    writeFileSync(file, flac);
    execFileSync('flac', ['-s', '-d', '-f', '-o', `${file}.wav`, file]);
    const back = decodeWav(new Uint8Array(readFileSync(`${file}.wav`)));
    expect(back.sampleRate).toBe(44100);
    expect(floatToInt(back.channels, bits)).toEqual([l, r]);
  });

  it('streams: header and slices of frames concatenate to the same file', () => {
    const channels = music(4096 * 5 + 9, 2, 24, 5);
    const enc = new FlacEncoder({ sampleRate: 48000, bitsPerSample: 24, channels });
    const parts = [enc.header()];
    while (!enc.done) parts.push(enc.encodeFrames(2));
    expect(Buffer.concat(parts).equals(Buffer.from(encodeFlac({ sampleRate: 48000, bitsPerSample: 24, channels })))).toBe(true);
    expect(enc.position).toBe(channels[0].length);
  });

  it('rejects what it cannot encode', () => {
    expect(() => encodeFlac({ sampleRate: 48000, bitsPerSample: 16, channels: [new Int32Array([40000])] })).toThrow(/does not fit 16 bits/);
    expect(() => encodeFlac({ sampleRate: 48000, bitsPerSample: 16, channels: [] })).toThrow(/1–8 channels/);
    expect(() => encodeFlac({ sampleRate: 48000, bitsPerSample: 16, channels: [new Int32Array(2), new Int32Array(3)] })).toThrow(/same length/);
  });
});
