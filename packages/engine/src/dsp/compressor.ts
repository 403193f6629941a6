/**
 * Feed-forward compressor kernel (Giannoulis, Massberg & Reiss, JAES 2012): stereo-linked
 * peak detector in dB, soft-knee gain computer, attack/release smoothing of the gain in dB
 * ("smooth decoupled"). Plain TS with no Web Audio dependency so the same code runs in the
 * browser's AudioWorklet and in Node — which is what makes a render sound the same everywhere.
 */

export interface CompressorSettings {
  /** When false the kernel passes audio unchanged (crossfaded, so toggling never clicks). */
  on: boolean;
  thresholdDb: number;
  ratio: number;
  attackMs: number;
  releaseMs: number;
  kneeDb: number;
  makeupDb: number;
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

  constructor(
    private readonly sampleRate: number,
    settings: CompressorSettings,
  ) {
    this.settings = settings;
    this.mix = settings.on ? 1 : 0;
    this.mixStep = 1 / (BYPASS_FADE_SECONDS * sampleRate);
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
    let g = this.gainDb;
    let mix = this.mix;
    let deepest = this.maxReductionDb;
    // Below the knee the gain computer gives 0 dB: a level under this (linear, with a margin for
    // rounding) needs no logarithm. And the exp is only recomputed when the smoothed gain moves.
    const belowKnee = Math.pow(10, (t - w / 2) / 20) * (1 - 1e-9);
    let lastG = NaN;
    let gain = 1;
    for (let i = 0; i < frames; i++) {
      const l = left[i];
      const r = right ? right[i] : l;
      const peak = Math.max(Math.abs(l), Math.abs(r));
      let gc = 0;
      if (peak >= belowKnee) {
        const x = peak > 1e-9 ? LOG10_20 * Math.log(peak) : -180;
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
