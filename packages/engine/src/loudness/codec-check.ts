// What a lossy codec does to a master, measured on the decoded result: its true peak against the
// delivery ceiling (a lossy encode adds error to the waveform, so a master at its ceiling comes
// back over it), and "what the codec removes" — the decoded audio minus the original, once the
// codec's delay (encoder look-ahead, decoder priming) is found and taken out.
import { defaultOversampling, designInterpolator, TruePeakDetector } from './truepeak';

/** Longest codec delay searched, frames (LAME 1105 + decoder 529; Opus pre-skip 312). */
export const MAX_CODEC_DELAY = 4096;
const WINDOW = 16384;

/**
 * Frames by which `decoded` lags `original` (0…maxDelay), by cross-correlation over a window of
 * the original's loudest part (a quiet intro would correlate on noise). Both mono views.
 */
export function findCodecDelay(original: Float32Array, decoded: Float32Array, maxDelay = MAX_CODEC_DELAY): number {
  const n = Math.min(WINDOW, original.length);
  // The loudest window of the original, on a coarse grid.
  let start = 0;
  let best = -1;
  for (let s = 0; s + n <= original.length && s + n + maxDelay <= decoded.length; s += n >> 1) {
    let e = 0;
    for (let i = s; i < s + n; i += 4) e += original[i] * original[i];
    if (e > best) {
      best = e;
      start = s;
    }
  }
  let bestLag = 0;
  let bestCorr = -Infinity;
  for (let lag = 0; lag <= maxDelay; lag++) {
    if (start + lag + n > decoded.length) break;
    let c = 0;
    for (let i = 0; i < n; i++) c += original[start + i] * decoded[start + lag + i];
    if (c > bestCorr) {
      bestCorr = c;
      bestLag = lag;
    }
  }
  return bestLag;
}

/** The decoded channels with the codec's delay taken out, as long as the original (zero-padded if short). */
export function alignDecoded(decoded: readonly Float32Array[], delay: number, length: number): Float32Array[] {
  return decoded.map((ch) => {
    const out = new Float32Array(length);
    out.set(ch.subarray(delay, Math.min(ch.length, delay + length)));
    return out;
  });
}

/** decoded − original per sample: what the codec removed (and added). */
export function codecDifference(original: readonly Float32Array[], aligned: readonly Float32Array[]): Float32Array[] {
  return original.map((o, c) => {
    const a = aligned[c] ?? aligned[0];
    const out = new Float32Array(o.length);
    for (let i = 0; i < o.length; i++) out[i] = a[i] - o[i];
    return out;
  });
}

/** True peak (dBTP, BS.1770 oversampled) of planar audio. */
export function truePeakDbtp(channels: readonly Float32Array[], sampleRate: number): number {
  const detector = new TruePeakDetector(channels.length, designInterpolator(defaultOversampling(sampleRate)));
  channels.forEach((ch, c) => {
    let samplePeak = 0;
    for (let i = 0; i < ch.length; i++) samplePeak = Math.max(samplePeak, Math.abs(ch[i]));
    detector.process(c, ch, ch.length, samplePeak);
  });
  const peak = Math.max(...detector.peaks);
  return peak > 0 ? 20 * Math.log10(peak) : -Infinity;
}

const rmsOf = (channels: readonly Float32Array[]) => {
  let sum = 0;
  let n = 0;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) sum += ch[i] * ch[i];
    n += ch.length;
  }
  return n ? Math.sqrt(sum / n) : 0;
};

export interface CodecCheck {
  /** Frames the decoded audio lagged the original. */
  delay: number;
  /** True peak of the decoded audio, dBTP. */
  truePeakDbtp: number;
  /** How far over the ceiling it lands (≤ 0: under). */
  overCeilingDb: number;
  /** Level of the difference below the original's, dB (how much the codec changed). */
  differenceDb: number;
  aligned: Float32Array[];
  difference: Float32Array[];
}

/** Aligns a codec's decoded output with the original and measures it against `ceilingDbtp`. */
export function checkCodecRoundTrip(original: readonly Float32Array[], decoded: readonly Float32Array[], sampleRate: number, ceilingDbtp: number): CodecCheck {
  const delay = findCodecDelay(original[0], decoded[0]);
  const aligned = alignDecoded(decoded, delay, original[0].length);
  const difference = codecDifference(original, aligned);
  const tp = truePeakDbtp(aligned, sampleRate);
  const d = rmsOf(difference);
  const o = rmsOf(original);
  return { delay, truePeakDbtp: tp, overCeilingDb: tp - ceilingDbtp, differenceDb: d > 0 && o > 0 ? 20 * Math.log10(d / o) : -Infinity, aligned, difference };
}
