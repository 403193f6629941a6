/**
 * Voice-activity detection for talkback: is someone speaking in this block of a received voice?
 * A block processor (any length, no allocation) meant to be fed ~10–40 ms blocks, e.g. an
 * AnalyserNode's time-domain data.
 *
 * Per block: the level (RMS after a 120 Hz one-pole high-pass that removes hum and rumble) and the
 * zero-crossing rate. A block is voiced when its level is above an absolute floor (`minDb`) and
 * `snrDb` above the tracked noise floor, and it crosses zero as speech does rather than as hiss
 * (vowels a few hundred to ~2000 times a second; white noise half the sample rate). The noise
 * floor falls at once to a quieter block and rises slowly (`floorRiseDbPerSec`), so steady noise
 * or hum becomes the floor and speech over it still counts.
 * Activity needs `onsetMs` of voiced blocks in a row (a click does not count) and lasts
 * `hangoverMs` after the last one (the gaps between words do not end it).
 */
export interface VoiceActivityOptions {
  sampleRate: number;
  /** Below this level nothing is voice, dBFS. */
  minDb?: number;
  /** Above the noise floor by this much, dB. */
  snrDb?: number;
  /** Zero crossings per second above which a block is hiss, not voice (white noise: half the sample rate). */
  maxCrossingsPerSec?: number;
  onsetMs?: number;
  hangoverMs?: number;
  floorRiseDbPerSec?: number;
}

const FLOOR_MIN_DB = -100;

export class VoiceActivityDetector {
  private readonly minDb: number;
  private readonly snrDb: number;
  private readonly maxZcr: number;
  private readonly onsetSamples: number;
  private readonly hangoverSamples: number;
  private readonly floorRisePerSample: number;
  private readonly hpCoef: number;
  private hpPrevIn = 0;
  private hpPrevOut = 0;
  private voicedRun = 0;
  private sinceVoiced = Infinity;
  /** Level of the last block, dBFS (−∞ for digital silence). */
  levelDb = -Infinity;
  /** Zero crossings per sample of the last block. */
  zeroCrossingRate = 0;
  noiseFloorDb = -70;
  active = false;
  /** Until the first block with any signal: that block's level is the floor (a hum from the start is not voice). */
  private fresh = true;

  constructor(readonly options: VoiceActivityOptions) {
    const sr = options.sampleRate;
    this.minDb = options.minDb ?? -50;
    this.snrDb = options.snrDb ?? 10;
    this.maxZcr = (options.maxCrossingsPerSec ?? 4000) / sr;
    this.onsetSamples = ((options.onsetMs ?? 20) / 1000) * sr;
    this.hangoverSamples = ((options.hangoverMs ?? 250) / 1000) * sr;
    this.floorRisePerSample = (options.floorRiseDbPerSec ?? 3) / sr;
    this.hpCoef = Math.exp((-2 * Math.PI * 120) / sr);
  }

  /** Analyses `length` samples of `block`; returns whether voice is active after it. */
  process(block: Float32Array, length = block.length): boolean {
    if (length <= 0) return this.active;
    let sum = 0;
    let crossings = 0;
    let prevIn = this.hpPrevIn;
    let prevOut = this.hpPrevOut;
    let prevSign = prevOut >= 0;
    const a = this.hpCoef;
    for (let i = 0; i < length; i++) {
      const x = block[i];
      const y = a * (prevOut + x - prevIn);
      prevIn = x;
      prevOut = y;
      sum += y * y;
      const sign = y >= 0;
      if (sign !== prevSign) crossings++;
      prevSign = sign;
    }
    this.hpPrevIn = prevIn;
    this.hpPrevOut = prevOut;
    const rms = Math.sqrt(sum / length);
    const level = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
    this.levelDb = level;
    this.zeroCrossingRate = crossings / length;

    if (this.fresh && Number.isFinite(level)) {
      this.fresh = false;
      this.noiseFloorDb = level;
    }
    const voiced = level > this.minDb && level > this.noiseFloorDb + this.snrDb && this.zeroCrossingRate <= this.maxZcr;
    // The floor follows quieter blocks at once and creeps up otherwise, a third as fast under
    // voice: speech has pauses that pull it back down, a steady tone or hum has none and becomes it.
    if (level < this.noiseFloorDb) this.noiseFloorDb = Math.max(FLOOR_MIN_DB, level);
    else this.noiseFloorDb = Math.min(level, this.noiseFloorDb + (this.floorRisePerSample * length) / (voiced ? 3 : 1));

    if (voiced) {
      this.voicedRun += length;
      if (this.voicedRun >= this.onsetSamples) {
        this.active = true;
        this.sinceVoiced = 0;
      }
    } else {
      this.voicedRun = 0;
      this.sinceVoiced += length;
      if (this.sinceVoiced > this.hangoverSamples) this.active = false;
    }
    return this.active;
  }

  reset(): void {
    this.hpPrevIn = this.hpPrevOut = 0;
    this.voicedRun = 0;
    this.sinceVoiced = Infinity;
    this.levelDb = -Infinity;
    this.zeroCrossingRate = 0;
    this.noiseFloorDb = -70;
    this.active = false;
    this.fresh = true;
  }
}
