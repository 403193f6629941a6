import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { SR, mixOf, render } from '../graph/test-support';
import { reverbImpulseResponse } from '../dsp/reverb-ir';
import type { AutomationPoint } from '../model/automation';
import type { MixModel } from '../model/mix-model';
import { REVERB_ROOM_FADE_SECONDS, REVERB_ROOM_STEP_SECONDS } from './reverb-room';

const p = (t: number, v: number, shape: AutomationPoint['shape'] = 'linear'): AutomationPoint => ({ t, v, shape });

/** Only the reverb return is heard: pre-fader send at 0 dB, channel fader down, master dynamics off. */
/** A stem of `seconds` of silence with a unit click at each of `times` (seconds). */
function clicksAt(seconds: number, times: number[]): Float32Array {
  const stem = new Float32Array(Math.round(seconds * SR));
  for (const t of times) stem[Math.round(t * SR)] = 1;
  return stem;
}

function reverbOnly(m: MixModel) {
  m.setMasterParam('limiter.on', 0);
  m.setMasterParam('glue.on', 0);
  m.setChannelGain('vox', -Infinity);
  m.setChannelParam('vox', 'send1.level', 0);
  m.setChannelParam('vox', 'send1.pre', 1);
  m.setChannelParam('vox', 'send2.level', -Infinity);
  m.setFxParam('reverb', 'return.gain', 0);
  m.setFxParam('reverb', 'reverb.predelay', 0);
  m.setFxParam('reverb', 'reverb.decay', 1); // the static room: the lanes override it
}

/**
 * RT60 from Schroeder's backward-integrated energy decay of `x` over [from, to): the −5 to −35 dB
 * part fitted by least squares, extrapolated to −60 dB (T30).
 */
function rt60(x: Float32Array, from: number, to: number): number {
  const edc = new Float64Array(to - from);
  let acc = 0;
  for (let i = to - 1; i >= from; i--) {
    acc += x[i] * x[i];
    edc[i - from] = acc;
  }
  let n = 0, st = 0, sy = 0, stt = 0, sty = 0;
  for (let i = 0; i < edc.length; i++) {
    const y = 10 * Math.log10(edc[i] / edc[0]);
    if (y > -5 || y < -35) continue;
    const t = i / SR;
    n++; st += t; sy += y; stt += t * t; sty += t * y;
  }
  const slope = (n * sty - st * sy) / (n * stt - st * st);
  return -60 / slope;
}

/** Residual of x[from…] against the best multiple of ref, in dB below x. */
function nullDb(x: Float32Array, from: number, ref: Float32Array): number {
  let xr = 0, rr = 0;
  for (let i = 0; i < ref.length; i++) { xr += x[from + i] * ref[i]; rr += ref[i] * ref[i]; }
  const c = xr / rr;
  let e = 0, s = 0;
  for (let i = 0; i < ref.length; i++) { e += (x[from + i] - c * ref[i]) ** 2; s += x[from + i] ** 2; }
  return 10 * Math.log10(e / s);
}

function maxStep(x: Float32Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.round(from * SR) + 1; i < Math.round(to * SR); i++) m = Math.max(m, Math.abs(x[i] - x[i - 1]));
  return m;
}

describe('automation of the reverb room in renders (stepped convolvers, crossfaded)', () => {
  beforeAll(() => installWebAudioGlobals());
  const room = (decaySeconds: number) => reverbImpulseResponse(SR, { decaySeconds, dampingHz: 7000, size: 60 });

  it('a decay lane stepping from 0.3 s to 2.5 s: the tails before and after decay as those rooms do', async () => {
    const seconds = 5.2;
    const stem = clicksAt(seconds, [0.1, 1.5]);
    const out = await render(
      mixOf(['vox'], (m) => {
        reverbOnly(m);
        m.automation.setPoints('fx:reverb/reverb.decay', [p(0, 0.3, 'hold'), p(1.0, 2.5, 'hold')]);
      }),
      { vox: [stem] },
    );
    const a = Math.round(0.1 * SR);
    const b = Math.round(1.5 * SR);
    const before = rt60(out.left, a, a + Math.round(0.8 * SR));
    const after = rt60(out.left, b, out.left.length);
    const short = room(0.3);
    const long = room(2.5);
    const irShort = rt60(short[0], 0, short[0].length);
    const irLong = rt60(long[0], 0, long[0].length);
    // Each impulse's reverb is that room's IR itself (the send's level aside).
    const nullBefore = nullDb(out.left, a, short[0].subarray(0, Math.round(0.8 * SR)));
    const nullAfter = nullDb(out.left, b, long[0].subarray(0, out.left.length - b));
    console.log(
      `reverb decay lane 0.3 → 2.5 s: RT60 before ${before.toFixed(3)} s (its IR ${irShort.toFixed(3)} s), after ${after.toFixed(3)} s (its IR ${irLong.toFixed(3)} s); ` +
        `tails against the IRs ${nullBefore.toFixed(1)} / ${nullAfter.toFixed(1)} dB`,
    );
    expect(Math.abs(before / irShort - 1)).toBeLessThan(0.02);
    expect(Math.abs(after / irLong - 1)).toBeLessThan(0.02);
    expect(after / before).toBeGreaterThan(5);
    expect(nullBefore).toBeLessThan(-100);
    expect(nullAfter).toBeLessThan(-100);
  });

  it('the crossfade between the rooms leaves no click on a sustained tone', async () => {
    const seconds = 4;
    const stem = new Float32Array(Math.round(seconds * SR));
    for (let i = Math.round(0.2 * SR); i < Math.round(1.8 * SR); i++) stem[i] = 0.5 * Math.sin((2 * Math.PI * 500 * i) / SR);
    const step = 5 * REVERB_ROOM_STEP_SECONDS; // 1.0 s, on the room step grid
    const lanes = (m: MixModel) => m.automation.setPoints('fx:reverb/reverb.decay', [p(0, 0.3, 'hold'), p(step, 2.5, 'hold')]);
    const out = await render(mixOf(['vox'], (m) => { reverbOnly(m); lanes(m); }), { vox: [stem] });
    const fadeEnd = step + REVERB_ROOM_FADE_SECONDS;
    const own = Math.max(maxStep(out.left, 0.7, step - 0.01), maxStep(out.left, fadeEnd + 0.01, 1.7));
    const across = maxStep(out.left, step - 0.01, fadeEnd + 0.01);
    // The room did change under the tone: its tail after 1.8 s rings as the long room's.
    const tail = rt60(out.left, Math.round(1.8 * SR), out.left.length);
    console.log(`reverb decay step under a 500 Hz tone: largest sample step across the fade ${across.toExponential(3)}, elsewhere ${own.toExponential(3)}; RT60 of the tail after the tone ${tail.toFixed(3)} s`);
    expect(across).toBeLessThanOrEqual(own * 1.05);
    expect(tail).toBeGreaterThan(1.5);
  });

  it('a pre-delay lane steps (0 → 100 ms) without a glide: the reverb after the step starts 100 ms after its impulse', async () => {
    const seconds = 2.2;
    const stem = clicksAt(seconds, [0.1, 1.5]);
    const out = await render(
      mixOf(['vox'], (m) => {
        reverbOnly(m);
        m.setFxParam('reverb', 'reverb.decay', 0.3);
        m.automation.setPoints('fx:reverb/reverb.predelay', [p(0, 0, 'hold'), p(1.0, 100, 'hold')]);
      }),
      { vox: [stem] },
    );
    const onset = (from: number) => {
      for (let i = Math.round(from * SR); i < out.left.length; i++) if (Math.abs(out.left[i]) > 1e-6) return i;
      return -1;
    };
    const first = onset(0);
    const second = onset(1.2);
    console.log(`reverb pre-delay lane 0 → 100 ms: reverb starts ${first - Math.round(0.1 * SR)} and ${second - Math.round(1.5 * SR)} frames after its impulse`);
    // The same room, heard 100 ms (4800 frames) later than before the step.
    expect(second - Math.round(1.5 * SR) - (first - Math.round(0.1 * SR))).toBe(Math.round(0.1 * SR));
    expect(first - Math.round(0.1 * SR)).toBeLessThan(10);
  });
});
