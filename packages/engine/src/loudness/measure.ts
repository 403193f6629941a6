import { LoudnessInputError } from './errors';
import { GrowableF64 } from './gating';
import { LoudnessMeterCore, type LoudnessMeterOptions, type LoudnessStatus } from './meter';

export interface LoudnessResult {
  /** Integrated (gated) loudness, LUFS; −Infinity for silence or audio shorter than 400 ms. */
  integrated: number;
  /** Loudness range (EBU Tech 3342), LU; 0 when undefined (silence, < 3 s). */
  range: number;
  /** Low / high ends of the LRA (10th / 95th percentile of gated short-term), LUFS. */
  rangeLow: number;
  rangeHigh: number;
  momentaryMax: number;
  shortTermMax: number;
  /** max(true peak, sample peak) over channels, dBTP. */
  truePeak: number;
  samplePeak: number;
  truePeakPerChannel: number[];
  /**
   * Momentary / short-term loudness (LUFS) at the end of every hop: index k covers the
   * window ending at (k+1)·seriesHopSeconds. Windows reaching before the start are
   * zero-padded (read as if preceded by silence).
   */
  momentary: Float32Array;
  shortTerm: Float32Array;
  seriesHopSeconds: number;
  durationSeconds: number;
  /** 'too-short' (< 400 ms), 'silent' (nothing above −70 LUFS) or 'ok'. */
  status: LoudnessStatus;
}

export interface MeasureOptions extends LoudnessMeterOptions {
  /** Skip building the M/S series (saves memory on long files). Default true. */
  series?: boolean;
}

const CHUNK = 1 << 16;

/**
 * Offline BS.1770-4 / EBU R128 measurement of planar float audio. Built on the same
 * `LoudnessMeterCore` as the live meter (fed in 64 k-sample chunks).
 *
 * Throws `LoudnessInputError` for 0 channels, mismatched channel lengths, a bad sample
 * rate or NaN/Infinity samples.
 */
export function measureLoudness(
  channels: readonly Float32Array[],
  sampleRate: number,
  options: MeasureOptions = {},
): LoudnessResult {
  if (!Array.isArray(channels) || channels.length === 0) {
    throw new LoudnessInputError('no channels given: need at least one Float32Array');
  }
  const n = channels[0].length;
  channels.forEach((ch, i) => {
    if (!(ch instanceof Float32Array)) throw new LoudnessInputError(`channel ${i} is not a Float32Array`);
    if (ch.length !== n) throw new LoudnessInputError(`channel ${i} has ${ch.length} samples, channel 0 has ${n}`);
  });
  const core = new LoudnessMeterCore(sampleRate, channels.length, options);
  const wantSeries = options.series !== false;
  if (wantSeries) {
    const cap = Math.ceil(n / core.hop) + 1;
    core.seriesM = new GrowableF64(cap);
    core.seriesS = new GrowableF64(cap);
  }
  const views = channels.map((c) => c.subarray(0, 0));
  for (let pos = 0; pos < n; pos += CHUNK) {
    const end = Math.min(n, pos + CHUNK);
    for (let c = 0; c < channels.length; c++) views[c] = channels[c].subarray(pos, end);
    core.push(views);
  }
  const r = core.read();
  const range = core.rangeDetail();
  return {
    integrated: r.integrated,
    range: range.range,
    rangeLow: range.low,
    rangeHigh: range.high,
    momentaryMax: r.momentaryMax,
    shortTermMax: r.shortTermMax,
    truePeak: r.truePeak,
    samplePeak: r.samplePeak,
    truePeakPerChannel: r.truePeakPerChannel,
    momentary: wantSeries ? Float32Array.from(core.seriesM!.data.subarray(0, core.seriesM!.length)) : new Float32Array(0),
    shortTerm: wantSeries ? Float32Array.from(core.seriesS!.data.subarray(0, core.seriesS!.length)) : new Float32Array(0),
    seriesHopSeconds: core.hop / sampleRate,
    durationSeconds: r.durationSeconds,
    status: r.status,
  };
}
