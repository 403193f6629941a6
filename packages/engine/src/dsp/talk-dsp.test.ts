// The talkback DSP: the ducker's gain envelope (attack, hold, release, no pumping) and the
// voice-activity detector on recorded speech (espeak-ng, test/speech/speech-16k.wav), silence,
// white noise and hum.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeWav } from '../audio/wav';
import { mulberry32 } from '../util/prng';
import { DuckerEnvelope } from './ducker';
import { SidechainDucker } from './sidechain-ducker';
import { VoiceActivityDetector } from './voice-activity';

const db = (g: number) => 20 * Math.log10(g);

describe('DuckerEnvelope', () => {
  const sr = 48000;
  const ms = (t: number) => Math.round((t / 1000) * sr);

  it('goes down by the depth over the attack, holds, then comes back over the release', () => {
    const d = new DuckerEnvelope({ sampleRate: sr });
    expect(d.advance(false, ms(100))).toBe(1);
    expect(db(d.advance(true, ms(15)))).toBeCloseTo(-6, 1);
    expect(db(d.advance(true, ms(15)))).toBeCloseTo(-12, 3);
    expect(db(d.advance(true, ms(500)))).toBeCloseTo(-12, 6);
    // Voice stops: 300 ms at the depth …
    expect(db(d.advance(false, ms(299)))).toBeCloseTo(-12, 6);
    // … then 600 ms back to 0 dB, linearly in dB.
    expect(db(d.advance(false, ms(1) + ms(300)))).toBeCloseTo(-6, 1);
    expect(db(d.advance(false, ms(300)))).toBeCloseTo(0, 3);
    expect(d.ducking).toBe(false);
  });

  it('does not pump between words: gaps shorter than the hold keep the music down', () => {
    const d = new DuckerEnvelope({ sampleRate: sr });
    const out = new Float32Array(ms(10));
    let maxDuringSpeech = -Infinity;
    let t = 0;
    // 4 s of "speech": 350 ms words with 250 ms gaps.
    while (t < 4000) {
      const talking = t % 600 < 350;
      d.process(talking, out);
      if (t > 50) for (const g of out) maxDuringSpeech = Math.max(maxDuringSpeech, db(g));
      t += 10;
    }
    expect(maxDuringSpeech).toBeLessThan(-11.99);
  });

  it('per-sample gains match advance() and follow a depth change', () => {
    const a = new DuckerEnvelope({ sampleRate: sr, depthDb: -20 });
    const b = new DuckerEnvelope({ sampleRate: sr, depthDb: -20 });
    const out = new Float32Array(ms(40));
    a.process(true, out);
    expect(out[0]).toBeLessThan(1);
    expect(out[out.length - 1]).toBeCloseTo(b.advance(true, out.length), 6);
    for (let i = 1; i < out.length; i++) expect(out[i]).toBeLessThanOrEqual(out[i - 1]);
    a.setDepth(-6);
    expect(db(a.advance(true, ms(2000)))).toBeCloseTo(-6, 6);
    a.setDepth(0);
    expect(db(a.advance(true, ms(1000)))).toBeCloseTo(0, 6);
  });
});

function speech(): { samples: Float32Array; sampleRate: number } {
  const wav = decodeWav(new Uint8Array(readFileSync(new URL('../../test/speech/speech-16k.wav', import.meta.url))));
  return { samples: wav.channels[0], sampleRate: wav.sampleRate };
}

/** Runs the detector over `x` in blocks; returns one activity flag per block. */
function run(x: Float32Array, sampleRate: number, block: number) {
  const vad = new VoiceActivityDetector({ sampleRate });
  const flags: boolean[] = [];
  for (let i = 0; i + block <= x.length; i += block) flags.push(vad.process(x.subarray(i, i + block)));
  return flags;
}

/** Where the recording has speech: blocks within 40 dB of its loudest block, first to last. */
function speechSpan(x: Float32Array, block: number): [number, number] {
  const levels: number[] = [];
  for (let i = 0; i + block <= x.length; i += block) {
    let s = 0;
    for (let k = i; k < i + block; k++) s += x[k] * x[k];
    levels.push(10 * Math.log10(s / block + 1e-20));
  }
  const max = Math.max(...levels);
  const loud = levels.map((l, i) => (l > max - 40 ? i : -1)).filter((i) => i >= 0);
  return [loud[0], loud[loud.length - 1]];
}

function withSilence(x: Float32Array, sampleRate: number, beforeSec: number, afterSec: number, noiseDb = -Infinity, seed = 1) {
  const pre = Math.round(beforeSec * sampleRate);
  const out = new Float32Array(pre + x.length + Math.round(afterSec * sampleRate));
  out.set(x, pre);
  if (Number.isFinite(noiseDb)) {
    const rand = mulberry32(seed);
    const a = 10 ** (noiseDb / 20) * Math.sqrt(3);
    for (let i = 0; i < out.length; i++) out[i] += (rand() * 2 - 1) * a;
  }
  return { x: out, pre };
}

function upsample3(x: Float32Array): Float32Array {
  // Linear interpolation is enough: the detector looks at level and zero crossings.
  const out = new Float32Array(x.length * 3);
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = i + 1 < x.length ? x[i + 1] : a;
    out[3 * i] = a;
    out[3 * i + 1] = a + (b - a) / 3;
    out[3 * i + 2] = a + ((b - a) * 2) / 3;
  }
  return out;
}

describe('VoiceActivityDetector', () => {
  const cases = [
    { name: '16 kHz, 20 ms blocks', rate: 16000, block: 320, up: false },
    { name: '48 kHz, 1024-sample blocks (an AnalyserNode)', rate: 48000, block: 1024, up: true },
  ];
  for (const c of cases) {
    for (const noiseDb of [-Infinity, -50]) {
      it(`finds recorded speech and nothing around it (${c.name}, ${Number.isFinite(noiseDb) ? `white noise at ${noiseDb} dBFS` : 'digital silence'} around and under it)`, () => {
        const s = speech();
        const voice = c.up ? upsample3(s.samples) : s.samples;
        const { x, pre } = withSilence(voice, c.rate, 1.5, 1.5, noiseDb);
        const flags = run(x, c.rate, c.block);
        // The span is read from the recording without the noise.
        const [first, last] = speechSpan(withSilence(voice, c.rate, 1.5, 1.5).x, c.block);
        const blockMs = (c.block / c.rate) * 1000;
        // Nothing before the speech.
        expect(flags.slice(0, Math.floor(pre / c.block)).some(Boolean)).toBe(false);
        // Onset within 100 ms of the first speech block.
        const onset = flags.findIndex(Boolean);
        expect(onset).toBeGreaterThanOrEqual(first);
        expect((onset - first) * blockMs).toBeLessThan(100);
        // Active through ≥ 90 % of the span (the hangover bridges the gaps between words).
        const within = flags.slice(first, last + 1);
        expect(within.filter(Boolean).length / within.length).toBeGreaterThan(0.9);
        // Over once the speech is: within the hangover and a block.
        const after = Math.ceil((250 + 2 * blockMs) / blockMs);
        expect(flags.slice(last + after).some(Boolean)).toBe(false);
      });
    }
  }

  it('stays off for silence, white noise at any level and a steady hum', () => {
    const sr = 48000;
    const len = sr * 5;
    expect(run(new Float32Array(len), sr, 1024).some(Boolean)).toBe(false);
    for (const level of [-70, -40, -20, -6]) {
      const { x } = withSilence(new Float32Array(0), sr, 5, 0, level, 7);
      expect(run(x, sr, 1024).some(Boolean), `white noise at ${level} dBFS`).toBe(false);
    }
    // Noise that starts after silence (the floor has not heard it yet) is still not voice: it crosses zero like hiss.
    for (const level of [-40, -20]) {
      const { x } = withSilence(new Float32Array(0), sr, 0, 3, level, 9);
      for (let i = 0; i < sr; i++) x[i] *= 10 ** ((-80 - level) / 20);
      expect(run(x, sr, 1024).some(Boolean), `white noise at ${level} dBFS after silence`).toBe(false);
    }
    const hum = new Float32Array(len);
    for (let i = 0; i < len; i++) hum[i] = 0.1 * Math.sin((2 * Math.PI * 50 * i) / sr) + 0.05 * Math.sin((2 * Math.PI * 150 * i) / sr);
    expect(run(hum, sr, 1024).some(Boolean), 'hum').toBe(false);
  });

  it('finds speech over a steady hum it has got used to', () => {
    const s = speech();
    const sr = s.sampleRate;
    const { x, pre } = withSilence(s.samples, sr, 3, 0.5);
    for (let i = 0; i < x.length; i++) x[i] += 0.02 * Math.sin((2 * Math.PI * 150 * i) / sr);
    const flags = run(x, sr, 320);
    expect(flags.slice(0, Math.floor(pre / 320)).some(Boolean)).toBe(false);
    expect(flags.slice(Math.floor(pre / 320)).filter(Boolean).length).toBeGreaterThan(0.7 * (s.samples.length / 320));
  });
});

describe('SidechainDucker (the audio-thread ducker: detector + envelope in 128-frame blocks)', () => {
  const sr = 48000;
  /** Runs music at 1.0 through the ducker with `side` as the voices; returns the gain (dB) after each block and the block length in ms. */
  const run = (side: Float32Array | null, frames: number, force: (t: number) => boolean = () => false) => {
    const ducker = new SidechainDucker(sr);
    const music = [new Float32Array(128), new Float32Array(128)];
    const out: number[] = [];
    for (let i = 0; i + 128 <= frames; i += 128) {
      music[0].fill(1);
      music[1].fill(1);
      ducker.force = force(i / sr);
      ducker.process(music, side ? side.subarray(i, i + 128) : null, 128);
      // The output is the music times the gain, sample by sample: the last sample is the gain now.
      expect(music[0][127]).toBe(music[1][127]);
      out.push(db(music[0][127]));
    }
    return out;
  };
  const blockMs = (128 / sr) * 1000;

  it('ducks the music by 12 dB while recorded speech arrives, within the detector onset + attack, and lets it back after', () => {
    const s = speech();
    const voice = withSilence(upsample3(s.samples), sr, 1.5, 2.5);
    const [first, last] = speechSpan(voice.x, 128);
    const gains = run(voice.x, voice.x.length);
    // Nothing before the speech.
    expect(Math.min(...gains.slice(0, first))).toBe(0);
    // Full depth within 20 ms (onset) + 30 ms (attack) + 2 blocks, plus up to 60 ms: `first` is the
    // first block within 40 dB of the loudest, a breath the detector (above −50 dBFS and 10 dB over
    // its floor) does not count as voice yet. Measured: 98.7 ms.
    const reached = gains.findIndex((g, i) => i >= first && g <= -11.99);
    console.log(`speech from block ${first}: −12 dB after ${((reached - first) * blockMs).toFixed(1)} ms`);
    expect((reached - first) * blockMs).toBeLessThan(20 + 30 + 2 * blockMs + 60);
    // Down (no pumping) through the speech, pauses included.
    expect(Math.max(...gains.slice(reached, last))).toBeLessThan(-11.9);
    // Back at 0 dB by hangover 250 + hold 300 + release 600 ms after the last speech block.
    const back = Math.ceil((250 + 300 + 600) / blockMs) + 2;
    expect(gains[last + back]).toBe(0);
  });

  it('leaves the music alone on silence, no voice at all, and white noise', () => {
    expect(Math.min(...run(new Float32Array(sr * 3), sr * 3))).toBe(0);
    expect(Math.min(...run(null, sr * 3))).toBe(0);
    const noise = withSilence(new Float32Array(sr * 2), sr, 0.5, 0.5, -20).x;
    expect(Math.min(...run(noise, noise.length))).toBe(0);
  });

  it('ducks while forced (oneself talking, a voice note playing) with no voice on the sidechain', () => {
    const gains = run(null, sr * 3, (t) => t >= 0.5 && t < 1.5);
    const at = (t: number) => gains[Math.floor((t * sr) / 128)];
    expect(at(0.4)).toBe(0);
    expect(at(0.5 + 0.035)).toBeCloseTo(-12, 6);
    expect(at(1.4)).toBeCloseTo(-12, 6);
    expect(at(1.5 + 0.29)).toBeCloseTo(-12, 6);
    expect(at(1.5 + 0.3 + 0.3)).toBeCloseTo(-6, 0);
    expect(at(2.5)).toBe(0);
  });
});
