import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { SR, amplitudeAt, db, mixOf, render, rms, sines } from '../graph/test-support';
import { laneFromPoints, valueAt, type AutomationPoint } from '../model/automation';
import { BiquadCascade, biquadCoefficients } from '../dsp/biquad';
import { butterworthQs } from '../graph/nodes';
import { TONE_SMOOTHING_SECONDS } from './channel';
import { MASTER_BUS_PARAMS } from '../model/params';
import type { MixModel } from '../model/mix-model';
import { frameOfTime, masterDynamicsWithLanes } from './master-automation';
import { limiterLatency, withoutMasterDynamics } from '../graph/dynamics-passes';
import { musicLike } from '../loudness/test-signals';

const p = (t: number, v: number, shape: AutomationPoint['shape'] = 'linear'): AutomationPoint => ({ t, v, shape });

/** One channel straight into the master: no sends, glue off, the limiter as `limiter`. */
function plain(m: MixModel, limiter: boolean) {
  m.setMasterParam('limiter.on', limiter ? 1 : 0);
  m.setMasterParam('glue.on', 0);
  m.setChannelParam('vox', 'send1.level', -Infinity);
  m.setChannelParam('vox', 'send2.level', -Infinity);
}

/** What lies above 2 kHz (8th-order Butterworth high-pass): a 200 Hz tone leaves −160 dB there, a click does not. */
function above2k(x: Float32Array): Float32Array {
  const hp = new BiquadCascade(butterworthQs(4).map((q) => biquadCoefficients('highpass', 2000, 20 * Math.log10(q), 0, SR)));
  const y = x.slice();
  hp.process([y], y.length);
  return y;
}

function peakDb(x: Float32Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.round(from * SR); i < Math.round(to * SR); i++) m = Math.max(m, Math.abs(x[i]));
  return db(m);
}

describe('automation of the master chain in renders', () => {
  beforeAll(() => installWebAudioGlobals());

  it("a master EQ band's gain follows its lane within 0.1 dB at the tone's frequency, without clicks", async () => {
    const F = 200;
    const A = 0.1;
    const tone = sines([F], A, 2);
    // −12 → +12 dB over 0.6 s, held, then a step down to −6 dB at 1.3 s.
    const curve = [p(0.2, -12), p(0.8, 12, 'hold'), p(1.3, -6), p(2, -6)];
    const lane = laneFromPoints(curve, MASTER_BUS_PARAMS['eq2.gain']);
    const state = mixOf(['vox'], (m) => {
      plain(m, false);
      m.setMasterParam('eq2.freq', F);
      m.setMasterParam('eq2.q', 1);
      m.setMasterParam('eq2.gain', 3); // the static value: the lane overrides it
      m.automation.setPoints('master/eq2.gain', curve);
    });
    const out = await render(state, { vox: [tone, tone] });
    let worst = 0;
    // The tone's level over 50 ms windows (10 cycles) against the lane's mean gain over the window, as smoothed.
    for (let t = 0.05; t < 1.9; t += 0.05) {
      const i = Math.round(t * SR);
      const measured = db(amplitudeAt(out.left, F, i, i + SR / 20) / A);
      let g = 0;
      for (let k = 0; k < 20; k++) g += 10 ** (valueAt(lane, t + (k + 0.5) * 0.0025 - TONE_SMOOTHING_SECONDS) / 20);
      const want = db(g / 20);
      // Windows holding the step (1.3 s) read a mix of both levels; skip them.
      if (Math.abs(t + 0.025 - 1.3) < 0.05) continue;
      worst = Math.max(worst, Math.abs(measured - want));
    }
    const hf = above2k(out.left);
    let click = -Infinity;
    for (let i = Math.round(0.05 * SR); i + 240 <= Math.round(1.95 * SR); i += 240) click = Math.max(click, db(rms(hf, i, i + 240) / A));
    console.log(`master EQ gain lane: within ${worst.toFixed(3)} dB of the lane; worst 5 ms above 2 kHz ${click.toFixed(1)} dB re the tone`);
    expect(worst).toBeLessThan(0.1);
    expect(click).toBeLessThan(-70);
  });

  it("the limiter's ceiling follows its lane (the output's peak sits at it)", async () => {
    const F = 1000;
    const tone = sines([F], 0.9, 2);
    // −1 dBTP, then down to −12 over 0.5 s, held, then back to −6 (a hold step up).
    const curve = [p(0, -1), p(0.4, -1), p(0.9, -12, 'hold'), p(1.4, -6, 'hold')];
    const lane = laneFromPoints(curve, MASTER_BUS_PARAMS['limiter.ceiling']);
    const state = mixOf(['vox'], (m) => {
      plain(m, true);
      m.setMasterParam('limiter.release', 20);
      m.automation.setPoints('master/limiter.ceiling', curve);
    });
    const out = await render(state, { vox: [tone, tone] });
    const readings: string[] = [];
    let worst = 0;
    for (const [from, to] of [[0.2, 0.35], [1.0, 1.35], [1.6, 1.95]]) {
      const peak = peakDb(out.left, from, to);
      const want = valueAt(lane, from);
      readings.push(`${peak.toFixed(2)} (lane ${want})`);
      worst = Math.max(worst, Math.abs(peak - want));
    }
    // Mid-ramp, 20 ms windows: never above the (smoothed) lane.
    let over = -Infinity;
    for (let t = 0.45; t < 0.85; t += 0.02) over = Math.max(over, peakDb(out.left, t, t + 0.02) - valueAt(lane, t - 2 * TONE_SMOOTHING_SECONDS));
    console.log(`limiter ceiling lane: peaks ${readings.join(', ')} dB; mid-ramp at most ${over.toFixed(3)} dB over the lane`);
    expect(worst).toBeLessThan(0.1);
    expect(over).toBeLessThan(0.05);
  });

  it('a master switch (EQ band on) flips on the exact frame of its breakpoint', async () => {
    const F = 200;
    const tone = sines([F], 0.1, 1);
    const base = (m: MixModel) => {
      plain(m, true);
      m.setMasterParam('eq2.freq', F);
      m.setMasterParam('eq2.gain', 12);
    };
    const at = 0.50031; // between grid points and between frames
    const state = mixOf(['vox'], (m) => {
      base(m);
      m.setMasterParam('eq2.on', 1); // static on: the lane overrides it
      m.automation.setPoints('master/eq2.on', [p(0, 0, 'hold'), p(at, 1, 'hold')]);
    });
    const off = await render(mixOf(['vox'], (m) => (base(m), m.setMasterParam('eq2.on', 0))), { vox: [tone, tone] });
    const ridden = await render(state, { vox: [tone, tone] });
    const first = ridden.left.findIndex((x, i) => x !== off.left[i]);
    console.log(`eq2.on lane: first frame that differs from the band-off render ${first} (breakpoint frame ${frameOfTime(at, SR)})`);
    expect(first).toBe(frameOfTime(at, SR));
    expect(first).toBe(Math.ceil(at * SR));
    // Then the band is on: the tone +12 dB once the filter has settled.
    const i = Math.round(0.8 * SR);
    expect(db(amplitudeAt(ridden.left, F, i, i + SR / 20) / 0.1)).toBeCloseTo(12, 1);
  });
});

describe('master to target with dynamics lanes', () => {
  beforeAll(() => installWebAudioGlobals());

  it("the dynamics pass master-to-target measures plays the glue and limiter lanes as the render does", async () => {
    const music = musicLike(SR, 1.5, 5).map((x) => x.map((v) => v * 3));
    const state = mixOf(['vox'], (m) => {
      plain(m, true);
      m.setMasterParam('glue.on', 1);
      m.automation.setPoints('master/eq2.gain', [p(0, -6), p(1, 6)]);
      m.automation.setPoints('master/glue.threshold', [p(0, 0), p(1, -24)]);
      m.automation.setPoints('master/limiter.ceiling', [p(0, -1), p(1.2, -8)]);
      m.automation.setPoints('master/limiter.on', [p(0, 1, 'hold'), p(1.3, 0, 'hold')]);
    });
    const rendered = await render(state, { vox: music });
    // As masterToTarget does: the mix without the dynamics (the lanes of the EQ still play), then the dynamics.
    const pre = await render(withoutMasterDynamics(state), { vox: music });
    const length = pre.left.length;
    const latency = limiterLatency(SR);
    const padded = [pre.left, pre.right].map((x) => {
      const y = new Float32Array(length + latency);
      y.set(x);
      return y;
    });
    const through = masterDynamicsWithLanes(state, padded, length, SR)!;
    const diff = through[0].map((x, i) => x - rendered.left[i]);
    const nullDb = db(rms(diff)) - db(rms(rendered.left));
    console.log(`master-to-target's dynamics pass with lanes vs the render: ${nullDb.toFixed(1)} dB`);
    expect(rms(rendered.left)).toBeGreaterThan(0.05);
    expect(nullDb).toBeLessThan(-120);
  });
});

describe('automation of the delay return in renders', () => {
  beforeAll(() => installWebAudioGlobals());
  /** Only the delay return is heard: the send is pre-fader, the channel fader down, one echo (no feedback). */
  const base = (m: MixModel) => {
    plain(m, false);
    m.setChannelGain('vox', -Infinity);
    m.setChannelParam('vox', 'send2.level', 0);
    m.setChannelParam('vox', 'send2.pre', 1);
    m.setFxParam('delay', 'delay.feedback', 0);
    m.setFxParam('delay', 'delay.highcut', 20000);
    m.setFxParam('delay', 'return.gain', 0);
  };

  it("the delay time follows its lane by sliding the read position: a ramp shifts a tone's pitch as theory says, a step does not click", async () => {
    const F = 1000;
    const A = 0.5;
    const tone = sines([F], A, 2.5);
    // 100 ms → 400 ms over 1 s (0.3 s per s: the echo plays 30% slower, 700 Hz), then a hold step back to 100 ms.
    const state = mixOf(['vox'], (m) => {
      base(m);
      m.automation.setPoints('fx:delay/delay.time', [p(0.5, 100), p(1.5, 400, 'hold'), p(2, 100, 'hold')]);
    });
    const out = await render(state, { vox: [tone, tone] });
    const at = (f: number, t: number) => db(amplitudeAt(out.left, f, Math.round(t * SR), Math.round(t * SR) + SR / 10) / A);
    const steady = at(F, 0.3);
    const ramp700 = at(700, 0.9);
    const ramp1000 = at(F, 0.9);
    const after = at(F, 1.7);
    // The step: the read position slides (at most half a sample per sample), no jump in the waveform.
    let largest = 0;
    for (let i = Math.round(1.95 * SR); i < Math.round(2.4 * SR); i++) largest = Math.max(largest, Math.abs(out.left[i] - out.left[i - 1]));
    const sineStep = (2 * Math.PI * F * 1.5 * A) / SR;
    console.log(`delay time lane: 1 kHz before ${steady.toFixed(2)} dB; mid-ramp 700 Hz ${ramp700.toFixed(2)} dB, 1 kHz ${ramp1000.toFixed(1)} dB; after ${after.toFixed(2)} dB; largest step at the time step ${largest.toFixed(4)} (a 1.5 kHz sine's ${sineStep.toFixed(4)})`);
    expect(Math.abs(steady)).toBeLessThan(0.1);
    expect(Math.abs(ramp700)).toBeLessThan(0.1);
    expect(ramp1000).toBeLessThan(-40);
    expect(Math.abs(after)).toBeLessThan(0.1);
    expect(largest).toBeLessThan(sineStep * 1.05);
  });

  it("the delay's feedback and its return EQ follow their lanes", async () => {
    const F = 200;
    const A = 0.1;
    const tone = sines([F], A, 2);
    const state = mixOf(['vox'], (m) => {
      base(m);
      m.setFxParam('delay', 'delay.time', 250);
      m.setFxParam('delay', 'eq2.freq', F);
      m.automation.setPoints('fx:delay/eq2.gain', [p(0, 0, 'hold'), p(0.7, 9, 'hold'), p(1.4, -6, 'hold')]);
    });
    const out = await render(state, { vox: [tone, tone] });
    const at = (t: number) => db(amplitudeAt(out.left, F, Math.round(t * SR), Math.round(t * SR) + SR / 20) / A);
    const levels = [at(0.4), at(1.1), at(1.8)];
    console.log(`delay return EQ lane (0, +9, -6 dB): ${levels.map((l) => l.toFixed(2)).join(', ')} dB`);
    expect(Math.abs(levels[0])).toBeLessThan(0.1);
    expect(Math.abs(levels[1] - 9)).toBeLessThan(0.1);
    expect(Math.abs(levels[2] + 6)).toBeLessThan(0.1);
    // Feedback 0 → 50% at 1 s: a 250 ms-delayed impulse's second echo appears, at −6 dB of the first.
    const click = new Float32Array(SR * 2);
    click[Math.round(1.2 * SR)] = 0.5;
    const fb = await render(
      mixOf(['vox'], (m) => {
        base(m);
        m.setFxParam('delay', 'delay.time', 250);
        m.automation.setPoints('fx:delay/delay.feedback', [p(0, 0, 'hold'), p(1, 50, 'hold')]);
      }),
      { vox: [click, click] },
    );
    // Each echo's area (the high cut in the loop smears it, at unity gain for DC).
    const area = (t: number) => fb.left.subarray(Math.round(t * SR) - 100, Math.round(t * SR) + 100).reduce((a, x) => a + x, 0);
    const e1 = area(1.45);
    const e2 = area(1.7);
    console.log(`feedback lane: first echo ${e1.toFixed(4)}, second ${e2.toFixed(4)} (${db(e2 / e1).toFixed(3)} dB)`);
    expect(e1).toBeCloseTo(0.5, 3);
    expect(db(e2 / e1)).toBeCloseTo(-6.02, 1);
  });
});

describe('automation of the reverb return EQ in renders', () => {
  beforeAll(() => installWebAudioGlobals());

  it("the reverb return's EQ band follows its lane (the ridden return over the plain one, at the tone)", async () => {
    const F = 200;
    const tone = sines([F], 0.2, 2.5);
    const base = (m: MixModel) => {
      plain(m, false);
      m.setChannelGain('vox', -Infinity);
      m.setChannelParam('vox', 'send1.level', 0);
      m.setChannelParam('vox', 'send1.pre', 1);
      m.setFxParam('reverb', 'eq2.freq', F);
    };
    const ref = await render(mixOf(['vox'], base), { vox: [tone, tone] });
    const ridden = await render(
      mixOf(['vox'], (m) => {
        base(m);
        m.automation.setPoints('fx:reverb/eq2.gain', [p(0, 0, 'hold'), p(0.8, 9, 'hold'), p(1.6, -6, 'hold')]);
      }),
      { vox: [tone, tone] },
    );
    const at = (t: number) => {
      const i = Math.round(t * SR);
      return db(amplitudeAt(ridden.left, F, i, i + SR / 10) / amplitudeAt(ref.left, F, i, i + SR / 10));
    };
    const levels = [at(0.6), at(1.3), at(2.2)];
    console.log(`reverb return EQ lane (0, +9, -6 dB): ${levels.map((l) => l.toFixed(3)).join(', ')} dB`);
    expect(Math.abs(levels[0])).toBeLessThan(0.1);
    expect(Math.abs(levels[1] - 9)).toBeLessThan(0.1);
    expect(Math.abs(levels[2] + 6)).toBeLessThan(0.1);
  });
});
