import { describe, expect, it } from 'vitest';
import type { MixModel } from '../model/mix-model';
import type { ChannelParamId } from '../model/params';
import { SR, amplitudeAt, db, mixOf, render, sines } from './test-support';

// The analytic RBJ cookbook response (https://www.w3.org/TR/audio-eq-cookbook/), written out
// here independently of the engine. Web Audio's shelves use slope S = 1 and its high/low-pass
// Q is in dB; both are stated in the spec and reproduced here.
function rbj(type: string, f0: number, gainDb: number, q: number): (f: number) => number {
  const A = Math.pow(10, gainDb / 40);
  const w0 = (2 * Math.PI * f0) / SR;
  const cos = Math.cos(w0);
  const sin = Math.sin(w0);
  let b: number[];
  let a: number[];
  if (type === 'peaking') {
    const alpha = sin / (2 * q);
    b = [1 + alpha * A, -2 * cos, 1 - alpha * A];
    a = [1 + alpha / A, -2 * cos, 1 - alpha / A];
  } else if (type === 'lowshelf' || type === 'highshelf') {
    const alpha = (sin / 2) * Math.SQRT2; // S = 1
    const s = type === 'lowshelf' ? 1 : -1;
    const sq = 2 * Math.sqrt(A) * alpha;
    b = [A * (A + 1 - s * (A - 1) * cos + sq), s * 2 * A * (A - 1 - s * (A + 1) * cos), A * (A + 1 - s * (A - 1) * cos - sq)];
    a = [A + 1 + s * (A - 1) * cos + sq, -s * 2 * (A - 1 + s * (A + 1) * cos), A + 1 + s * (A - 1) * cos - sq];
  } else {
    const alpha = sin / (2 * q);
    const k = type === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
    b = type === 'lowpass' ? [k, 1 - cos, k] : [k, -(1 + cos), k];
    a = [1 + alpha, -2 * cos, 1 - alpha];
  }
  return (f: number) => {
    const w = (2 * Math.PI * f) / SR;
    const mag = (c: number[]) => Math.hypot(c[0] + c[1] * Math.cos(w) + c[2] * Math.cos(2 * w), c[1] * Math.sin(w) + c[2] * Math.sin(2 * w));
    return mag(b) / mag(a);
  };
}

/** Butterworth cascade of `sections` RBJ high/low-pass biquads. */
function cascade(type: string, f0: number, sections: number): (f: number) => number {
  const qs = Array.from({ length: sections }, (_, k) => 1 / (2 * Math.cos(((2 * k + 1) * Math.PI) / (4 * sections))));
  const parts = qs.map((q) => rbj(type, f0, 0, q));
  return (f) => parts.reduce((g, p) => g * p(f), 1);
}

// Even frequencies: an integer number of cycles in the 0.5 s analysis window.
const FREQS = [40, 80, 150, 300, 600, 1000, 2000, 3000, 5000, 8000, 12000, 16000];
const AMP = 0.02;

async function measure(edit: (m: MixModel) => void): Promise<Map<number, number>> {
  const state = mixOf(['x'], (m) => {
    m.setMasterParam('limiter.on', 0);
    edit(m);
  });
  const tone = sines(FREQS, AMP, 0.8);
  const { left } = await render(state, { x: [tone] });
  const from = Math.round(0.3 * SR);
  const to = from + SR / 2;
  // A mono stem panned centre comes out at -3 dB per side (equal power).
  return new Map(FREQS.map((f) => [f, amplitudeAt(left, f, from, to) / (AMP * Math.SQRT1_2)]));
}

function expectMatches(measured: Map<number, number>, theory: (f: number) => number, label: string) {
  for (const [f, g] of measured) {
    const expected = db(theory(f));
    if (expected < -40) continue; // below the measurement floor of a 0.5 s window
    expect(Math.abs(db(g) - expected), `${label} at ${f} Hz: measured ${db(g).toFixed(2)} dB, RBJ ${expected.toFixed(2)} dB`).toBeLessThanOrEqual(0.5);
  }
}

describe('channel EQ and filters match the analytic RBJ response within ±0.5 dB', () => {
  const cases: Array<[string, Partial<Record<ChannelParamId, number>>, (f: number) => number]> = [
    ['low shelf +6 dB @ 150 Hz', { 'eq1.freq': 150, 'eq1.gain': 6 }, rbj('lowshelf', 150, 6, 1)],
    ['peak -9 dB @ 600 Hz Q 2', { 'eq2.freq': 600, 'eq2.gain': -9, 'eq2.q': 2 }, rbj('peaking', 600, -9, 2)],
    ['peak +12 dB @ 3 kHz Q 0.7', { 'eq3.freq': 3000, 'eq3.gain': 12, 'eq3.q': 0.7 }, rbj('peaking', 3000, 12, 0.7)],
    ['high shelf -6 dB @ 8 kHz', { 'eq4.freq': 8000, 'eq4.gain': -6 }, rbj('highshelf', 8000, -6, 1)],
    ['HPF 12 dB/oct @ 300 Hz', { 'hpf.on': 1, 'hpf.freq': 300, 'hpf.slope': 0 }, cascade('highpass', 300, 1)],
    ['HPF 24 dB/oct @ 300 Hz', { 'hpf.on': 1, 'hpf.freq': 300, 'hpf.slope': 1 }, cascade('highpass', 300, 2)],
    ['HPF 48 dB/oct @ 150 Hz', { 'hpf.on': 1, 'hpf.freq': 150, 'hpf.slope': 3 }, cascade('highpass', 150, 4)],
    ['LPF 12 dB/oct @ 2 kHz', { 'lpf.on': 1, 'lpf.freq': 2000, 'lpf.slope': 0 }, cascade('lowpass', 2000, 1)],
    ['LPF 36 dB/oct @ 5 kHz', { 'lpf.on': 1, 'lpf.freq': 5000, 'lpf.slope': 2 }, cascade('lowpass', 5000, 3)],
  ];
  for (const [label, params, theory] of cases) {
    it(label, async () => {
      const measured = await measure((m) => {
        for (const [id, v] of Object.entries(params)) m.setChannelParam('x', id as ChannelParamId, v);
      });
      expectMatches(measured, theory, label);
    });
  }

  it('bypass: a band switched off, or the whole EQ off, is flat', async () => {
    const bandOff = await measure((m) => {
      m.setChannelParam('x', 'eq3.gain', 12);
      m.setChannelParam('x', 'eq3.on', 0);
    });
    expectMatches(bandOff, () => 1, 'band off');
    const eqOff = await measure((m) => {
      m.setChannelParam('x', 'eq1.gain', 9);
      m.setChannelParam('x', 'eq.on', 0);
      m.setChannelParam('x', 'hpf.freq', 1000); // the HPF is off by default
    });
    expectMatches(eqOff, () => 1, 'EQ off');
  });

  it('the master EQ and an FX return EQ are the same bands', async () => {
    const measured = await measure((m) => m.setMasterParam('eq2.gain', -6));
    expectMatches(measured, rbj('peaking', 400, -6, 0.71), 'master peak');
  });
});
