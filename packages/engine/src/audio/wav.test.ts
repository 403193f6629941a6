import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioFormatError, decodeWav, encodeWav } from './wav';

const SR = 48000;

function sine(freq: number, n: number, amp = 0.5, sr = SR): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / sr);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function expectFormatError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AudioFormatError);
    expect((e as AudioFormatError).code).toBe(code);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected AudioFormatError');
}

/** Hand-built WAV so decoder tests do not depend on our own encoder. */
function buildWav(opts: {
  tag: number;
  channels: number;
  sampleRate: number;
  bits: number;
  data: Uint8Array;
  extraChunks?: Array<[string, Uint8Array]>;
  extensibleSubformat?: number;
  dataSizeOverride?: number;
}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const chunk = (id: string, body: Uint8Array, sizeOverride?: number) => {
    const h = new Uint8Array(8);
    for (let i = 0; i < 4; i++) h[i] = id.charCodeAt(i);
    new DataView(h.buffer).setUint32(4, sizeOverride ?? body.length, true);
    chunks.push(h, body);
    if (body.length & 1) chunks.push(new Uint8Array(1));
  };
  const ext = opts.extensibleSubformat !== undefined;
  const fmt = new Uint8Array(ext ? 40 : 16);
  const v = new DataView(fmt.buffer);
  const blockAlign = (opts.channels * opts.bits) / 8;
  v.setUint16(0, ext ? 0xfffe : opts.tag, true);
  v.setUint16(2, opts.channels, true);
  v.setUint32(4, opts.sampleRate, true);
  v.setUint32(8, opts.sampleRate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, opts.bits, true);
  if (ext) {
    v.setUint16(16, 22, true);
    v.setUint16(18, opts.bits, true);
    v.setUint32(20, 3, true);
    v.setUint16(24, opts.extensibleSubformat!, true);
  }
  for (const [id, body] of opts.extraChunks ?? []) chunk(id, body);
  chunk('fmt ', fmt);
  chunk('LIST', new Uint8Array([1, 2, 3])); // odd size exercises pad byte handling
  chunk('data', opts.data, opts.dataSizeOverride);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(12 + total);
  out.set([0x52, 0x49, 0x46, 0x46], 0);
  new DataView(out.buffer).setUint32(4, 4 + total, true);
  out.set([0x57, 0x41, 0x56, 0x45], 8);
  let o = 12;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

describe('encodeWav / decodeWav round trip', () => {
  const left = sine(440, 4800, 0.8);
  const right = sine(660, 4800, -0.3);

  it('16-bit PCM round-trips within 1.5 LSB (dither + rounding)', () => {
    const bytes = encodeWav([left, right], SR, { bitDepth: 16 });
    expect(bytes.length).toBe(44 + 4800 * 4);
    const d = decodeWav(bytes);
    expect(d).toMatchObject({ sampleRate: SR, bitDepth: 16, format: 'pcm' });
    expect(d.channels).toHaveLength(2);
    expect(maxAbsDiff(d.channels[0], left)).toBeLessThanOrEqual(1.5 / 32768);
    expect(maxAbsDiff(d.channels[1], right)).toBeLessThanOrEqual(1.5 / 32768);
  });

  it('24-bit PCM round-trips within 1.5 LSB', () => {
    const d = decodeWav(encodeWav([left], SR, { bitDepth: 24 }));
    expect(d.bitDepth).toBe(24);
    expect(maxAbsDiff(d.channels[0], left)).toBeLessThanOrEqual(1.5 / 8388608);
  });

  it('32-bit float is bit-exact, keeps overs, and is format 3 with a fact chunk', () => {
    const hot = new Float32Array([0, 0.25, -1.5, 2, 1e-30]);
    const bytes = encodeWav([hot], 44100, { bitDepth: 32, float: true });
    expect(new DataView(bytes.buffer).getUint16(20, true)).toBe(3);
    expect(new TextDecoder().decode(bytes.subarray(38, 42))).toBe('fact');
    const d = decodeWav(bytes);
    expect(d.format).toBe('float');
    expect(Array.from(d.channels[0])).toEqual(Array.from(hot));
  });

  it('32-bit integer PCM round-trips', () => {
    const d = decodeWav(encodeWav([left], SR, { bitDepth: 32 }));
    expect(d).toMatchObject({ bitDepth: 32, format: 'pcm' });
    expect(maxAbsDiff(d.channels[0], left)).toBeLessThan(1e-7);
  });

  it('clips out-of-range input and maps NaN to silence', () => {
    const d = decodeWav(encodeWav([new Float32Array([1.7, -3, NaN, 1, -1])], SR, { bitDepth: 16, dither: 'none' }));
    expect(Array.from(d.channels[0])).toEqual([32767 / 32768, -1, 0, 32767 / 32768, -1]);
  });

  it('dither is TPDF: on by default for 16-bit, off on request, and deterministic', () => {
    // A constant a quarter LSB above zero: without dither it always rounds to 0;
    // with TPDF dither the mean of the output tracks the true value.
    const x = new Float32Array(20000).fill(0.25 / 32768);
    const plain = decodeWav(encodeWav([x], SR, { bitDepth: 16, dither: 'none' })).channels[0];
    expect(plain.every((v) => v === 0)).toBe(true);
    const dithered = decodeWav(encodeWav([x], SR, { bitDepth: 16 })).channels[0];
    const mean = dithered.reduce((a, b) => a + b, 0) / dithered.length;
    expect(mean * 32768).toBeGreaterThan(0.2);
    expect(mean * 32768).toBeLessThan(0.3);
    expect(Math.max(...dithered.map(Math.abs)) * 32768).toBeLessThanOrEqual(2);
    expect(encodeWav([x], SR, { bitDepth: 16 })).toEqual(encodeWav([x], SR, { bitDepth: 16 }));
  });

  it('writes WAVE_FORMAT_EXTENSIBLE for more than two channels and reads it back', () => {
    const chans = [sine(100, 480), sine(200, 480), sine(300, 480), sine(400, 480)];
    const bytes = encodeWav(chans, SR, { bitDepth: 24 });
    expect(new DataView(bytes.buffer).getUint16(20, true)).toBe(0xfffe);
    const d = decodeWav(bytes);
    expect(d.channels).toHaveLength(4);
    expect(maxAbsDiff(d.channels[3], chans[3])).toBeLessThan(2 / 8388608);
  });

  it('rejects bad encode arguments', () => {
    expect(() => encodeWav([], SR, { bitDepth: 16 })).toThrow(AudioFormatError);
    expect(() => encodeWav([new Float32Array(2), new Float32Array(3)], SR, { bitDepth: 16 })).toThrow(/same length/);
    expect(() => encodeWav([new Float32Array(2)], 1000, { bitDepth: 16 })).toThrow(/Sample rate/);
    expect(() => encodeWav([new Float32Array(2)], SR, { bitDepth: 24, float: true })).toThrow(/32-bit/);
  });
});

describe('decodeWav with foreign files', () => {
  it('reads 64-bit float, 8-bit unsigned and extensible float, skipping unknown chunks', () => {
    const f64 = new Uint8Array(16);
    new DataView(f64.buffer).setFloat64(0, 0.5, true);
    new DataView(f64.buffer).setFloat64(8, -0.125, true);
    const d64 = decodeWav(buildWav({ tag: 3, channels: 1, sampleRate: 96000, bits: 64, data: f64, extraChunks: [['bext', new Uint8Array(7)]] }));
    expect(d64).toMatchObject({ sampleRate: 96000, bitDepth: 64, format: 'float' });
    expect(Array.from(d64.channels[0])).toEqual([0.5, -0.125]);

    const d8 = decodeWav(buildWav({ tag: 1, channels: 2, sampleRate: 8000, bits: 8, data: new Uint8Array([128, 0, 255, 192]) }));
    expect(Array.from(d8.channels[0])).toEqual([0, 127 / 128]);
    expect(Array.from(d8.channels[1])).toEqual([-1, 0.5]);

    const f32 = new Uint8Array(8);
    new DataView(f32.buffer).setFloat32(0, 0.75, true);
    new DataView(f32.buffer).setFloat32(4, -0.75, true);
    const dx = decodeWav(buildWav({ tag: 0, channels: 2, sampleRate: 48000, bits: 32, data: f32, extensibleSubformat: 3 }));
    expect(dx.format).toBe('float');
    expect(Array.from(dx.channels[0])).toEqual([0.75]);
    expect(Array.from(dx.channels[1])).toEqual([-0.75]);
  });

  it('decodes 24-bit negative samples with sign extension', () => {
    const data = new Uint8Array([0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]);
    const d = decodeWav(buildWav({ tag: 1, channels: 1, sampleRate: 48000, bits: 24, data }));
    expect(Array.from(d.channels[0])).toEqual([-1, 8388607 / 8388608, -1 / 8388608]);
  });

  it('clamps a data size that claims more than the file holds, dropping a partial frame', () => {
    const data = new Uint8Array(10); // 2.5 stereo 16-bit frames
    const d = decodeWav(buildWav({ tag: 1, channels: 2, sampleRate: 44100, bits: 16, data, dataSizeOverride: 0xffffffff }));
    expect(d.channels[0].length).toBe(2);
  });

  it('ignores a RIFF size that lies', () => {
    const bytes = encodeWav([new Float32Array([0.5, -0.5])], SR, { bitDepth: 16, dither: 'none' });
    new DataView(bytes.buffer).setUint32(4, 0, true);
    expect(Array.from(decodeWav(bytes).channels[0])).toEqual([0.5, -0.5]);
  });

  it('gives typed, specific errors for broken files', () => {
    const good = encodeWav([new Float32Array(10)], SR, { bitDepth: 16 });
    expectFormatError(() => decodeWav(new Uint8Array(5)), 'truncated', /12/);
    expectFormatError(() => decodeWav(new TextEncoder().encode('ID3\u0004 this is an mp3, honest')), 'not-wav', /RIFF/);
    expectFormatError(() => decodeWav(good.subarray(0, 30)), 'truncated', /fmt/);
    expectFormatError(() => decodeWav(good.subarray(0, 40)), 'truncated', /data/);
    expectFormatError(() => decodeWav(good.subarray(0, 44)), 'empty', /no audio frames/);
    expectFormatError(() => decodeWav(buildWav({ tag: 1, channels: 0, sampleRate: 48000, bits: 16, data: new Uint8Array(4) })), 'invalid', /zero channels/);
    expectFormatError(() => decodeWav(buildWav({ tag: 1, channels: 1, sampleRate: 4000, bits: 16, data: new Uint8Array(4) })), 'unsupported', /4000 Hz/);
    expectFormatError(() => decodeWav(buildWav({ tag: 1, channels: 1, sampleRate: 768000, bits: 16, data: new Uint8Array(4) })), 'unsupported', /768000/);
    expectFormatError(() => decodeWav(buildWav({ tag: 0x55, channels: 1, sampleRate: 48000, bits: 16, data: new Uint8Array(4) })), 'unsupported', /0x55/);
    expectFormatError(() => decodeWav(buildWav({ tag: 1, channels: 1, sampleRate: 48000, bits: 12, data: new Uint8Array(4) })), 'unsupported', /12/);
  });
});

describe('interop with sox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixroom-wav-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let hasSox = true;
  try { execFileSync('sox', ['--version']); } catch { hasSox = false; }

  it.skipIf(!hasSox)('sox reads our files and we read sox files', () => {
    const ours = join(dir, 'ours.wav');
    writeFileSync(ours, encodeWav([sine(1000, 48000, 0.5), sine(1000, 48000, 0.25)], SR, { bitDepth: 24 }));
    const info = execFileSync('sox', ['--i', ours]).toString();
    expect(info).toMatch(/Channels\s*:\s*2/);
    expect(info).toMatch(/Sample Rate\s*:\s*48000/);
    expect(info).toMatch(/Precision\s*:\s*24-bit/);
    // sox prints stat to stderr; the left channel was written at 0.5 peak.
    const stat = spawnSync('sox', [ours, '-n', 'remix', '1', 'stat']).stderr.toString();
    const maxAmp = Number(/Maximum amplitude:\s*([\d.]+)/.exec(stat)?.[1]);
    expect(maxAmp).toBeGreaterThan(0.499);
    expect(maxAmp).toBeLessThan(0.501);

    const theirs = join(dir, 'theirs.wav');
    // sox writes WAVE_FORMAT_EXTENSIBLE for float and >2 channels.
    execFileSync('sox', ['-n', '-r', '44100', '-c', '3', '-e', 'floating-point', '-b', '32', theirs, 'synth', '0.1', 'sine', '440', 'vol', '0.5']);
    const d = decodeWav(readFileSync(theirs));
    expect(d).toMatchObject({ sampleRate: 44100, format: 'float', bitDepth: 32 });
    expect(d.channels).toHaveLength(3);
    expect(d.channels[0].length).toBe(4410);
    const peak = Math.max(...d.channels[2].map(Math.abs));
    expect(peak).toBeGreaterThan(0.49);
    expect(peak).toBeLessThan(0.51);
  });
});
