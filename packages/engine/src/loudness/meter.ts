import { LoudnessInputError } from './errors';
import {
  ABSOLUTE_GATE_ENERGY,
  GrowableF64,
  energyToLufs,
  integratedFromBlocks,
  rangeFromShortTerm,
} from './gating';
import { designKWeighting } from './kweighting';
import { TruePeakDetector, defaultOversampling, designInterpolator } from './truepeak';

export interface LoudnessMeterOptions {
  /**
   * Per-channel weights G_i. Default by channel count (BS.1770 order): 1 mono; 2 L,R;
   * 3 L,R,C; 4 L,R,Ls,Rs; 5 L,R,C,Ls,Rs; 6 L,R,C,LFE,Ls,Rs (LFE 0, surrounds 1.41);
   * any other count: 1.0 each.
   */
  channelWeights?: readonly number[];
  /** Compute true peak (default true). Sample peak is always computed. */
  truePeak?: boolean;
  /** True-peak oversampling factor; default ×4 below 96 kHz, ×2 below 192 kHz, else ×1. */
  truePeakOversampling?: number;
}

/**
 * - 'ok': at least one 400 ms gating block passed the gates.
 * - 'silent': enough audio, but every block is below the −70 LUFS absolute gate
 *   (integrated = −Infinity).
 * - 'too-short': less than one 400 ms block of audio so far (integrated/momentary =
 *   −Infinity, range 0); peaks are still valid.
 */
export type LoudnessStatus = 'ok' | 'silent' | 'too-short';

export interface LoudnessReading {
  /** Latest momentary loudness (400 ms), LUFS. Zero-padded (as if preceded by silence) until 400 ms have been seen. */
  momentary: number;
  /** Latest short-term loudness (3 s), LUFS. Zero-padded until 3 s have been seen. */
  shortTerm: number;
  /** Gated integrated loudness so far, LUFS (−Infinity if none). */
  integrated: number;
  /** Loudness range so far, LU (0 when undefined). */
  range: number;
  /** Maximum momentary over complete 400 ms windows on the 10 ms grid, LUFS. */
  momentaryMax: number;
  /** Maximum short-term over complete 3 s windows on the 10 ms grid, LUFS. */
  shortTermMax: number;
  /** max(true peak, sample peak) over all channels, dBTP. */
  truePeak: number;
  /** max |x| over all channels, dBFS. */
  samplePeak: number;
  /** Per-channel max(true peak, sample peak), dBTP. */
  truePeakPerChannel: number[];
  durationSeconds: number;
  status: LoudnessStatus;
}

export function defaultChannelWeights(channelCount: number): number[] {
  switch (channelCount) {
    case 1:
      return [1];
    case 2:
      return [1, 1];
    case 3:
      return [1, 1, 1];
    case 4:
      return [1, 1, 1.41, 1.41];
    case 5:
      return [1, 1, 1, 1.41, 1.41];
    case 6:
      return [1, 1, 1, 0, 1.41, 1.41];
    default:
      return new Array<number>(channelCount).fill(1);
  }
}

const M_SUBS = 40; // 400 ms in 10 ms sub-blocks
const S_SUBS = 300; // 3 s
const GATE_STEP = 10; // gating blocks / LRA values every 100 ms
const DENORMAL = 1e-20;

const toDb = (lin: number): number => (lin > 0 ? 20 * Math.log10(lin) : -Infinity);

/**
 * Streaming BS.1770-4 / EBU R128 meter core. The offline `measureLoudness` drives this
 * same class, so live and offline readings cannot drift apart.
 *
 * Audio is K-weighted and squared per channel, summed into 10 ms sub-blocks; M, S, the
 * 400 ms gating blocks (75 % overlap) and the 3 s LRA windows are all sums of those
 * sub-blocks, which gives max M / max S on a 10 ms grid (EBU 3341 case 13 needs ≤ 9 ms).
 * At rates where 10 ms is not a whole number of samples (e.g. 22.05 kHz) the sub-block is
 * rounded, stretching windows by < 0.25 %.
 */
export class LoudnessMeterCore {
  readonly sampleRate: number;
  readonly channelCount: number;
  readonly hop: number;
  private readonly weights: Float64Array;
  private readonly f: Float64Array; // b0 b1 b2 a1 a2 (shelf), a1 a2 (high-pass)
  private readonly state: Float64Array; // per channel: shelf z1 z2, hp z1 z2
  private readonly subAcc: Float64Array;
  private subPos = 0;
  private readonly ring = new Float64Array(S_SUBS);
  private subCount = 0;
  private totalSamples = 0;
  private mE = 0;
  private sE = 0;
  private maxME = 0;
  private maxSE = 0;
  private readonly blocks = new GrowableF64(4096);
  private readonly stBlocks = new GrowableF64(4096);
  private lraScratch = new Float64Array(4096);
  private cacheBlocks = -1;
  private cacheI = -Infinity;
  private cacheSt = -1;
  private cacheRange = { range: 0, low: -Infinity, high: -Infinity };
  private readonly samplePeaks: Float64Array;
  private readonly blockPeaks: Float64Array;
  private readonly tp: TruePeakDetector | null;
  /** Set by the offline path to record M/S (LUFS) at every sub-block. */
  seriesM: GrowableF64 | null = null;
  seriesS: GrowableF64 | null = null;

  constructor(sampleRate: number, channelCount: number, options: LoudnessMeterOptions = {}) {
    if (!Number.isFinite(sampleRate) || sampleRate < 8000 || sampleRate > 768000) {
      throw new LoudnessInputError(`sample rate must be between 8000 and 768000 Hz, got ${sampleRate}`);
    }
    if (!Number.isInteger(channelCount) || channelCount < 1) {
      throw new LoudnessInputError(`need at least one channel, got ${channelCount}`);
    }
    const weights = options.channelWeights ?? defaultChannelWeights(channelCount);
    if (weights.length !== channelCount || weights.some((w) => !Number.isFinite(w) || w < 0)) {
      throw new LoudnessInputError(`channelWeights must be ${channelCount} finite non-negative numbers`);
    }
    this.sampleRate = sampleRate;
    this.channelCount = channelCount;
    this.hop = Math.max(1, Math.round(sampleRate / 100));
    this.weights = Float64Array.from(weights);
    const { shelf, highPass } = designKWeighting(sampleRate);
    // The high-pass gain g (numerator g·[1, -2, 1]) is folded into the channel weights,
    // which keeps the inner loop's multiply-free [1, -2, 1] numerator.
    this.f = Float64Array.of(shelf.b0, shelf.b1, shelf.b2, shelf.a1, shelf.a2, highPass.a1, highPass.a2);
    const g2 = highPass.b0 * highPass.b0;
    for (let c = 0; c < channelCount; c++) this.weights[c] *= g2;
    this.state = new Float64Array(channelCount * 4);
    this.subAcc = new Float64Array(channelCount);
    this.samplePeaks = new Float64Array(channelCount);
    this.blockPeaks = new Float64Array(channelCount);
    const factor = options.truePeakOversampling ?? defaultOversampling(sampleRate);
    this.tp = options.truePeak === false ? null : new TruePeakDetector(channelCount, designInterpolator(factor));
  }

  reset(): void {
    this.state.fill(0);
    this.subAcc.fill(0);
    this.subPos = 0;
    this.ring.fill(0);
    this.subCount = 0;
    this.totalSamples = 0;
    this.mE = this.sE = this.maxME = this.maxSE = 0;
    this.blocks.clear();
    this.stBlocks.clear();
    this.cacheBlocks = this.cacheSt = -1;
    this.samplePeaks.fill(0);
    this.tp?.reset();
    this.seriesM?.clear();
    this.seriesS?.clear();
  }

  /**
   * Feed one block of planar audio; all channels the same length. Validation happens
   * before any state changes, so a rejected block leaves the meter as it was.
   */
  push(channels: readonly Float32Array[], length?: number): void {
    const nch = this.channelCount;
    if (channels.length !== nch) {
      throw new LoudnessInputError(`expected ${nch} channel(s), got ${channels.length}`);
    }
    const n = length ?? channels[0].length;
    for (let c = 0; c < nch; c++) {
      if (channels[c].length < n || (length === undefined && channels[c].length !== n)) {
        throw new LoudnessInputError(`channel ${c} has ${channels[c].length} samples, expected ${n}`);
      }
    }
    if (n === 0) return;
    // One cheap pass per channel: x*0 is NaN for NaN and ±Inf, so the sum flags bad input.
    const peaks = this.blockPeaks;
    for (let c = 0; c < nch; c++) {
      const x = channels[c];
      let bad = 0;
      let pk = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i];
        bad += v * 0;
        const a = v < 0 ? -v : v;
        if (a > pk) pk = a;
      }
      if (bad !== 0) {
        let i = 0;
        while (Number.isFinite(x[i])) i++;
        throw new LoudnessInputError(
          `non-finite sample (${x[i]}) in channel ${c} at index ${i} of this block; the meter cannot measure NaN/Infinity`,
        );
      }
      peaks[c] = pk;
    }
    for (let c = 0; c < nch; c++) {
      if (peaks[c] > this.samplePeaks[c]) this.samplePeaks[c] = peaks[c];
      this.tp?.process(c, channels[c], n, peaks[c]);
    }

    const f = this.f;
    const b0 = f[0], b1 = f[1], b2 = f[2], a1 = f[3], a2 = f[4], h1 = f[5], h2 = f[6];
    const st = this.state;
    const hop = this.hop;
    let pos = 0;
    while (pos < n) {
      const take = Math.min(n - pos, hop - this.subPos);
      const end = pos + take;
      let c = 0;
      // Channels are filtered in pairs: the two recursions are independent, which lets the
      // CPU overlap them instead of waiting on one biquad's feedback latency.
      for (; c + 1 < nch; c += 2) {
        const x = channels[c];
        const xr = channels[c + 1];
        const o = c * 4;
        let z1 = st[o], z2 = st[o + 1], w1 = st[o + 2], w2 = st[o + 3];
        let r1 = st[o + 4], r2 = st[o + 5], q1 = st[o + 6], q2 = st[o + 7];
        let acc = 0;
        let accR = 0;
        for (let i = pos; i < end; i++) {
          const v = x[i];
          const u = xr[i];
          const y = b0 * v + z1;
          const yr = b0 * u + r1;
          z1 = b1 * v - a1 * y + z2;
          r1 = b1 * u - a1 * yr + r2;
          z2 = b2 * v - a2 * y;
          r2 = b2 * u - a2 * yr;
          const k = y + w1;
          const kr = yr + q1;
          w1 = -2 * y - h1 * k + w2;
          q1 = -2 * yr - h1 * kr + q2;
          w2 = y - h2 * k;
          q2 = yr - h2 * kr;
          acc += k * k;
          accR += kr * kr;
        }
        st[o] = z1; st[o + 1] = z2; st[o + 2] = w1; st[o + 3] = w2;
        st[o + 4] = r1; st[o + 5] = r2; st[o + 6] = q1; st[o + 7] = q2;
        this.subAcc[c] += acc;
        this.subAcc[c + 1] += accR;
      }
      if (c < nch) {
        const x = channels[c];
        const o = c * 4;
        let z1 = st[o], z2 = st[o + 1], w1 = st[o + 2], w2 = st[o + 3];
        let acc = 0;
        // Shelf then high-pass, both transposed direct form II; high-pass numerator [1,-2,1] (gain in weights).
        for (let i = pos; i < end; i++) {
          const v = x[i];
          const y = b0 * v + z1;
          z1 = b1 * v - a1 * y + z2;
          z2 = b2 * v - a2 * y;
          const k = y + w1;
          w1 = -2 * y - h1 * k + w2;
          w2 = y - h2 * k;
          acc += k * k;
        }
        st[o] = z1; st[o + 1] = z2; st[o + 2] = w1; st[o + 3] = w2;
        this.subAcc[c] += acc;
      }
      this.subPos += take;
      pos = end;
      if (this.subPos === hop) this.completeSubBlock();
    }
    this.totalSamples += n;
  }

  private completeSubBlock(): void {
    const nch = this.channelCount;
    let e = 0;
    for (let c = 0; c < nch; c++) {
      e += this.weights[c] * this.subAcc[c];
      this.subAcc[c] = 0;
    }
    // Filter states decay toward zero in silence; flushing avoids slow denormal arithmetic.
    const st = this.state;
    for (let i = 0; i < st.length; i++) if (st[i] < DENORMAL && st[i] > -DENORMAL) st[i] = 0;

    const ring = this.ring;
    ring[this.subCount % S_SUBS] = e;
    this.subCount++;
    this.subPos = 0;
    const count = this.subCount;
    const last = count - 1;

    // Sums are recomputed from the ring rather than kept as running sums, so there is no
    // floating-point drift over hours of audio. Unfilled slots are zero.
    const head = last % S_SUBS;
    let sm = 0;
    for (let i = 0, p = head; i < M_SUBS; i++) {
      sm += ring[p];
      p = p === 0 ? S_SUBS - 1 : p - 1;
    }
    let ss = 0;
    for (let i = 0; i < S_SUBS; i++) ss += ring[i];
    this.mE = sm / (M_SUBS * this.hop);
    this.sE = ss / (S_SUBS * this.hop);

    if (count >= M_SUBS) {
      if (this.mE > this.maxME) this.maxME = this.mE;
      if (count % GATE_STEP === 0 && this.mE > ABSOLUTE_GATE_ENERGY) this.blocks.push(this.mE);
    }
    if (count >= S_SUBS) {
      if (this.sE > this.maxSE) this.maxSE = this.sE;
      if (count % GATE_STEP === 0 && this.sE >= ABSOLUTE_GATE_ENERGY) this.stBlocks.push(this.sE);
    }
    this.seriesM?.push(energyToLufs(this.mE));
    this.seriesS?.push(energyToLufs(this.sE));
  }

  integrated(): number {
    if (this.cacheBlocks !== this.blocks.length) {
      this.cacheI = integratedFromBlocks(this.blocks.data, this.blocks.length);
      this.cacheBlocks = this.blocks.length;
    }
    return this.cacheI;
  }

  rangeDetail(): { range: number; low: number; high: number } {
    const n = this.stBlocks.length;
    if (this.cacheSt !== n) {
      if (this.lraScratch.length < n) this.lraScratch = new Float64Array(this.stBlocks.data.length);
      this.cacheRange = rangeFromShortTerm(this.stBlocks.data, n, this.lraScratch);
      this.cacheSt = n;
    }
    return this.cacheRange;
  }

  get subBlockCount(): number {
    return this.subCount;
  }

  read(into?: LoudnessReading): LoudnessReading {
    const r = into ?? ({ truePeakPerChannel: [] as number[] } as unknown as LoudnessReading);
    const enough = this.subCount >= M_SUBS;
    r.momentary = this.subCount > 0 ? energyToLufs(this.mE) : -Infinity;
    r.shortTerm = this.subCount > 0 ? energyToLufs(this.sE) : -Infinity;
    r.integrated = this.integrated();
    r.range = this.rangeDetail().range;
    r.momentaryMax = enough ? energyToLufs(this.maxME) : -Infinity;
    r.shortTermMax = this.subCount >= S_SUBS ? energyToLufs(this.maxSE) : -Infinity;
    let sp = 0;
    let tp = 0;
    const per = r.truePeakPerChannel ?? (r.truePeakPerChannel = []);
    per.length = this.channelCount;
    for (let c = 0; c < this.channelCount; c++) {
      const s = this.samplePeaks[c];
      const t = Math.max(s, this.tp ? this.tp.peaks[c] : 0);
      if (s > sp) sp = s;
      if (t > tp) tp = t;
      per[c] = toDb(t);
    }
    r.samplePeak = toDb(sp);
    r.truePeak = toDb(tp);
    r.durationSeconds = this.totalSamples / this.sampleRate;
    r.status = !enough ? 'too-short' : r.integrated === -Infinity ? 'silent' : 'ok';
    return r;
  }
}

export interface LoudnessMeter {
  readonly sampleRate: number;
  readonly channelCount: number;
  push(channels: readonly Float32Array[]): void;
  reset(): void;
  /** Pass a previous reading to refill it instead of allocating a new object. */
  read(into?: LoudnessReading): LoudnessReading;
}

/**
 * Live meter for e.g. an AudioWorklet: push 128-frame quanta (or any size), read whenever.
 * Steady-state pushes do not allocate; integrated/LRA are recomputed lazily in O(n) only
 * when a new 100 ms block has arrived since the last read.
 */
export function createLoudnessMeter(
  sampleRate: number,
  channelCount: number,
  options: LoudnessMeterOptions = {},
): LoudnessMeter {
  const core = new LoudnessMeterCore(sampleRate, channelCount, options);
  return {
    sampleRate,
    channelCount,
    push: (channels) => core.push(channels),
    reset: () => core.reset(),
    read: (into) => core.read(into),
  };
}
