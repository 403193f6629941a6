import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../audio/wav';
import { installWebAudioGlobals } from '../node/audio-context';
import { FourBandEq } from '../graph/nodes';
import { ParamSetter } from '../graph/smoothing';
import { mixOf } from '../graph/test-support';
import { renderMixDetailed } from '../graph/render';
import type { ChannelParamId } from '../model/params';

/**
 * The shelves' Q (issue 18): a shelf follows the RBJ cookbook's Q (α = sin ω0 / 2Q), in the
 * render (block biquads, which the live channel strips run too) and in the live graph's native
 * EQ (master and FX returns). Checked against the cookbook written out here and against sox's
 * bass/treble shelves given the same Q ("4q").
 */

/** The cookbook shelf, independently of the engine: |H| at f. */
function rbjShelf(type: 'lowshelf' | 'highshelf', f0: number, gainDb: number, q: number, fs: number): (f: number) => number {
  const A = Math.pow(10, gainDb / 40);
  const w0 = (2 * Math.PI * f0) / fs;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const sq = 2 * Math.sqrt(A) * alpha;
  const b = type === 'lowshelf'
    ? [A * (A + 1 - (A - 1) * cos + sq), 2 * A * (A - 1 - (A + 1) * cos), A * (A + 1 - (A - 1) * cos - sq)]
    : [A * (A + 1 + (A - 1) * cos + sq), -2 * A * (A - 1 + (A + 1) * cos), A * (A + 1 + (A - 1) * cos - sq)];
  const a = type === 'lowshelf'
    ? [A + 1 + (A - 1) * cos + sq, -2 * (A - 1 + (A + 1) * cos), A + 1 + (A - 1) * cos - sq]
    : [A + 1 - (A - 1) * cos + sq, 2 * (A - 1 - (A + 1) * cos), A + 1 - (A - 1) * cos - sq];
  return (f) => {
    const w = (2 * Math.PI * f) / fs;
    const mag = (c: number[]) => Math.hypot(c[0] + c[1] * Math.cos(w) + c[2] * Math.cos(2 * w), c[1] * Math.sin(w) + c[2] * Math.sin(2 * w));
    return mag(b) / mag(a);
  };
}

/** |DFT| of an impulse response at f (the response has died out well within it). */
function responseAt(h: Float32Array, f: number, fs: number): number {
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * f) / fs;
  for (let i = 0; i < h.length; i++) {
    re += h[i] * Math.cos(w * i);
    im -= h[i] * Math.sin(w * i);
  }
  return Math.hypot(re, im);
}

const db = (x: number) => 20 * Math.log10(x);
const FREQS = [30, 60, 100, 150, 200, 300, 500, 800, 1200, 2000, 3000, 4500, 6000, 8000, 10000, 12000, 15000, 18000];
const FRAMES = 16384;

function impulse(): Float32Array<ArrayBuffer> {
  const x = new Float32Array(FRAMES);
  x[0] = 0.25;
  return x;
}

/** The impulse response of one channel strip with one shelf, through the offline render at `fs`. */
async function renderedShelf(band: 1 | 4, f0: number, gainDb: number, q: number, fs: number): Promise<Float32Array> {
  const state = mixOf(['x'], (m) => {
    m.setMasterParam('limiter.on', 0);
    m.setChannelParam('x', `eq${band}.freq` as ChannelParamId, f0);
    m.setChannelParam('x', `eq${band}.gain` as ChannelParamId, gainDb);
    m.setChannelParam('x', `eq${band}.q` as ChannelParamId, q);
  });
  // A stereo stem at centre is untouched by the pan: the left output is the strip's response.
  const x = impulse();
  const stem = new AudioBuffer({ length: FRAMES, numberOfChannels: 2, sampleRate: fs });
  stem.copyToChannel(x, 0);
  stem.copyToChannel(x, 1);
  const { audio } = await renderMixDetailed(null, state, new Map([['x', stem]]), { sampleRate: fs });
  return audio.getChannelData(0).map((v) => v / 0.25);
}

/** The same shelf on the live graph's native EQ (master and FX returns), in an OfflineAudioContext. */
async function nativeShelf(band: 1 | 4, f0: number, gainDb: number, q: number, fs: number): Promise<Float32Array> {
  const ctx = new OfflineAudioContext(1, FRAMES, fs);
  const eq = new FourBandEq(ctx);
  const p: Record<string, number> = { 'eq.on': 1 };
  for (const n of [1, 2, 3, 4]) Object.assign(p, { [`eq${n}.on`]: 1, [`eq${n}.freq`]: 1000, [`eq${n}.gain`]: 0, [`eq${n}.q`]: 0.71 });
  Object.assign(p, { [`eq${band}.freq`]: f0, [`eq${band}.gain`]: gainDb, [`eq${band}.q`]: q });
  eq.apply(p, new ParamSetter(ctx), true);
  const src = ctx.createBufferSource();
  const b = new AudioBuffer({ length: FRAMES, numberOfChannels: 1, sampleRate: fs });
  b.copyToChannel(impulse(), 0);
  src.buffer = b;
  src.connect(eq.input);
  eq.output.connect(ctx.destination);
  src.start(0);
  const out = await ctx.startRendering();
  return out.getChannelData(0).map((v) => v / 0.25);
}

function hasSox(): boolean {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** sox's bass (low shelf) or treble (high shelf) with the same Q, on the same impulse. */
function soxShelf(band: 1 | 4, f0: number, gainDb: number, q: number, fs: number): Float32Array {
  const dir = mkdtempSync(join(tmpdir(), 'mixroom-shelf-'));
  try {
    writeFileSync(join(dir, 'in.wav'), encodeWav([impulse()], fs, { bitDepth: 32, float: true }));
    execFileSync('sox', ['-D', join(dir, 'in.wav'), '-e', 'floating-point', '-b', '32', join(dir, 'out.wav'), band === 1 ? 'bass' : 'treble', String(gainDb), String(f0), `${q}q`]);
    return decodeWav(new Uint8Array(readFileSync(join(dir, 'out.wav')))).channels[0].map((v) => v / 0.25);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CASES: Array<{ band: 1 | 4; f0: number; gain: number; q: number }> = [
  { band: 1, f0: 150, gain: 6, q: 4 },
  { band: 1, f0: 150, gain: 6, q: 0.71 },
  { band: 1, f0: 400, gain: -9, q: 2 },
  { band: 4, f0: 6000, gain: -6, q: 4 },
  { band: 4, f0: 6000, gain: -6, q: 0.71 },
  { band: 4, f0: 3000, gain: 12, q: 0.4 },
];

describe('EQ shelves follow the RBJ cookbook Q', () => {
  beforeAll(() => installWebAudioGlobals());

  for (const fs of [44100, 48000]) {
    describe(`at ${fs} Hz`, () => {
      for (const c of CASES) {
        const label = `${c.band === 1 ? 'low' : 'high'} shelf ${c.gain > 0 ? '+' : ''}${c.gain} dB @ ${c.f0} Hz, Q ${c.q}`;
        it(`${label}: render and live native EQ match the cookbook within 0.01 dB`, async () => {
          const theory = rbjShelf(c.band === 1 ? 'lowshelf' : 'highshelf', c.f0, c.gain, c.q, fs);
          const rendered = await renderedShelf(c.band, c.f0, c.gain, c.q, fs);
          const native = await nativeShelf(c.band, c.f0, c.gain, c.q, fs);
          for (const f of FREQS) {
            const expected = db(theory(f));
            expect(Math.abs(db(responseAt(rendered, f, fs)) - expected), `render at ${f} Hz`).toBeLessThan(0.01);
            expect(Math.abs(db(responseAt(native, f, fs)) - expected), `native EQ at ${f} Hz`).toBeLessThan(0.01);
          }
        });
      }

      it('Q 4 renders differently from Q 0.71 (the resonance of a high-Q shelf)', async () => {
        const sharp = await renderedShelf(1, 150, 6, 4, fs);
        const gentle = await renderedShelf(1, 150, 6, 0.71, fs);
        const spread = Math.max(...FREQS.map((f) => Math.abs(db(responseAt(sharp, f, fs)) - db(responseAt(gentle, f, fs)))));
        expect(spread).toBeGreaterThan(3);
      });

      it.skipIf(!hasSox())("matches sox's bass/treble shelves given the same Q within 0.01 dB", async () => {
        for (const c of CASES) {
          const rendered = await renderedShelf(c.band, c.f0, c.gain, c.q, fs);
          const sox = soxShelf(c.band, c.f0, c.gain, c.q, fs);
          for (const f of FREQS) {
            const diff = Math.abs(db(responseAt(rendered, f, fs)) - db(responseAt(sox, f, fs)));
            expect(diff, `${c.band === 1 ? 'bass' : 'treble'} ${c.gain} ${c.f0} ${c.q}q at ${f} Hz`).toBeLessThan(0.01);
          }
        }
      });
    });
  }
});

describe('a live shelf change glides', () => {
  beforeAll(() => installWebAudioGlobals());

  it('moving a native shelf (gain and Q, every render quantum) crossfades without a step, and lands on the new response', async () => {
    const fs = 48000;
    const frames = fs / 2;
    const ctx = new OfflineAudioContext(1, frames, fs);
    // The moves are scheduled before the render: the band reads "now" from this clock.
    // (node-web-audio-api's offline suspend/resume does not reliably stop at every quantum.)
    let now = 0;
    const clock = new Proxy(ctx, {
      get: (target, key) => {
        if (key === 'currentTime') return now;
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as OfflineAudioContext;
    const eq = new FourBandEq(clock);
    const set = new ParamSetter(clock);
    const p: Record<string, number> = { 'eq.on': 1 };
    for (const n of [1, 2, 3, 4]) Object.assign(p, { [`eq${n}.on`]: 1, [`eq${n}.freq`]: 1000, [`eq${n}.gain`]: 0, [`eq${n}.q`]: 0.71 });
    p['eq1.freq'] = 150;
    eq.apply(p, set, true);
    const osc = ctx.createOscillator();
    osc.frequency.value = 140;
    const level = ctx.createGain();
    level.gain.value = 0.3;
    osc.connect(level).connect(eq.input);
    eq.output.connect(ctx.destination);
    osc.start(0);
    // A drag of the low shelf from 0 to +12 dB and Q 0.71 to 4, one step per render quantum.
    const steps = 20;
    for (let k = 1; k <= steps; k++) {
      now = (Math.round((0.1 * fs) / 128) + k) * 128 / fs;
      eq.apply({ ...p, 'eq1.gain': (12 * k) / steps, 'eq1.q': 0.71 + ((4 - 0.71) * k) / steps }, set, false);
    }
    const y = (await ctx.startRendering()).getChannelData(0);
    let jump = 0;
    for (let i = 1; i < y.length; i++) jump = Math.max(jump, Math.abs(y[i] - y[i - 1]));
    const theory = rbjShelf('lowshelf', 150, 12, 4, fs)(140);
    // No sample moves further than the final sine's steepest slope (a filter swapped without the
    // crossfade, or a fade that starts from the wrong value, steps by a good part of the amplitude).
    expect(jump).toBeLessThan(0.3 * theory * ((2 * Math.PI * 140) / fs) * 1.05);
    // After the drag: the final shelf's gain at 140 Hz.
    let s = 0;
    const from = Math.round(0.3 * fs);
    for (let i = from; i < frames; i++) s += y[i] * y[i];
    const amp = Math.sqrt((2 * s) / (frames - from));
    expect(Math.abs(db(amp / 0.3) - db(theory))).toBeLessThan(0.05);
  });
});
