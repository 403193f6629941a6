import { biquadCoefficients } from './biquad';

/**
 * The delay return's effect, as our own kernel: a delay line per channel with feedback through
 * a high-cut in the loop,
 *
 *   h[n] = LPF(w[n − D]),  w[n] = x[n] + feedback · h[n],  output = h
 *
 * so echo k (k ≥ 1) arrives k·D samples late, through the high-cut k times, at feedback^(k−1).
 * Why not a native DelayNode loop: a cycle of native nodes carries at least one 128-frame
 * quantum of extra delay, and Chromium and node-web-audio-api resolve it differently, so their
 * echoes drifted apart from the first repeat (15.8 dB null). This kernel runs on the main thread
 * for renders and inside the 'mixroom-delay' AudioWorklet for live playback: one definition.
 *
 * D is the delay time rounded to whole samples (≤ 10 µs off: inaudible, and exact echoes). The
 * high-cut is a second-order Butterworth low-pass (|H| ≤ 1 everywhere), so a feedback below 1
 * always decays. Live changes glide: the read position slides to a new time (like tape), the
 * feedback and the high-cut follow within ~20 ms; a render is configured once and never glides.
 */

export interface DelaySettings {
  timeSeconds: number;
  /** Linear gain of the loop, 0…0.95. */
  feedback: number;
  highcutHz: number;
}

export const MAX_DELAY_SECONDS = 6;
const BUTTERWORTH_Q_DB = 20 * Math.log10(Math.SQRT1_2);
const GLIDE_SECONDS = 0.02;
/** A new delay time is reached by sliding the read position at up to this many samples per sample. */
export const MAX_SLIDE = 0.5;
const BLOCK = 128;

export class DelayKernel {
  private readonly lines: Float32Array[];
  private readonly size: number;
  private writePos = 0;
  /** Current and target delay in samples (current may be fractional while sliding). */
  private delay = -1;
  private targetDelay = 1;
  private feedback = 0;
  private targetFeedback = 0;
  private highcut = 0;
  private targetHighcut = 0;
  private coefs = biquadCoefficients('lowpass', 8000, BUTTERWORTH_Q_DB, 0, 48000);
  /** Filter state per channel: s1, s2 (transposed direct form II). */
  private readonly filterState: Float64Array;
  private readonly glide: number;

  constructor(
    private readonly sampleRate: number,
    channelCount: number,
    settings: DelaySettings,
  ) {
    this.size = Math.ceil(MAX_DELAY_SECONDS * sampleRate) + 2;
    this.lines = Array.from({ length: channelCount }, () => new Float32Array(this.size));
    this.filterState = new Float64Array(channelCount * 2);
    this.glide = 1 - Math.exp(-BLOCK / (GLIDE_SECONDS * sampleRate));
    this.configure(settings);
    this.jumpToTargets();
  }

  /** Delay in whole samples that a time in seconds gives. */
  delaySamples(seconds: number): number {
    return Math.min(this.size - 2, Math.max(1, Math.round(seconds * this.sampleRate)));
  }

  configure(s: DelaySettings): void {
    this.targetDelay = this.delaySamples(s.timeSeconds);
    this.targetFeedback = Math.min(0.95, Math.max(0, s.feedback));
    this.targetHighcut = Math.min(this.sampleRate * 0.45, Math.max(20, s.highcutHz));
  }

  /** Starts from the configured values (a render; or a fresh node) instead of gliding to them. */
  jumpToTargets(): void {
    this.delay = this.targetDelay;
    this.feedback = this.targetFeedback;
    this.highcut = this.targetHighcut;
    this.coefs = biquadCoefficients('lowpass', this.highcut, BUTTERWORTH_Q_DB, 0, this.sampleRate);
  }

  /** Replaces each channel's input with the delay's output, in place. */
  process(channels: Float32Array[], frames: number): void {
    for (let from = 0; from < frames; from += BLOCK) {
      const n = Math.min(BLOCK, frames - from);
      this.advanceGlides();
      if (this.delay === this.targetDelay) this.processFixed(channels, from, n);
      else this.processSliding(channels, from, n);
    }
  }

  private advanceGlides(): void {
    if (this.feedback !== this.targetFeedback) {
      const d = this.targetFeedback - this.feedback;
      this.feedback = Math.abs(d) < 1e-6 ? this.targetFeedback : this.feedback + d * this.glide;
    }
    if (this.highcut !== this.targetHighcut) {
      const ratio = this.targetHighcut / this.highcut;
      this.highcut = Math.abs(ratio - 1) < 1e-4 ? this.targetHighcut : this.highcut * Math.pow(ratio, this.glide);
      this.coefs = biquadCoefficients('lowpass', this.highcut, BUTTERWORTH_Q_DB, 0, this.sampleRate);
    }
  }

  /** The steady case (every render): an integer delay, no interpolation. */
  private processFixed(channels: Float32Array[], from: number, frames: number): void {
    const [b0, b1, b2, a1, a2] = this.coefs;
    const fb = this.feedback;
    const size = this.size;
    const D = this.delay;
    const C = Math.min(channels.length, this.lines.length);
    for (let c = 0; c < C; c++) {
      const line = this.lines[c];
      const x = channels[c];
      let s1 = this.filterState[2 * c];
      let s2 = this.filterState[2 * c + 1];
      let w = this.writePos;
      let r = w - D;
      if (r < 0) r += size;
      for (let i = from; i < from + frames; i++) {
        const v = line[r];
        const h = b0 * v + s1;
        s1 = b1 * v - a1 * h + s2;
        s2 = b2 * v - a2 * h;
        line[w] = x[i] + fb * h;
        x[i] = h;
        if (++w === size) w = 0;
        if (++r === size) r = 0;
      }
      this.filterState[2 * c] = s1;
      this.filterState[2 * c + 1] = s2;
    }
    this.writePos = (this.writePos + frames) % size;
  }

  /** The high cut in the loop, at once (automation retunes it on its grid, smoothed there). */
  setHighcut(hz: number): void {
    this.highcut = this.targetHighcut = Math.min(this.sampleRate * 0.45, Math.max(20, hz));
    this.coefs = biquadCoefficients('lowpass', this.highcut, BUTTERWORTH_Q_DB, 0, this.sampleRate);
  }

  /**
   * Automation's path (frames ≤ 128): at frame i the delay is d0 + dDelta·f samples and the
   * feedback fb0 + fbDelta·f, f = (j0 + i)/span, computed from the frame's position (not
   * accumulated) so a frame gets the same values however blocks are cut. The read position is
   * interpolated, so a delay that slides does not click.
   */
  processRamp(channels: Float32Array[], frames: number, d0: number, dDelta: number, fb0: number, fbDelta: number, j0: number, span: number): void {
    const [b0, b1, b2, a1, a2] = this.coefs;
    const size = this.size;
    const C = Math.min(channels.length, this.lines.length);
    for (let c = 0; c < C; c++) {
      const line = this.lines[c];
      const x = channels[c];
      let s1 = this.filterState[2 * c];
      let s2 = this.filterState[2 * c + 1];
      let w = this.writePos;
      for (let i = 0; i < frames; i++) {
        const f = (j0 + i) / span;
        const d = d0 + dDelta * f;
        let pos = w - d;
        if (pos < 0) pos += size;
        const i0 = Math.floor(pos);
        const frac = pos - i0;
        const v = frac === 0 ? line[i0 % size] : line[i0 % size] * (1 - frac) + line[(i0 + 1) % size] * frac;
        const h = b0 * v + s1;
        s1 = b1 * v - a1 * h + s2;
        s2 = b2 * v - a2 * h;
        line[w] = x[i] + (fb0 + fbDelta * f) * h;
        x[i] = h;
        if (++w === size) w = 0;
      }
      this.filterState[2 * c] = s1;
      this.filterState[2 * c + 1] = s2;
    }
    this.writePos = (this.writePos + frames) % size;
  }

  /** While the time changes: the read position slides, read with linear interpolation. */
  private processSliding(channels: Float32Array[], from: number, frames: number): void {
    const [b0, b1, b2, a1, a2] = this.coefs;
    const fb = this.feedback;
    const size = this.size;
    const C = Math.min(channels.length, this.lines.length);
    const start = this.delay;
    const step = Math.max(-MAX_SLIDE, Math.min(MAX_SLIDE, (this.targetDelay - start) / frames));
    for (let c = 0; c < C; c++) {
      const line = this.lines[c];
      const x = channels[c];
      let s1 = this.filterState[2 * c];
      let s2 = this.filterState[2 * c + 1];
      let w = this.writePos;
      let d = start;
      for (let i = from; i < from + frames; i++) {
        d += step;
        let pos = w - d;
        if (pos < 0) pos += size;
        const i0 = Math.floor(pos);
        const frac = pos - i0;
        const v = line[i0 % size] * (1 - frac) + line[(i0 + 1) % size] * frac;
        const h = b0 * v + s1;
        s1 = b1 * v - a1 * h + s2;
        s2 = b2 * v - a2 * h;
        line[w] = x[i] + fb * h;
        x[i] = h;
        if (++w === size) w = 0;
      }
      this.filterState[2 * c] = s1;
      this.filterState[2 * c + 1] = s2;
    }
    this.writePos = (this.writePos + frames) % size;
    const next = start + step * frames;
    this.delay = Math.abs(next - this.targetDelay) < 1e-6 ? this.targetDelay : next;
  }
}
