import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { renderMixDetailed } from '../graph/render';
import { mixOf } from '../graph/test-support';
import type { MixModel } from '../model/mix-model';
import { LiveMixCore } from '../live/mix-core';
import { statusBytes, type LiveChannelConfig } from '../live/mix-protocol';
import { copyFrames } from './stem-source';

/**
 * Issue 18, the smaller items: a stereo stem pans as a true stereo pan (no +6 dB at the sides),
 * with balance as a separate law; and the reverb of a hard-panned source reaches both sides.
 * At 44.1 and 48 kHz, against theory (the equal-power law), through the offline render, and for
 * the pan through the live mix core too (the same DSP must give the same levels).
 */

const db = (x: number) => 20 * Math.log10(x);
const SECONDS = 0.5;

function sine(f: number, amp: number, fs: number, seconds = SECONDS): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * fs) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / fs));
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

/** A dry mix (no limiter, no sends) of one channel 'x' with `edit`. */
function dry(edit: (m: MixModel) => void) {
  return mixOf(['x'], (m) => {
    m.setMasterParam('limiter.on', 0);
    m.setChannelParam('x', 'send1.level', -Infinity);
    m.setChannelParam('x', 'send2.level', -Infinity);
    edit(m);
  });
}

async function render(state: ReturnType<typeof dry>, stem: Float32Array[], fs: number): Promise<Float32Array[]> {
  const b = new AudioBuffer({ length: stem[0].length, numberOfChannels: stem.length, sampleRate: fs });
  stem.forEach((d, c) => b.copyToChannel(d as Float32Array<ArrayBuffer>, c));
  const { audio } = await renderMixDetailed(null, state, new Map([['x', b]]), { sampleRate: fs });
  return [audio.getChannelData(0).slice(), audio.getChannelData(1).slice()];
}

/** The live mix core (the mix worklet's code) playing the same stem and state. */
function live(state: ReturnType<typeof dry>, stem: Float32Array[], fs: number): Float32Array[] {
  const core = new LiveMixCore(fs, new SharedArrayBuffer(statusBytes()));
  core.setStemReader('x', { channels: stem.length, length: stem[0].length, read: (start, frames, out) => copyFrames(stem, start, frames, out) });
  const configs: LiveChannelConfig[] = state.channels.map((c) => ({ id: c.id, stemId: c.stemId, params: c.params, audible: c.audible, directOn: true, reverbOn: true, delayOn: true }));
  core.receive({ type: 'channels', channels: configs, immediate: true });
  core.receive({ type: 'start', frame: 0, songFrame: 0, rate: 1 });
  const n = stem[0].length;
  const out = [new Float32Array(n), new Float32Array(n)];
  const outputs = [0, 1, 2].map(() => [new Float32Array(128), new Float32Array(128)]);
  for (let f = 0; f < n; f += 128) {
    const k = Math.min(128, n - f);
    core.process(outputs, f, k);
    out[0].set(outputs[0][0].subarray(0, k), f);
    out[1].set(outputs[0][1].subarray(0, k), f);
  }
  return out;
}

/** The mono equal-power law: left and right gains of a mono source at `pan`. */
const monoLaw = (pan: number) => [Math.cos(((pan + 1) * Math.PI) / 4), Math.sin(((pan + 1) * Math.PI) / 4)];

describe('pan law of stereo stems', () => {
  beforeAll(() => installWebAudioGlobals());

  for (const fs of [44100, 48000]) {
    describe(`at ${fs} Hz`, () => {
      const amp = 0.25;
      const tone = sine(440, amp, fs);
      const ref = rms(tone);

      it('a stereo stem of two equal channels pans exactly as the same audio in mono would (hard left +3 dB, not +6 dB)', async () => {
        for (const pan of [-1, -0.5, 0, 0.3, 1]) {
          const state = dry((m) => m.setPan('x', pan));
          for (const [name, out] of [['render', await render(state, [tone, tone], fs)], ['live', live(state, [tone, tone], fs)]] as const) {
            // The mono stem of the same audio at √2 amplitude has the stereo stem's level at centre.
            const [gl, gr] = monoLaw(pan).map((g) => g * Math.SQRT2);
            const l = rms(out[0]) / ref;
            const r = rms(out[1]) / ref;
            expect(Math.abs(db(l) - db(gl)), `${name} left at pan ${pan}`).toBeLessThan(0.01);
            if (gr > 1e-6) expect(Math.abs(db(r) - db(gr)), `${name} right at pan ${pan}`).toBeLessThan(0.01);
            else expect(r, `${name} right at pan ${pan}`).toBeLessThan(1e-6);
          }
        }
        // The figure the issue names: hard left is +3.01 dB on the left, the right silent.
        const [l] = await render(dry((m) => m.setPan('x', -1)), [tone, tone], fs);
        expect(db(rms(l) / ref)).toBeCloseTo(3.01, 2);
      });

      it('hard left puts both channels of a stereo stem into the left output, centre leaves it untouched', async () => {
        const left = sine(300, amp, fs);
        const right = sine(1000, amp, fs);
        const [l, r] = await render(dry((m) => m.setPan('x', -1)), [left, right], fs);
        expect(rms(r)).toBeLessThan(1e-6);
        // Each channel reaches the left output (uncorrelated: each at −3 dB, their power kept at one channel's).
        const p300 = goertzel(l, 300, fs) / amp;
        const p1k = goertzel(l, 1000, fs) / amp;
        expect(db(p300)).toBeCloseTo(-3.01, 1);
        expect(db(p1k)).toBeCloseTo(-3.01, 1);
        const [cl, cr] = await render(dry((m) => m.setPan('x', 0)), [left, right], fs);
        expect(Math.max(...cl.map((v, i) => Math.abs(v - left[i])))).toBeLessThan(1e-7);
        expect(Math.max(...cr.map((v, i) => Math.abs(v - right[i])))).toBeLessThan(1e-7);
      });

      it('balance stays available as pan law 1 (the far channel summed into the near one)', async () => {
        const state = dry((m) => {
          m.setPan('x', -1);
          m.setChannelParam('x', 'pan.law', 1);
        });
        for (const out of [await render(state, [tone, tone], fs), live(state, [tone, tone], fs)]) {
          expect(db(rms(out[0]) / ref)).toBeCloseTo(6.02, 2);
          expect(rms(out[1])).toBeLessThan(1e-6);
        }
      });

      it('a mono stem keeps its equal-power law (−3 dB per side at centre, 0 dB hard left)', async () => {
        for (const pan of [-1, 0, 0.5]) {
          const [l, r] = await render(dry((m) => m.setPan('x', pan)), [tone], fs);
          const [gl, gr] = monoLaw(pan);
          expect(Math.abs(db(rms(l) / ref) - db(gl))).toBeLessThan(0.01);
          if (gr > 1e-6) expect(Math.abs(db(rms(r) / ref) - db(gr))).toBeLessThan(0.01);
        }
      });
    });
  }
});

function goertzel(x: Float32Array, f: number, fs: number): number {
  // Over a whole number of periods of both test tones (10 ms multiples at 44.1 and 48 kHz).
  const n = Math.floor(x.length / (fs / 100)) * (fs / 100);
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * f) / fs;
  for (let i = 0; i < n; i++) {
    re += x[i] * Math.cos(w * i);
    im -= x[i] * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / n;
}

describe('the reverb spreads a panned source across the stereo field', () => {
  beforeAll(() => installWebAudioGlobals());

  /** The reverb return alone (focus fx) of a mono noise burst hard left. */
  async function reverbOfHardLeft(fs: number): Promise<Float32Array[]> {
    const n = Math.round(1.5 * fs);
    const burst = new Float32Array(n);
    let seed = 12345;
    for (let i = 0; i < Math.round(0.2 * fs); i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      burst[i] = ((seed / 2 ** 32) * 2 - 1) * 0.3;
    }
    const state = mixOf(['x'], (m) => {
      m.setMasterParam('limiter.on', 0);
      m.setPan('x', -1);
      m.setChannelParam('x', 'send1.level', 0);
      m.setFxParam('reverb', 'reverb.decay', 1);
    });
    const b = new AudioBuffer({ length: n, numberOfChannels: 1, sampleRate: fs });
    b.copyToChannel(burst, 0);
    const { audio } = await renderMixDetailed(null, state, new Map([['x', b]]), { sampleRate: fs, focus: { kind: 'fx', bus: 'reverb' } });
    return [audio.getChannelData(0).slice(), audio.getChannelData(1).slice()];
  }

  for (const fs of [44100, 48000]) {
    it(`at ${fs} Hz: a hard-left source's reverb has energy on both sides (far side −6 dB), decorrelated`, async () => {
      const [l, r] = await reverbOfHardLeft(fs);
      const el = rms(l);
      const er = rms(r);
      expect(el).toBeGreaterThan(1e-3);
      // Theory: the send's spread matrix puts 1/3 of the source into the right input (−9.5 dB in
      // amplitude); the two decorrelated rooms of equal energy then give (1/3)² / ((2/3)² + …):
      // right/left energy = (1/9) / (4/9) → −6.02 dB, within the noise of a 1.5 s measurement.
      expect(db(er / el)).toBeGreaterThan(-7.5);
      expect(db(er / el)).toBeLessThan(-4.5);
      let lr = 0;
      for (let i = 0; i < l.length; i++) lr += l[i] * r[i];
      const correlation = lr / (el * er * l.length);
      console.log(`reverb of a hard-left source at ${fs} Hz: right/left ${db(er / el).toFixed(2)} dB, correlation ${correlation.toFixed(3)}`);
      expect(Math.abs(correlation)).toBeLessThan(0.3);
    });
  }
});
