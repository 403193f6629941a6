import { designInterpolator, type Interpolator } from '../loudness/truepeak';

/**
 * True-peak limiter kernel: look-ahead brick-wall limiting on an oversampled peak estimate.
 *
 * Per input sample n we estimate the true peak p[n] over (n−1, n] — the largest of a long ×4
 * interpolator's points, a parabola through each local extreme of them, and the ×4 points of
 * the BS.1770 meter's shorter interpolator (so the product's meter, too, never reads above the
 * ceiling) — and the gain that sample needs,
 * g[n] = min(1, ceiling / p[n]). That gain is held (sliding minimum) for the look-ahead
 * plus the interpolator's support, released exponentially, then smoothed with a moving
 * average as long as the look-ahead. Because the average only spans held values, the gain
 * applied to a peak — and to every sample the interpolator reads around it — is never above
 * what the peak needs: output true peak ≤ ceiling. The audio is delayed to line up, so the
 * limiter has `latency` samples of latency (≈ 1.5 ms + 64 samples), which renders compensate.
 */

export interface LimiterSettings {
  on: boolean;
  ceilingDb: number;
  releaseMs: number;
  /**
   * Gain into the limiter, dB ("drive"): up raises loudness while the ceiling still holds; down
   * turns the mix down before the limiter, so peaks that then fit are not limited.
   */
  driveDb?: number;
}

const LOOKAHEAD_SECONDS = 0.0015;
/** Aim a hair below the ceiling: the gain varies slowly across the interpolator's support. */
const SAFETY_DB = 0.05;
const BYPASS_FADE_SECONDS = 0.02;
const INTERP_TAPS = 64;
const INTERP_BETA = 9;
/** A parabola's vertex exceeds its middle point by at most 1/cos(π/8) − 1 for content up to Nyquist at ×4. */
const VERTEX_MARGIN = 1.09;

/**
 * |peak| of the parabola through three consecutive ×4 points when the middle one is a local
 * extreme (else 0). Between ×4 points a peak near Nyquist can rise 0.7 dB above them; the vertex
 * finds it to within a few hundredths of a dB (checked against 16× oversampling in limiter.test.ts).
 */
function vertex(a: number, b: number, c: number): number {
  if (b >= 0 ? b < a || b < c : b > a || b > c) return 0;
  const d = 2 * b - a - c;
  return d === 0 ? Math.abs(b) : Math.abs(b) + ((a - c) * (a - c)) / (8 * Math.abs(d));
}

export class TruePeakLimiterKernel {
  readonly latency: number;
  private readonly interp: Interpolator;
  private readonly box: number;
  private readonly hold: number;
  private readonly channels: number;
  // History of input samples per channel for the interpolator (taps), and the delay line.
  private readonly history: Float64Array[];
  private historyPos = 0;
  private readonly delay: Float32Array[];
  private delayPos = 0;
  // Sliding-minimum deque over required gains (values and their sample index).
  private readonly dqVal: Float64Array;
  private readonly dqIdx: Float64Array;
  private dqHead = 0;
  private dqTail = 0;
  private n = 0;
  private released = 1;
  // Moving average of the released gain.
  private readonly boxBuf: Float64Array;
  private boxPos = 0;
  private boxSum: number;
  private ceiling = 1;
  private drive = 1;
  private releaseCoef = 0;
  private on = true;
  private mix: number;
  private readonly mixStep: number;
  private maxReductionDb = 0;

  constructor(
    sampleRate: number,
    channelCount: number,
    settings: LimiterSettings,
  ) {
    this.channels = channelCount;
    // ×4 at every rate (a longer filter than the meter's): content near Nyquist — clipped drums,
    // aliased squares — is where a short interpolator under-reads the peak the limiter must hold.
    this.interp = designInterpolator(4, INTERP_TAPS, INTERP_BETA);
    this.meter = designInterpolator(4);
    this.meterTaps = this.meter.taps;
    this.prev1 = new Float64Array(channelCount);
    this.prev2 = new Float64Array(channelCount);
    const support = this.interp.taps / 2;
    this.support = support;
    this.box = Math.max(1, Math.round(LOOKAHEAD_SECONDS * sampleRate));
    this.hold = this.box + 2 * support;
    // The interpolator's output is centred `support` samples behind the newest input; the hold
    // extends `support` further so the gain is low across the interpolator's whole support.
    this.latency = this.box - 1 + 2 * support;
    const taps = Math.max(1, this.interp.taps);
    this.history = Array.from({ length: channelCount }, () => new Float64Array(2 * taps));
    this.delay = Array.from({ length: channelCount }, () => new Float32Array(this.latency + 1));
    const cap = this.hold + 2;
    this.dqVal = new Float64Array(cap);
    this.dqIdx = new Float64Array(cap);
    this.boxBuf = new Float64Array(this.box).fill(1);
    this.boxSum = this.box;
    this.mix = settings.on ? 1 : 0;
    this.mixStep = 1 / (BYPASS_FADE_SECONDS * sampleRate);
    this.sampleRate = sampleRate;
    this.configure(settings);
  }

  private readonly sampleRate: number;
  private readonly support: number;
  private readonly meter: Interpolator;
  private readonly meterTaps: number;
  /** Per channel, the last two ×4 points of the previous sample (for the parabolas across samples). */
  private readonly prev1: Float64Array;
  private readonly prev2: Float64Array;

  configure(s: LimiterSettings): void {
    this.on = s.on;
    this.drive = Math.pow(10, Math.min(48, Math.max(-96, s.driveDb ?? 0)) / 20);
    // The peak detector sees the undriven input, so the drive comes off the ceiling it aims at.
    this.ceiling = Math.pow(10, (s.ceilingDb - SAFETY_DB) / 20) / this.drive;
    this.releaseCoef = Math.exp(-1 / (Math.max(1e-4, s.releaseMs / 1000) * this.sampleRate));
  }

  readGainReduction(): number {
    const r = this.maxReductionDb;
    this.maxReductionDb = 0;
    return r;
  }

  /** Processes in place (output is the input delayed by `latency`, with the limiting gain applied). */
  process(channels: Float32Array[], frames: number): void {
    const { coef, taps, factor } = this.interp;
    const l1 = Math.max(this.interp.l1, this.meter.l1);
    const mcoef = this.meter.coef;
    const P = factor - 1;
    const C = Math.min(this.channels, channels.length);
    const cap = this.dqVal.length;
    const target = this.on ? 1 : 0;
    // Exact shortcut: every interpolated value is ≤ l1 · max|x| over its window, so when that
    // bound stays under the ceiling for the whole block (history included), no sample needs
    // any gain reduction and the FIR need not run. (Margin for rounding in the sums.)
    let blockMax = 0;
    for (let c = 0; c < C; c++) {
      const x = channels[c];
      const h = this.history[c];
      for (let i = 0; i < frames; i++) {
        const a = Math.abs(x[i]);
        if (a > blockMax) blockMax = a;
      }
      for (let k = 0; k < taps; k++) {
        const a = Math.abs(h[k]);
        if (a > blockMax) blockMax = a;
      }
    }
    // (× VERTEX_MARGIN: the parabolas below may read above the interpolated points.)
    const quiet = blockMax * Math.max(1, l1) * VERTEX_MARGIN <= this.ceiling;
    for (let i = 0; i < frames; i++) {
      // 1. true-peak estimate of this sample and the interpolated points since the previous one.
      let peak = 0;
      const hp = this.historyPos;
      for (let c = 0; c < C; c++) {
        const x = channels[c][i];
        const h = this.history[c];
        // Double-written ring: h[hp..hp+taps) is always the last `taps` inputs, newest first.
        h[hp] = x;
        h[hp + taps] = x;
        if (quiet) {
          this.prev1[c] = 0;
          this.prev2[c] = 0;
          continue;
        }
        // Phase 0 of the interpolator is the sample `support` ago (a pure delay).
        const ax = Math.abs(h[hp + this.support]);
        if (ax > peak) peak = ax;
        if (P === 3) {
          // The common case (×4): the three phases in one pass over the history, then the peak
          // between the ×4 points from a parabola through each local extreme and its neighbours.
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          for (let k = 0; k < taps; k++) {
            const v = h[hp + k];
            const b = k * 3;
            a0 += coef[b] * v;
            a1 += coef[b + 1] * v;
            a2 += coef[b + 2] * v;
          }
          // The meter's own (shorter) interpolator over the same points: near Nyquist it reads a
          // little above the true peak (19 kHz at 48 kHz: +0.3 dB), and what the product's meter
          // shows must not pass the ceiling either.
          const mo = hp + this.support - (this.meterTaps >> 1);
          let m0 = 0;
          let m1 = 0;
          let m2 = 0;
          for (let k = 0; k < this.meterTaps; k++) {
            const v = h[mo + k];
            const b = k * 3;
            m0 += mcoef[b] * v;
            m1 += mcoef[b + 1] * v;
            m2 += mcoef[b + 2] * v;
          }
          const x0 = h[hp + this.support];
          const q2 = this.prev2[c];
          const q1 = this.prev1[c];
          const m = Math.max(Math.abs(a0), Math.abs(a1), Math.abs(a2), Math.abs(m0), Math.abs(m1), Math.abs(m2), vertex(q2, q1, x0), vertex(q1, x0, a0), vertex(x0, a0, a1), vertex(a0, a1, a2));
          this.prev2[c] = a1;
          this.prev1[c] = a2;
          if (m > peak) peak = m;
        } else {
          for (let p = 0; p < P; p++) {
            let acc = 0;
            for (let k = 0; k < taps; k++) acc += coef[k * P + p] * h[hp + k];
            const a = Math.abs(acc);
            if (a > peak) peak = a;
          }
        }
      }
      this.historyPos = hp === 0 ? taps - 1 : hp - 1;
      const need = peak > this.ceiling ? this.ceiling / peak : 1;
      // 2. sliding minimum over the hold window.
      const n = this.n++;
      while (this.dqTail !== this.dqHead && this.dqVal[(this.dqTail - 1 + cap) % cap] >= need) this.dqTail = (this.dqTail - 1 + cap) % cap;
      this.dqVal[this.dqTail] = need;
      this.dqIdx[this.dqTail] = n;
      this.dqTail = (this.dqTail + 1) % cap;
      while (this.dqIdx[this.dqHead] <= n - this.hold) this.dqHead = (this.dqHead + 1) % cap;
      const held = this.dqVal[this.dqHead];
      // 3. instant attack to the held value, exponential release.
      this.released = held < this.released ? held : held + (this.released - held) * this.releaseCoef;
      // 4. moving average over the look-ahead.
      this.boxSum += this.released - this.boxBuf[this.boxPos];
      this.boxBuf[this.boxPos] = this.released;
      this.boxPos = this.boxPos + 1 === this.box ? 0 : this.boxPos + 1;
      if ((n & 4095) === 0) this.boxSum = this.boxBuf.reduce((a, b) => a + b, 0); // no drift
      const gain = Math.min(1, this.boxSum / this.box);
      if (this.mix !== target) this.mix = target > this.mix ? Math.min(1, this.mix + this.mixStep) : Math.max(0, this.mix - this.mixStep);
      const k = 1 + this.mix * (gain * this.drive - 1);
      const red = -20 * Math.log10(1 + this.mix * (gain - 1));
      if (red > this.maxReductionDb) this.maxReductionDb = red;
      // 5. delay line: write the input, read the sample `latency` ago, apply the gain.
      const dp = this.delayPos;
      const len = this.latency + 1;
      const rp = dp + 1 === len ? 0 : dp + 1;
      for (let c = 0; c < C; c++) {
        const d = this.delay[c];
        d[dp] = channels[c][i];
        channels[c][i] = d[rp] * k;
      }
      this.delayPos = rp;
    }
  }
}
