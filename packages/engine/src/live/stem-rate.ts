import { StreamingResampler } from '../dsp/resampler';

/**
 * A stem converted to the live context's rate as it is cached, slice by slice, with the engine's
 * windowed-sinc resampler (dsp/resampler.ts, what renders use): the stem worker runs it once when
 * it writes a stem at another rate into its local float file, so live playback of a 44.1 kHz stem
 * in a 48 kHz session sounds as its render does (not as the browser's own resampler would).
 * Output is interleaved float32 with `outChannels` channels (a mono stem is widened if asked).
 * Allocates its buffers once, for slices of at most `maxFrames` input frames.
 */
export class StemRateConverter {
  private readonly resamplers: StreamingResampler[];
  private readonly planar: Float32Array[];
  private readonly interleaved: Float32Array;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    readonly inputChannels: number,
    readonly outChannels: number,
    readonly maxFrames: number,
  ) {
    this.resamplers = Array.from({ length: inputChannels }, () => new StreamingResampler(inputRate, outputRate));
    const room = Math.max(this.resamplers[0].maxOutputFrames(maxFrames), this.resamplers[0].flushFrames);
    this.planar = Array.from({ length: inputChannels }, () => new Float32Array(room));
    this.interleaved = new Float32Array(room * outChannels);
  }

  /** Output frames a stem of `frames` input frames converts to (what push and finish give in all). */
  outputFrames(frames: number): number {
    return Math.ceil((frames * this.outputRate) / this.inputRate);
  }

  /** Converts the next `frames` input frames (planar); returns the output now ready, interleaved (valid until the next call). */
  push(input: readonly Float32Array[], frames: number): Float32Array {
    if (frames > this.maxFrames) throw new RangeError(`StemRateConverter: ${frames} frames in one slice, at most ${this.maxFrames}`);
    let n = 0;
    this.resamplers.forEach((rs, c) => (n = rs.process(input[c], frames, this.planar[c])));
    return this.interleave(n);
  }

  /** The rest of the output after the last input frame (call once, at the end). */
  finish(): Float32Array {
    let n = 0;
    this.resamplers.forEach((rs, c) => (n = rs.flush(this.planar[c])));
    return this.interleave(n);
  }

  private interleave(frames: number): Float32Array {
    const out = this.interleaved;
    const C = this.outChannels;
    for (let c = 0; c < C; c++) {
      const src = this.planar[Math.min(c, this.inputChannels - 1)];
      for (let i = 0; i < frames; i++) out[i * C + c] = src[i];
    }
    return out.subarray(0, frames * C);
  }
}
