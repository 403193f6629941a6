import { EQ_BAND_TYPES, biquadCoefficients, biquadMagnitude, butterworthQs, type BiquadType } from '@mixroom/engine';

/** Log-spaced frequencies the curve is drawn at, 20 Hz … 20 kHz. */
export const CURVE_FREQS = Float32Array.from({ length: 96 }, (_, i) => 20 * Math.pow(1000, i / 95));

/** The rate the curve is computed at (the response of a 48 kHz session). */
const CURVE_RATE = 48000;

/**
 * Magnitude (dB) of one biquad at CURVE_FREQS, from the engine's own coefficients: the curve is
 * the very RBJ response the engine applies (shelves with their Q, which native nodes ignore).
 */
function biquadDb(type: BiquadType, freq: number, gain: number, q: number): Float32Array {
  const c = biquadCoefficients(type, freq, q, gain, CURVE_RATE);
  return CURVE_FREQS.map((f) => 20 * Math.log10(Math.max(biquadMagnitude(c, f, CURVE_RATE), 1e-6)));
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
