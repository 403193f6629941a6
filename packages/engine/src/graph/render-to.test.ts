import { beforeAll, describe, expect, it } from 'vitest';
import { WavEncoder, encodeWav } from '../audio/wav';
import { musicLike } from '../loudness/test-signals';
import { installWebAudioGlobals } from '../node';
import type { StemSource } from '../offline/stem-source';
import { AudioBufferSource } from '../offline/stem-source';
import { renderMix, renderMixTo } from './render';
import { SR, bufferFrom, mixOf, sines } from './test-support';

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** An AudioBuffer read through prepare/read, recording what the render asked to prepare. */
class Prepared implements StemSource {
  readonly inner: AudioBufferSource;
  readonly asked: Array<[number, number]> = [];
  private window: [number, number] = [0, 0];
  constructor(b: AudioBuffer) {
    this.inner = new AudioBufferSource(b);
  }
  get sampleRate() { return this.inner.sampleRate; }
  get numberOfChannels() { return this.inner.numberOfChannels; }
  get length() { return this.inner.length; }
  async prepare(start: number, frames: number) {
    this.asked.push([start, frames]);
    this.window = [start, start + frames];
  }
  read(start: number, frames: number, out: Float32Array[]) {
    if (start < this.window[0] || start + frames > this.window[1]) throw new Error(`read ${start}+${frames} outside the prepared ${this.window}`);
    return this.inner.read(start, frames, out);
  }
}

describe('renders written as they go', () => {
  beforeAll(() => installWebAudioGlobals());

  it('WavEncoder in pieces gives the bytes of encodeWav (dither running on; 24-bit mono odd length pads)', () => {
    const [l, r] = musicLike(SR, 0.5, 4);
    for (const [chans, opts] of [
      [[l, r], { bitDepth: 24 }],
      [[l, r], { bitDepth: 16 }],
      [[l.subarray(0, 12_345)], { bitDepth: 24 }],
      [[l, r], { bitDepth: 32, float: true }],
    ] as const) {
      const whole = encodeWav([...chans], SR, opts);
      const enc = new WavEncoder(chans.length, chans[0].length, SR, opts);
      const parts = [enc.header()];
      for (let at = 0; at < chans[0].length; at += 7_001) parts.push(enc.encode(chans.map((c) => c.subarray(at, at + 7_001)), Math.min(7_001, chans[0].length - at)));
      expect(Buffer.compare(Buffer.from(concat(parts)), Buffer.from(whole))).toBe(0);
    }
  });

  it('renderMixTo writes the bytes of renderMix, over several segments, reading streamed stems only where prepared', async () => {
    const seconds = 35;
    const [ml, mr] = musicLike(SR, seconds, 9);
    const bass = bufferFrom([sines([55, 110], 0.3, 20)]); // shorter than the song, mono
    const state = mixOf(['music', 'bass'], (m) => {
      m.setChannelParam('music', 'comp.on', 1);
      m.setChannelParam('music', 'send1.level', -10);
      m.setChannelParam('bass', 'send2.level', -12);
      m.setMasterParam('glue.on', 1);
    });
    const music = bufferFrom([ml, mr]);
    const { wav } = await renderMix(null, state, new Map([['music', music], ['bass', bass]]), { bitDepth: 24 });
    const streamed = new Prepared(music);
    const parts: Uint8Array[] = [];
    const res = await renderMixTo(state, new Map<string, AudioBuffer | StemSource>([['music', streamed], ['bass', bass]]), { bitDepth: 24 }, (b) => void parts.push(b.slice()));
    expect(res.frames).toBe(seconds * SR);
    expect(parts.length).toBeGreaterThan(3); // header + one piece per 16 s segment
    expect(Buffer.compare(Buffer.from(concat(parts)), Buffer.from(wav))).toBe(0);
    // Asked a few seconds at a time, in order, covering the song once.
    expect(Math.max(...streamed.asked.map(([, n]) => n))).toBeLessThanOrEqual(65_536);
    let next = 0;
    for (const [start, n] of streamed.asked) {
      expect(start).toBe(next);
      next += n;
    }
    expect(next).toBeGreaterThanOrEqual(seconds * SR);
  });
});
