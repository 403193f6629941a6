/**
 * BS.1770 K-weighting (pre-filter shelf + RLB high-pass) designed for any sample rate.
 *
 * BS.1770 only tabulates 48 kHz coefficients and asks other rates to "reproduce the same
 * response". These analog-prototype parameters, bilinear-transformed with frequency
 * pre-warping, reproduce the 48 kHz table to ~1e-15 (same design as libebur128).
 */

export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export interface KWeighting {
  shelf: Biquad;
  highPass: Biquad;
}

const SHELF_F0 = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
const HP_F0 = 38.13547087602444;
const HP_Q = 0.5003270373238773;

function hpA0(sampleRate: number): number {
  const K = Math.tan((Math.PI * HP_F0) / sampleRate);
  return 1 + K / HP_Q + K * K;
}

export function designKWeighting(sampleRate: number): KWeighting {
  let K = Math.tan((Math.PI * SHELF_F0) / sampleRate);
  const Vh = Math.pow(10, SHELF_GAIN_DB / 20);
  const Vb = Math.pow(Vh, 0.4996667741545416);
  let a0 = 1 + K / SHELF_Q + K * K;
  const shelf: Biquad = {
    b0: (Vh + (Vb * K) / SHELF_Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / SHELF_Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / SHELF_Q + K * K) / a0,
  };
  K = Math.tan((Math.PI * HP_F0) / sampleRate);
  a0 = 1 + K / HP_Q + K * K;
  // BS.1770's 48 kHz table leaves the high-pass numerator un-normalised ([1, -2, 1]), which
  // gives it a passband gain of a0(48 kHz) ≈ 1.005 (+0.043 dB) that the −0.691 constant is
  // calibrated against. Keeping [1, -2, 1] at other rates (as libebur128 does) lets that
  // gain drift with the rate (−0.02 dB at 96 kHz, +0.03 dB at 22.05 kHz); scaling by
  // a0(48k)/a0(fs) keeps the 48 kHz passband gain, so 997 Hz reads +0.691 dB at every rate.
  const g = hpA0(48000) / a0;
  const highPass: Biquad = {
    b0: g,
    b1: -2 * g,
    b2: g,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / HP_Q + K * K) / a0,
  };
  return { shelf, highPass };
}

/** Magnitude response (dB) of the K-weighting cascade at `freq` Hz. */
export function kWeightingGainDb(sampleRate: number, freq: number): number {
  const { shelf, highPass } = designKWeighting(sampleRate);
  const w = (2 * Math.PI * freq) / sampleRate;
  const mag = (f: Biquad): number => {
    const c1 = Math.cos(w), s1 = Math.sin(w), c2 = Math.cos(2 * w), s2 = Math.sin(2 * w);
    const nr = f.b0 + f.b1 * c1 + f.b2 * c2, ni = -(f.b1 * s1 + f.b2 * s2);
    const dr = 1 + f.a1 * c1 + f.a2 * c2, di = -(f.a1 * s1 + f.a2 * s2);
    return Math.sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
  };
  return 20 * Math.log10(mag(shelf) * mag(highPass));
}
