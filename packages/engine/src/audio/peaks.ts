// Multi-resolution waveform overviews. Computed once per upload and shipped to clients so
// a waveform draws before (or without) decoding any audio.
//
// Channel choice: each bucket holds the min and max over ALL channels (the union envelope,
// not a sum), so one lane per track is drawn and a clip on either side still shows.
// Quantisation rounds outward (min down, max up) so the overview never understates a peak.

export const PEAKS_VERSION = 1;
export const DEFAULT_PEAK_LEVELS = [256, 1024, 4096, 16384] as const;
const MAGIC = [0x4d, 0x58, 0x50, 0x4b]; // "MXPK"
const HEADER_BYTES = 4 + 1 + 1 + 2 + 4 + 4; // magic, version, levelCount, reserved, sampleRate, length
const LEVEL_HEADER_BYTES = 8; // samplesPerPixel, bucketCount

export interface PeakLevel {
  samplesPerPixel: number;
  /** Interleaved [min0, max0, min1, max1, …], −127..127 mapping to −1..1 full scale. */
  data: Int8Array;
}

export interface Peaks {
  sampleRate: number;
  /** Source length in sample frames. */
  length: number;
  /** Ordered finest → coarsest. */
  levels: PeakLevel[];
}

export class PeaksFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeaksFormatError';
  }
}

function quantizeDown(v: number): number {
  const q = Math.floor(v * 127);
  return q < -127 ? -127 : q > 127 ? 127 : q;
}
function quantizeUp(v: number): number {
  const q = Math.ceil(v * 127);
  return q < -127 ? -127 : q > 127 ? 127 : q;
}

export function bucketCount(level: PeakLevel): number {
  return level.data.length / 2;
}

export function computePeaks(
  channels: Float32Array[],
  sampleRate: number,
  samplesPerPixelLevels: readonly number[] = DEFAULT_PEAK_LEVELS,
): Peaks {
  if (channels.length === 0) throw new RangeError('computePeaks needs at least one channel');
  const length = channels[0].length;
  for (const ch of channels) if (ch.length !== length) throw new RangeError('All channels must have the same length');
  const spps = [...samplesPerPixelLevels].sort((a, b) => a - b);
  for (const spp of spps) {
    if (!Number.isInteger(spp) || spp < 1) throw new RangeError(`Invalid samplesPerPixel ${spp}`);
  }
  if (new Set(spps).size !== spps.length) throw new RangeError('Duplicate samplesPerPixel levels');

  // Float min/max at the finest level; coarser levels are reduced from it when they divide
  // evenly (the usual power-of-4 ladder), which keeps the whole thing a single pass over audio.
  const finest = spps[0];
  const nFine = Math.ceil(length / finest);
  const fineMin = new Float32Array(nFine);
  const fineMax = new Float32Array(nFine);
  for (let b = 0; b < nFine; b++) {
    const start = b * finest;
    const end = Math.min(length, start + finest);
    let lo = Infinity;
    let hi = -Infinity;
    for (const ch of channels) {
      for (let i = start; i < end; i++) {
        const v = ch[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    fineMin[b] = lo;
    fineMax[b] = hi;
  }

  const levels: PeakLevel[] = spps.map((spp) => {
    const n = Math.ceil(length / spp);
    const data = new Int8Array(n * 2);
    if (spp % finest === 0) {
      const ratio = spp / finest;
      for (let b = 0; b < n; b++) {
        let lo = Infinity;
        let hi = -Infinity;
        const end = Math.min(nFine, (b + 1) * ratio);
        for (let k = b * ratio; k < end; k++) {
          if (fineMin[k] < lo) lo = fineMin[k];
          if (fineMax[k] > hi) hi = fineMax[k];
        }
        data[2 * b] = quantizeDown(lo);
        data[2 * b + 1] = quantizeUp(hi);
      }
    } else {
      for (let b = 0; b < n; b++) {
        let lo = Infinity;
        let hi = -Infinity;
        const end = Math.min(length, (b + 1) * spp);
        for (const ch of channels) {
          for (let i = b * spp; i < end; i++) {
            if (ch[i] < lo) lo = ch[i];
            if (ch[i] > hi) hi = ch[i];
          }
        }
        data[2 * b] = quantizeDown(lo);
        data[2 * b + 1] = quantizeUp(hi);
      }
    }
    return { samplesPerPixel: spp, data };
  });
  return { sampleRate, length, levels };
}

/**
 * Binary layout, little-endian:
 *   "MXPK" u8 version u8 levelCount u16 reserved(0) u32 sampleRate u32 length
 *   per level: u32 samplesPerPixel u32 bucketCount, then bucketCount × (i8 min, i8 max)
 */
export function encodePeaks(p: Peaks): Uint8Array {
  if (p.levels.length > 255) throw new RangeError('Too many peak levels');
  let size = HEADER_BYTES;
  for (const l of p.levels) size += LEVEL_HEADER_BYTES + l.data.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = PEAKS_VERSION;
  out[5] = p.levels.length;
  view.setUint32(8, p.sampleRate, true);
  view.setUint32(12, p.length, true);
  let o = HEADER_BYTES;
  for (const l of p.levels) {
    view.setUint32(o, l.samplesPerPixel, true);
    view.setUint32(o + 4, l.data.length / 2, true);
    o += LEVEL_HEADER_BYTES;
    out.set(new Uint8Array(l.data.buffer, l.data.byteOffset, l.data.length), o);
    o += l.data.length;
  }
  return out;
}

export function decodePeaks(bytes: Uint8Array): Peaks {
  if (bytes.length < HEADER_BYTES) throw new PeaksFormatError(`Peaks blob is ${bytes.length} bytes; header needs ${HEADER_BYTES}`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) throw new PeaksFormatError('Not a peaks blob (bad magic)');
  if (bytes[4] !== PEAKS_VERSION) throw new PeaksFormatError(`Unsupported peaks version ${bytes[4]} (expected ${PEAKS_VERSION})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const levelCount = bytes[5];
  const sampleRate = view.getUint32(8, true);
  const length = view.getUint32(12, true);
  const levels: PeakLevel[] = [];
  let o = HEADER_BYTES;
  for (let k = 0; k < levelCount; k++) {
    if (o + LEVEL_HEADER_BYTES > bytes.length) throw new PeaksFormatError(`Peaks blob truncated in level ${k} header`);
    const samplesPerPixel = view.getUint32(o, true);
    const n = view.getUint32(o + 4, true);
    o += LEVEL_HEADER_BYTES;
    if (samplesPerPixel === 0) throw new PeaksFormatError(`Level ${k} has samplesPerPixel 0`);
    if (n !== Math.ceil(length / samplesPerPixel)) {
      throw new PeaksFormatError(`Level ${k} has ${n} buckets; ${length} samples at ${samplesPerPixel} spp needs ${Math.ceil(length / samplesPerPixel)}`);
    }
    if (o + 2 * n > bytes.length) throw new PeaksFormatError(`Peaks blob truncated in level ${k} data`);
    // Copy so the result does not pin (or alias) the caller's buffer.
    const data = new Int8Array(2 * n);
    data.set(new Int8Array(bytes.buffer, bytes.byteOffset + o, 2 * n));
    o += 2 * n;
    levels.push({ samplesPerPixel, data });
  }
  return { sampleRate, length, levels };
}

/**
 * The coarsest level that still has at least one bucket per pixel at the requested zoom
 * (samplesPerPixel ≤ wanted), so the renderer only ever merges buckets, never stretches them.
 * Zoomed in past the finest level, the finest level is returned.
 */
export function pickPeakLevel(peaks: Peaks, samplesPerPixelWanted: number): PeakLevel {
  if (peaks.levels.length === 0) throw new RangeError('Peaks have no levels');
  let finest = peaks.levels[0];
  let best: PeakLevel | undefined;
  for (const l of peaks.levels) {
    if (l.samplesPerPixel < finest.samplesPerPixel) finest = l;
    if (l.samplesPerPixel <= samplesPerPixelWanted && (!best || l.samplesPerPixel > best.samplesPerPixel)) best = l;
  }
  return best ?? finest;
}

/**
 * Builds the same Peaks as computePeaks from audio that arrives in pieces (a file being read
 * from disk), holding only the finest level's buckets in memory — about 2 bytes per
 * `finest` sample frames — never the audio itself. Every level must be a multiple of the finest.
 * Quantising is monotone, so min/max of quantised fine buckets equals quantising the float min/max.
 */
export class PeaksBuilder {
  private readonly spps: number[];
  private fine: Int8Array = new Int8Array(4096);
  private buckets = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private inBucket = 0;
  private frames = 0;

  constructor(
    readonly sampleRate: number,
    readonly channelCount: number,
    samplesPerPixelLevels: readonly number[] = DEFAULT_PEAK_LEVELS,
  ) {
    this.spps = [...samplesPerPixelLevels].sort((a, b) => a - b);
    if (this.spps.length === 0) throw new RangeError('PeaksBuilder needs at least one level');
    for (const spp of this.spps) {
      if (!Number.isInteger(spp) || spp < 1 || spp % this.spps[0] !== 0) throw new RangeError(`Level ${spp} is not a multiple of the finest level ${this.spps[0]}`);
    }
    if (channelCount < 1) throw new RangeError('PeaksBuilder needs at least one channel');
  }

  /** Appends interleaved samples (a whole number of frames). */
  pushInterleaved(samples: Float32Array | Float64Array): void {
    const ch = this.channelCount;
    if (samples.length % ch !== 0) throw new RangeError(`${samples.length} samples is not a whole number of ${ch}-channel frames`);
    const finest = this.spps[0];
    let { lo, hi, inBucket } = this;
    for (let i = 0; i < samples.length; i += ch) {
      for (let c = 0; c < ch; c++) {
        const v = samples[i + c];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (++inBucket === finest) {
        this.closeBucket(lo, hi);
        lo = Infinity;
        hi = -Infinity;
        inBucket = 0;
      }
    }
    this.frames += samples.length / ch;
    this.lo = lo;
    this.hi = hi;
    this.inBucket = inBucket;
  }

  /** Frames per bucket of the finest level. */
  get finest(): number {
    return this.spps[0];
  }

  /**
   * Appends one whole finest-level bucket given only its extremes (callers that scan raw PCM
   * themselves skip the float conversion). `frames` < finest only for the very last bucket.
   */
  pushBucket(lo: number, hi: number, frames: number): void {
    if (this.inBucket !== 0 || this.sealed) throw new RangeError('pushBucket needs to start on a bucket boundary');
    if (frames < 1 || frames > this.spps[0]) throw new RangeError(`a bucket holds 1-${this.spps[0]} frames, got ${frames}`);
    this.closeBucket(lo, hi);
    this.frames += frames;
    if (frames < this.spps[0]) this.sealed = true;
  }

  private sealed = false;

  private closeBucket(lo: number, hi: number): void {
    if (2 * this.buckets + 2 > this.fine.length) {
      const grown = new Int8Array(this.fine.length * 2);
      grown.set(this.fine);
      this.fine = grown;
    }
    this.fine[2 * this.buckets] = quantizeDown(lo);
    this.fine[2 * this.buckets + 1] = quantizeUp(hi);
    this.buckets++;
  }

  finish(): Peaks {
    if (this.inBucket > 0) {
      this.closeBucket(this.lo, this.hi);
      this.inBucket = 0;
    }
    const finest = this.spps[0];
    const fine = this.fine.subarray(0, 2 * this.buckets);
    const levels: PeakLevel[] = this.spps.map((spp) => {
      const ratio = spp / finest;
      const n = Math.ceil(this.frames / spp);
      const data = new Int8Array(n * 2);
      for (let b = 0; b < n; b++) {
        let lo = 127;
        let hi = -127;
        const end = Math.min(this.buckets, (b + 1) * ratio);
        for (let k = b * ratio; k < end; k++) {
          if (fine[2 * k] < lo) lo = fine[2 * k];
          if (fine[2 * k + 1] > hi) hi = fine[2 * k + 1];
        }
        data[2 * b] = lo;
        data[2 * b + 1] = hi;
      }
      return { samplesPerPixel: spp, data };
    });
    return { sampleRate: this.sampleRate, length: this.frames, levels };
  }
}
