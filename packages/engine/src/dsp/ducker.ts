/**
 * The talkback ducker's gain envelope: while voice is active the music goes down to `depthDb`
 * (linearly in dB over `attackMs` for the full depth), stays there `holdMs` after the voice stops
 * (the gaps between words and sentences do not let it bounce: no pumping), then comes back to
 * 0 dB over `releaseMs`. A pure block processor, no allocation: `process` writes per-sample linear
 * gains for an audio-rate path; `advance` moves by a number of frames and returns the gain, for a
 * control-rate caller ramping an AudioParam.
 */
export interface DuckerOptions {
  sampleRate: number;
  /** Gain while ducked, dB (≤ 0). Default −12. */
  depthDb?: number;
  attackMs?: number;
  holdMs?: number;
  releaseMs?: number;
}

export const DUCKER_DEFAULTS = { depthDb: -12, attackMs: 30, holdMs: 300, releaseMs: 600 } as const;

export class DuckerEnvelope {
  private depth: number;
  private readonly holdSamples: number;
  private readonly attackSamples: number;
  private readonly releaseSamples: number;
  private holdLeft = 0;
  /** Current gain, dB (0 = not ducked). */
  gainDb = 0;

  constructor(options: DuckerOptions) {
    const sr = options.sampleRate;
    this.depth = clampDepth(options.depthDb ?? DUCKER_DEFAULTS.depthDb);
    this.attackSamples = Math.max(1, ((options.attackMs ?? DUCKER_DEFAULTS.attackMs) / 1000) * sr);
    this.holdSamples = ((options.holdMs ?? DUCKER_DEFAULTS.holdMs) / 1000) * sr;
    this.releaseSamples = Math.max(1, ((options.releaseMs ?? DUCKER_DEFAULTS.releaseMs) / 1000) * sr);
  }

  get depthDb(): number {
    return this.depth;
  }

  /** A new depth applies from the next frames, reached at the attack (deeper) or release (shallower) rate. */
  setDepth(depthDb: number): void {
    this.depth = clampDepth(depthDb);
  }

  /** Linear gain now. */
  get gain(): number {
    return 10 ** (this.gainDb / 20);
  }

  /** Whether the music is turned down at all now. */
  get ducking(): boolean {
    return this.gainDb < -0.01;
  }

  /** Moves `frames` frames on with the voice active (`trigger`) or not; returns the linear gain after them. */
  advance(trigger: boolean, frames: number): number {
    if (frames <= 0) return this.gain;
    let g = this.gainDb;
    const down = -this.depth / this.attackSamples;
    const up = -this.depth / this.releaseSamples || 12 / this.releaseSamples;
    if (trigger) {
      this.holdLeft = this.holdSamples;
      g = g > this.depth ? Math.max(this.depth, g - down * frames) : Math.min(this.depth, g + up * frames);
    } else {
      const held = Math.min(this.holdLeft, frames);
      this.holdLeft -= held;
      const rest = frames - held;
      // Holding: a depth made deeper meanwhile is still reached; only the release waits.
      if (held > 0 && g > this.depth) g = Math.max(this.depth, g - down * held);
      if (rest > 0) g = Math.min(0, g + up * rest);
    }
    this.gainDb = g;
    return this.gain;
  }

  /** Writes the per-sample linear gain for `length` samples (default `out.length`) into `out`. */
  process(trigger: boolean, out: Float32Array, length = out.length): number {
    for (let i = 0; i < length; i++) out[i] = this.advance(trigger, 1);
    return this.gain;
  }

  reset(): void {
    this.gainDb = 0;
    this.holdLeft = 0;
  }
}

function clampDepth(db: number): number {
  if (!Number.isFinite(db)) return DUCKER_DEFAULTS.depthDb;
  return Math.max(-60, Math.min(0, db));
}
