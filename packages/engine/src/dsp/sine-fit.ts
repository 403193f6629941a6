/**
 * Least-squares fit of a sinusoid at `f` Hz over samples [from, to) of `y` at `fs`: its amplitude,
 * and the RMS of what is left (images, aliases, distortion, noise) expressed as the amplitude of
 * a sine of that power. How the DSP tests and the e2e tests measure a tone through the engine.
 */
export function fitSine(y: Float32Array, f: number, fs: number, from = 0, to = y.length): { amp: number; residual: number } {
  let ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
  const w = (2 * Math.PI * f) / fs;
  for (let i = from; i < to; i++) {
    const s = Math.sin(w * i), c = Math.cos(w * i);
    ss += s * s; cc += c * c; sc += s * c; ys += y[i] * s; yc += y[i] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let r = 0;
  for (let i = from; i < to; i++) r += (y[i] - a * Math.sin(w * i) - b * Math.cos(w * i)) ** 2;
  return { amp: Math.hypot(a, b), residual: Math.sqrt((2 * r) / (to - from)) };
}

/** `seconds` of a sine at `f` Hz and amplitude `amp`, sampled at `fs`. */
export const sineWave = (f: number, fs: number, seconds: number, amp = 1): Float32Array =>
  Float32Array.from({ length: Math.round(seconds * fs) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / fs));
