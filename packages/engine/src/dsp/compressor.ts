import { designInterpolator } from '../loudness/truepeak';

/**
 * Feed-forward compressor kernel (Giannoulis, Massberg & Reiss, JAES 2012): stereo-linked level
 * detector, soft-knee gain computer in dB, attack/release smoothing of the gain in dB ("smooth
 * decoupled", i.e. in the log domain). Plain TS with no Web Audio dependency so the same code runs
 * in the browser's AudioWorklet and in Node — which is what makes a render sound the same everywhere.
 *
 * The detector is what makes the compressor follow its curve. Running the gain computer on each
 * sample's |x| (as this kernel once did) averages the gain over the waveform: a sine only reaches
 * its peak twice a cycle, so 4:1 acted like 3.2:1, and the gain rippled at twice the frequency
 * (distortion at −37 dB with 1 ms attack). Here the level is
 *  - 'peak' (default): the inter-sample peak (2× interpolation, so an 8 kHz sine at 48 kHz does not
 *    read 1.25 dB low between its samples), held over HOLD_SECONDS — half a period at 50 Hz — so a
 *    steady tone reads a steady level, and released by the gain smoothing;
 *  - 'rms': the RMS over RMS_SECONDS, +3 dB so a sine reads its peak level (one calibration for
 *    both), held the same way.
 */

/** Half a period at 50 Hz: a steady tone from 50 Hz up holds one level (and the release starts 10 ms later). */
const HOLD_SECONDS = 0.0101;
const RMS_SECONDS = 0.03;

export interface CompressorSettings {
  /** When false the kernel passes audio unchanged (crossfaded, so toggling never clicks). */
  on: boolean;
  thresholdDb: number;
  ratio: number;
  attackMs: number;
  releaseMs: number;
  kneeDb: number;
  makeupDb: number;
  /** Level detector: 'peak' (default) or 'rms' (sine-calibrated: a sine reads its peak). */
  detector?: 'peak' | 'rms';
}

const LOG10_20 = 20 / Math.LN10;
const BYPASS_FADE_SECONDS = 0.02;

/** Static curve: output level (dB) for a steady input level (dB). Exported so tests state the theory once. */
export function compressorCurveDb(inputDb: number, s: Pick<CompressorSettings, 'thresholdDb' | 'ratio' | 'kneeDb'>): number {
  const over = inputDb - s.thresholdDb;
  const w = s.kneeDb;
  if (2 * over < -w) return inputDb;
  if (w > 0 && 2 * Math.abs(over) <= w) return inputDb + ((1 / s.ratio - 1) * (over + w / 2) ** 2) / (2 * w);
  return s.thresholdDb + over / s.ratio;
}

export class CompressorKernel {
  private settings: CompressorSettings;
  private attackCoef = 0;
  private releaseCoef = 0;
  /** Smoothed gain change in dB (≤ 0). */
  private gainDb = 0;
  private mix = 0;
  private readonly mixStep: number;
  /** Largest gain reduction since the last readGainReduction(), dB (≥ 0). */
  private maxReductionDb = 0;
  // Inter-sample peak: half-sample points from a short interpolator over a per-channel history.
  private readonly coef: Float64Array;
  private readonly taps: number;
  private readonly l1: number;
  private readonly history: Float64Array[];
  private historyPos = 0;
  // Sliding maximum of the level over the hold (values and sample index).
  private readonly hold: number;
  private readonly dqVal: Float64Array;
  private readonly dqIdx: Float64Array;
  private dqHead = 0;
  private dqTail = 0;
  private n = 0;
  // Sliding mean square for 'rms'.
  private readonly rmsLen: number;
  private readonly squares: Float64Array;
  private sqPos = 0;
  private sqSum = 0;

  constructor(
    private readonly sampleRate: number,
    settings: CompressorSettings,
  ) {
    this.settings = settings;
    this.mix = settings.on ? 1 : 0;
    this.mixStep = 1 / (BYPASS_FADE_SECONDS * sampleRate);
    const interp = designInterpolator(2, 12);
    this.coef = interp.coef;
    this.taps = interp.taps;
    this.l1 = interp.l1;
    this.history = [new Float64Array(2 * this.taps), new Float64Array(2 * this.taps)];
    this.hold = Math.max(1, Math.ceil(HOLD_SECONDS * sampleRate));
    this.dqVal = new Float64Array(this.hold + 2);
    this.dqIdx = new Float64Array(this.hold + 2);
    this.rmsLen = Math.max(1, Math.round(RMS_SECONDS * sampleRate));
    this.squares = new Float64Array(this.rmsLen);
    this.configure(settings);
  }

  configure(settings: CompressorSettings): void {
    this.settings = settings;
    this.attackCoef = Math.exp(-1 / (Math.max(1e-5, settings.attackMs / 1000) * this.sampleRate));
    this.releaseCoef = Math.exp(-1 / (Math.max(1e-5, settings.releaseMs / 1000) * this.sampleRate));
  }

  /** Gain reduction in dB (positive) at its deepest since the last call: the GR meter. */
  readGainReduction(): number {
    const r = this.maxReductionDb;
    this.maxReductionDb = 0;
    return r;
  }

  /** Current gain change in dB (≤ 0, before make-up). */
  get currentGainDb(): number {
    return this.gainDb;
  }

  /** Processes in place; channels share one detector (stereo link) and one gain. */
  process(channels: Float32Array[], frames: number): void {
    const s = this.settings;
    const target = s.on ? 1 : 0;
    if (target === 0 && this.mix === 0) {
      this.gainDb = 0;
      return;
    }
    const left = channels[0];
    const right = channels.length > 1 ? channels[1] : null;
    const t = s.thresholdDb;
    const w = s.kneeDb;
    const slope = 1 / s.ratio - 1;
    const makeup = s.makeupDb;
    const aA = this.attackCoef;
    const aR = this.releaseCoef;
    const rms = s.detector === 'rms';
    let g = this.gainDb;
    let mix = this.mix;
    let deepest = this.maxReductionDb;
    // Below the knee the gain computer gives 0 dB: a level under this (linear, with a margin for
    // rounding) needs no logarithm. And the exp is only recomputed when the smoothed gain moves.
    const belowKnee = Math.pow(10, (t - w / 2) / 20) * (1 - 1e-9);
    const taps = this.taps;
    const half = taps >> 1;
    const coef = this.coef;
    const hl = this.history[0];
    const hr = this.history[1];
    // Exact shortcut (peak): an interpolated value is ≤ l1 · max|x| over its window, so a block
    // whose bound stays under the knee needs no interpolation (its level is below the knee anyway).
    let blockMax = 0;
    for (let i = 0; i < frames; i++) {
      const a = Math.max(Math.abs(left[i]), right ? Math.abs(right[i]) : 0);
      if (a > blockMax) blockMax = a;
    }
    for (let k = 0; k < taps; k++) blockMax = Math.max(blockMax, Math.abs(hl[k]), Math.abs(hr[k]));
    const interpolate = !rms && blockMax * this.l1 * (1 + 1e-9) >= belowKnee;
    const cap = this.dqVal.length;
    let lastG = NaN;
    let gain = 1;
    for (let i = 0; i < frames; i++) {
      const l = left[i];
      const r = right ? right[i] : l;
      // 1. the level of this sample.
      let level: number;
      const hp = this.historyPos;
      hl[hp] = l;
      hl[hp + taps] = l;
      hr[hp] = r;
      hr[hp + taps] = r;
      this.historyPos = hp === 0 ? taps - 1 : hp - 1;
      if (rms) {
        const sq = Math.max(l * l, r * r);
        this.sqSum += sq - this.squares[this.sqPos];
        this.squares[this.sqPos] = sq;
        this.sqPos = this.sqPos + 1 === this.rmsLen ? 0 : this.sqPos + 1;
        if ((this.n & 8191) === 0) this.sqSum = this.squares.reduce((a, b) => a + b, 0); // no drift
        level = Math.sqrt((2 * Math.max(0, this.sqSum)) / this.rmsLen);
      } else if (interpolate) {
        // The sample `half` ago and the point half a sample after it (the interpolator's delay).
        let al = 0;
        let ar = 0;
        for (let k = 0; k < taps; k++) {
          al += coef[k] * hl[hp + k];
          ar += coef[k] * hr[hp + k];
        }
        level = Math.max(Math.abs(hl[hp + half]), Math.abs(hr[hp + half]), Math.abs(al), Math.abs(ar));
      } else {
        level = Math.max(Math.abs(l), Math.abs(r));
      }
      // 2. held over the last `hold` samples (sliding maximum).
      const n = this.n++;
      while (this.dqTail !== this.dqHead && this.dqVal[(this.dqTail - 1 + cap) % cap] <= level) this.dqTail = (this.dqTail - 1 + cap) % cap;
      this.dqVal[this.dqTail] = level;
      this.dqIdx[this.dqTail] = n;
      this.dqTail = (this.dqTail + 1) % cap;
      while (this.dqIdx[this.dqHead] <= n - this.hold) this.dqHead = (this.dqHead + 1) % cap;
      const held = this.dqVal[this.dqHead];
      // 3. gain computer, then attack/release of the gain in dB.
      let gc = 0;
      if (held >= belowKnee) {
        const x = held > 1e-9 ? LOG10_20 * Math.log(held) : -180;
        const over = x - t;
        if (2 * over >= -w) {
          gc = w > 0 && 2 * over <= w ? (slope * (over + w / 2) ** 2) / (2 * w) : slope * over;
        }
      }
      g = gc < g ? aA * g + (1 - aA) * gc : aR * g + (1 - aR) * gc;
      if (-g > deepest) deepest = -g;
      if (mix !== target) mix = target > mix ? Math.min(1, mix + this.mixStep) : Math.max(0, mix - this.mixStep);
      if (g !== lastG) {
        gain = Math.exp((g + makeup) / LOG10_20);
        lastG = g;
      }
      const k = 1 + mix * (gain - 1);
      left[i] = l * k;
      if (right) right[i] = r * k;
    }
    this.gainDb = g;
    this.mix = mix;
    this.maxReductionDb = deepest;
  }
}
