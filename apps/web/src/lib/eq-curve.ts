import { EQ_BAND_TYPES, butterworthQs } from '@mixroom/engine';

/** Log-spaced frequencies the curve is drawn at, 20 Hz … 20 kHz. */
export const CURVE_FREQS = Float32Array.from({ length: 96 }, (_, i) => 20 * Math.pow(1000, i / 95));

let probe: { ctx: OfflineAudioContext; filter: BiquadFilterNode } | null = null;

/**
 * Magnitude (dB) of one biquad at CURVE_FREQS, asked of a real BiquadFilterNode: the curve is
 * the very RBJ response the engine's native filters apply (and that its tests measure).
 */
function biquadDb(type: BiquadFilterType, freq: number, gain: number, q: number): Float32Array {
  probe ??= (() => {
    const ctx = new OfflineAudioContext(1, 128, 48000);
    return { ctx, filter: ctx.createBiquadFilter() };
  })();
  const f = probe.filter;
  f.type = type;
  f.frequency.value = freq;
  f.gain.value = gain;
  f.Q.value = q;
  const mag = new Float32Array(CURVE_FREQS.length);
  f.getFrequencyResponse(CURVE_FREQS, mag, new Float32Array(CURVE_FREQS.length));
  return mag.map((m) => 20 * Math.log10(Math.max(m, 1e-6)));
}

/**
 * The whole EQ section of a scope — its 4 bands, and on channels the HPF/LPF cascades —
 * as dB per CURVE_FREQS, from the same parameter values the graph applies.
 */
export function eqCurve(p: Record<string, number>): Float32Array {
  const total = new Float32Array(CURVE_FREQS.length);
  const add = (db: Float32Array) => db.forEach((v, i) => (total[i] += v));
  if ((p['eq.on'] ?? 1) >= 0.5) {
    EQ_BAND_TYPES.forEach((type, i) => {
      const n = i + 1;
      if (p[`eq${n}.on`] >= 0.5 && p[`eq${n}.gain`] !== 0) add(biquadDb(type, p[`eq${n}.freq`], p[`eq${n}.gain`], p[`eq${n}.q`]));
    });
  }
  for (const [section, type] of [['hpf', 'highpass'], ['lpf', 'lowpass']] as const) {
    if (!(p[`${section}.on`] >= 0.5)) continue;
    // Web Audio's high/low-pass Q is in dB; the engine converts Butterworth Qs the same way.
    for (const q of butterworthQs(Math.round(p[`${section}.slope`]) + 1)) add(biquadDb(type, p[`${section}.freq`], 0, 20 * Math.log10(q)));
  }
  return total;
}
