// Long-term 1/3-octave spectrum of a whole file (what a reference track and a master are
// compared by): Hann-windowed FFT frames with 50 % overlap, power averaged over the file and the
// channels, summed into base-10 third-octave bands (IEC 61260 centres 10^(n/10) Hz, edges at
// ±1/20 decade). Levels are dB re a full-scale sine (AES17), so a sine of peak A reads 20·log10(A)
// in its band. A block processor: `process` never allocates; `finish` builds the result.

/** Nominal display labels of the bands, 20 Hz … 20 kHz (exact centres are 10^(n/10)). */
export const THIRD_OCTAVE_NOMINAL = [
  20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600,
  2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000,
] as const;
const FIRST_BAND_INDEX = 13; // 10^(13/10) ≈ 19.95 Hz

export interface ThirdOctaveSpectrum {
  /** Nominal band centres, Hz (THIRD_OCTAVE_NOMINAL). */
  centersHz: number[];
  /** Long-term level per band, dB re full-scale sine; null where the band is above Nyquist or silent. */
  levelsDb: Array<number | null>;
}

export const DEFAULT_SPECTRUM_FFT_SIZE = 16384;

export class ThirdOctaveAnalyzer {
  private readonly n: number;
  private readonly window: Float32Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;
  /** One frame's history per channel (ring filled by `process`). */
  private readonly frames: Float32Array[];
  private fill = 0;
  /** Accumulated power per bin, summed over frames and channels. */
  private readonly power: Float64Array;
  private frameCount = 0;
  /** Band contributions: bin `bins[i]` adds `weights[i]` of its power to band `bands[i]`. */
  private readonly bins: Uint32Array;
  private readonly bands: Uint8Array;
  private readonly weights: Float64Array;
  private readonly bandCount = THIRD_OCTAVE_NOMINAL.length;
  private readonly windowPower: number;
  /** Samples seen in the current partial frame (a file shorter than one frame is zero-padded). */
  private pending = 0;

  constructor(readonly sampleRate: number, readonly channelCount: number, fftSize = DEFAULT_SPECTRUM_FFT_SIZE) {
    if (!(fftSize >= 256 && (fftSize & (fftSize - 1)) === 0)) throw new RangeError(`fftSize must be a power of two ≥ 256, got ${fftSize}`);
    const n = (this.n = fftSize);
    this.window = new Float32Array(n);
    let wp = 0;
    for (let i = 0; i < n; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
      this.window[i] = w;
      wp += w * w;
    }
    this.windowPower = wp;
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let i = 0; i < n / 2; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / n);
      this.sin[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    const bits = Math.log2(n);
    this.rev = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.frames = Array.from({ length: channelCount }, () => new Float32Array(n));
    this.power = new Float64Array(n / 2 + 1);

    // Each bin stands for [f − Δ/2, f + Δ/2); it feeds a band in proportion to the overlap, so
    // narrow low bands (a few bins wide) still get the right share of a smooth spectrum.
    const df = sampleRate / n;
    const bins: number[] = [];
    const bands: number[] = [];
    const weights: number[] = [];
    for (let b = 0; b < this.bandCount; b++) {
      const centre = 10 ** ((FIRST_BAND_INDEX + b) / 10);
      const lo = centre * 10 ** -0.05;
      const hi = centre * 10 ** 0.05;
      if (hi > sampleRate / 2) continue;
      for (let k = Math.max(1, Math.floor(lo / df)); k <= Math.min(n / 2, Math.ceil(hi / df)); k++) {
        const overlap = Math.min(hi, (k + 0.5) * df) - Math.max(lo, (k - 0.5) * df);
        if (overlap <= 0) continue;
        bins.push(k);
        bands.push(b);
        weights.push(overlap / df);
      }
    }
    this.bins = Uint32Array.from(bins);
    this.bands = Uint8Array.from(bands);
    this.weights = Float64Array.from(weights);
  }

  /** Feeds `length` frames of every channel (planar). */
  process(channels: readonly Float32Array[], length = channels[0]?.length ?? 0): void {
    const hop = this.n / 2;
    let i = 0;
    while (i < length) {
      const take = Math.min(length - i, this.n - this.fill);
      for (let c = 0; c < this.channelCount; c++) this.frames[c].set(channels[c].subarray(i, i + take), this.fill);
      this.fill += take;
      this.pending += take;
      i += take;
      if (this.fill === this.n) {
        this.analyseFrame();
        // 50 % overlap: the frame's second half becomes the next frame's first half.
        for (let c = 0; c < this.channelCount; c++) this.frames[c].copyWithin(0, hop);
        this.fill = hop;
        this.pending = 0;
      }
    }
  }

  /** The long-term spectrum of everything fed so far. */
  finish(): ThirdOctaveSpectrum {
    // A file shorter than one frame is analysed once, zero-padded, scaled to its real length.
    if (this.frameCount === 0 && this.pending > 0) {
      for (let c = 0; c < this.channelCount; c++) this.frames[c].fill(0, this.fill);
      this.analyseFrame(this.n / this.fill);
    }
    const bandPower = new Float64Array(this.bandCount);
    for (let i = 0; i < this.bins.length; i++) bandPower[this.bands[i]] += this.power[this.bins[i]] * this.weights[i];
    const nyquist = this.sampleRate / 2;
    const norm = this.frameCount * this.channelCount;
    const levelsDb = Array.from(bandPower, (p, b) => {
      const hi = 10 ** ((FIRST_BAND_INDEX + b) / 10 + 0.05);
      if (hi > nyquist || norm === 0 || !(p > 0)) return null;
      // Mean square → dB re a full-scale sine (mean square ½).
      return Math.round(10 * Math.log10((p / norm) * 2) * 100) / 100;
    });
    return { centersHz: [...THIRD_OCTAVE_NOMINAL], levelsDb };
  }

  private analyseFrame(scale = 1): void {
    const { n, re, im, window, power } = this;
    for (let c = 0; c < this.channelCount; c++) {
      const x = this.frames[c];
      for (let i = 0; i < n; i++) {
        const j = this.rev[i];
        re[j] = x[i] * window[i];
        im[j] = 0;
      }
      this.fft();
      // One-sided power, normalised (Parseval) so that the bins sum to the frame's mean square.
      const k0 = scale / (n * this.windowPower);
      power[0] += re[0] * re[0] * k0;
      power[n / 2] += (re[n / 2] * re[n / 2] + im[n / 2] * im[n / 2]) * k0;
      for (let k = 1; k < n / 2; k++) power[k] += 2 * (re[k] * re[k] + im[k] * im[k]) * k0;
    }
    this.frameCount++;
  }

  /** In-place iterative radix-2 FFT of (re, im), input already in bit-reversed order. */
  private fft(): void {
    const { n, re, im, cos, sin } = this;
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let j = 0, t = 0; j < half; j++, t += step) {
          const a = start + j;
          const b = a + half;
          const tr = re[b] * cos[t] - im[b] * sin[t];
          const ti = re[b] * sin[t] + im[b] * cos[t];
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
  }
}

/** The long-term 1/3-octave spectrum of planar audio (averaged over its channels). */
export function measureSpectrum(channels: readonly Float32Array[], sampleRate: number, fftSize = DEFAULT_SPECTRUM_FFT_SIZE): ThirdOctaveSpectrum {
  const a = new ThirdOctaveAnalyzer(sampleRate, channels.length, fftSize);
  a.process(channels);
  return a.finish();
}
