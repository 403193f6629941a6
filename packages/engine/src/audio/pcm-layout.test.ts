import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from './wav';
import { parsePcmLayout, pcmToFloat } from './pcm-layout';

const sine = (n: number, f: number, a: number) => Float32Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / 48000));

describe('PCM layout', () => {
  for (const opts of [{ bitDepth: 16 as const, dither: 'none' as const }, { bitDepth: 24 as const, dither: 'none' as const }, { bitDepth: 32 as const, float: true }, { bitDepth: 32 as const }]) {
    it(`reads any frame range of a ${opts.bitDepth}-bit${'float' in opts ? ' float' : ''} WAV as the whole-file decoder does`, () => {
      const wav = encodeWav([sine(5000, 440, 0.7), sine(5000, 1000, -0.4)], 48000, opts);
      const layout = parsePcmLayout(wav.subarray(0, 200), wav.length)!;
      expect(layout).toMatchObject({ sampleRate: 48000, channels: 2, frames: 5000, float: !!('float' in opts && opts.float) });
      const whole = decodeWav(wav);
      const from = 1234;
      const frames = 777;
      const align = layout.channels * layout.bytesPerSample;
      const bytes = wav.subarray(layout.dataOffset + from * align, layout.dataOffset + (from + frames) * align);
      const out = [new Float32Array(frames), new Float32Array(frames)];
      pcmToFloat(bytes, layout, frames, out);
      expect(Array.from(out[0])).toEqual(Array.from(whole.channels[0].subarray(from, from + frames)));
      expect(Array.from(out[1])).toEqual(Array.from(whole.channels[1].subarray(from, from + frames)));
    });
  }

  it('reads big-endian AIFF (the rate from its 80-bit float) and refuses compressed files', () => {
    const frames = 100;
    const head = new Uint8Array(12 + 26 + 16 + frames * 2 * 3);
    const v = new DataView(head.buffer);
    const put = (at: number, s: string) => [...s].forEach((ch, i) => (head[at + i] = ch.charCodeAt(0)));
    put(0, 'FORM'); v.setUint32(4, head.length - 8); put(8, 'AIFF');
    put(12, 'COMM'); v.setUint32(16, 18); v.setUint16(20, 2); v.setUint32(22, frames); v.setUint16(26, 24);
    // 44100 as 80-bit extended: exponent 16383 + 15, mantissa 44100 << 48.
    v.setUint16(28, 16383 + 15); v.setUint32(30, 44100 * 2 ** 16); v.setUint32(34, 0);
    put(38, 'SSND'); v.setUint32(42, 8 + frames * 6); v.setUint32(46, 0); v.setUint32(50, 0);
    // Frame 3, left channel: 0x400000 = +0.5.
    head[54 + 3 * 6] = 0x40;
    const layout = parsePcmLayout(head)!;
    expect(layout).toMatchObject({ sampleRate: 44100, channels: 2, bytesPerSample: 3, bigEndian: true, frames, dataOffset: 54 });
    const out = [new Float32Array(frames)];
    pcmToFloat(head.subarray(54), layout, frames, out);
    expect(out[0][3]).toBe(0.5);
    expect(parsePcmLayout(new TextEncoder().encode('fLaC\0\0\0\x22 not a wav file'))).toBeNull();
  });
});
