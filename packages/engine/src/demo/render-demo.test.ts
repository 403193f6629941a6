import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderDemoStems, type DemoSong } from './render-demo';

const DURATION = 8;

function hashSong(song: DemoSong): string {
  const h = createHash('sha256');
  for (const s of song.stems) {
    h.update(s.name);
    for (const ch of s.channels) h.update(new Uint8Array(ch.buffer, ch.byteOffset, ch.byteLength));
  }
  return h.digest('hex');
}

function rmsDb(channels: Float32Array[]): number {
  let sum = 0;
  let n = 0;
  for (const ch of channels) for (let i = 0; i < ch.length; i++) { sum += ch[i] * ch[i]; n++; }
  return 10 * Math.log10(sum / n);
}

function peak(channels: Float32Array[]): number {
  let p = 0;
  for (const ch of channels) for (let i = 0; i < ch.length; i++) p = Math.max(p, Math.abs(ch[i]));
  return p;
}

describe('renderDemoStems', () => {
  let song: DemoSong;
  const progress: number[] = [];

  beforeAll(async () => {
    song = await renderDemoStems({ durationSec: DURATION, onProgress: (f) => progress.push(f) });
  });

  it('delivers 6+ named stereo 48 kHz stems of the requested length', () => {
    expect(song.tempo).toBe(120);
    expect(song.title).toBeTruthy();
    expect(song.stems.length).toBeGreaterThanOrEqual(6);
    expect(new Set(song.stems.map((s) => s.name)).size).toBe(song.stems.length);
    for (const s of song.stems) {
      expect(s.sampleRate).toBe(48000);
      expect(s.channels).toHaveLength(2);
      expect(s.channels[0].length).toBe(DURATION * 48000);
      expect(s.channels[1].length).toBe(DURATION * 48000);
    }
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('every stem has real content, sits at -6..-3 dBFS peak and never clips', () => {
    for (const s of song.stems) {
      const p = peak(s.channels);
      expect(p, s.name).toBeLessThan(1);
      expect(20 * Math.log10(p), s.name).toBeGreaterThanOrEqual(-6.05);
      expect(20 * Math.log10(p), s.name).toBeLessThanOrEqual(-2.95);
      expect(rmsDb(s.channels), s.name).toBeGreaterThan(-40);
      // Stereo, not dual mono, for at least the panned/delayed parts.
    }
    const wide = song.stems.filter((s) => s.channels[0].some((v, i) => Math.abs(v - s.channels[1][i]) > 1e-3));
    expect(wide.length).toBeGreaterThanOrEqual(3);
  });

  it('stems at their suggested gains sum to a loud, unclipped mix', () => {
    const n = DURATION * 48000;
    const mix = [new Float32Array(n), new Float32Array(n)];
    for (const s of song.stems) {
      const g = 10 ** (s.suggestedGainDb / 20);
      for (let c = 0; c < 2; c++) for (let i = 0; i < n; i++) mix[c][i] += g * s.channels[c][i];
    }
    const p = peak(mix);
    expect(20 * Math.log10(p)).toBeCloseTo(-1, 0);
    expect(rmsDb(mix)).toBeGreaterThan(-25);
  });

  it('is deterministic', async () => {
    const again = await renderDemoStems({ durationSec: DURATION });
    expect(hashSong(again)).toBe(hashSong(song));
  });
});
