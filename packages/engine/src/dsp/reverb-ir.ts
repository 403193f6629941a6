import { mulberry32 } from '../util/prng';

/**
 * The reverb is a ConvolverNode fed with an impulse response synthesised here from the
 * parameters: exponentially decaying noise (RT60 = decay) whose brightness falls over time
 * (damping), preceded by sparse early reflections spread according to size. Why convolution
 * rather than an algorithmic (feedback) reverb: the convolver is a native node, fast in both
 * Chromium and node-web-audio-api, and the IR comes from the seeded PRNG, so the same
 * parameters give bit-identical reverb everywhere — an algorithmic reverb would need an
 * AudioWorklet, which costs a thread round-trip per block in Node (see BENCHMARKS.md).
 */
export interface ReverbSettings {
  decaySeconds: number;
  dampingHz: number;
  /** 0…100 % */
  size: number;
}

const MAX_IR_SECONDS = 12;

/**
 * The reverb's input matrix [a, b, c, d] (L' = a·L + b·R, R' = c·L + d·R) before the convolver,
 * whose two channels are decorrelated rooms: mid kept, side at 1/3. A stereo convolver alone
 * keeps each side's reverb on its side, so a hard-panned source had its reverb on one side only;
 * through this matrix its reverb fills both, the far side 6 dB (2/3 : 1/3) below the near one,
 * as a room answers a source near one wall. A centred source's reverb is unchanged.
 */
export const REVERB_SEND_SPREAD = [2 / 3, 1 / 3, 1 / 3, 2 / 3] as const;

/** Frames of the impulse response for a decay (seconds). */
export function reverbIrLength(sampleRate: number, decaySeconds: number): number {
  const decay = Math.max(0.05, decaySeconds);
  return Math.max(1, Math.round(Math.min(MAX_IR_SECONDS, decay * 1.2 + 0.05) * sampleRate));
}

/** Samples of the impulse response made between two pauses of reverbImpulseResponseSteps (~3 ms of work). */
export const REVERB_IR_STEP = 16384;

export function reverbImpulseResponse(sampleRate: number, s: ReverbSettings, seed = 0x5eed): Float32Array[] {
  const steps = reverbImpulseResponseSteps(sampleRate, s, seed);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same impulse response, made in steps: it pauses (yields) after every REVERB_IR_STEP
 * samples, so a page can make it a few milliseconds at a time (a 3 s room in one piece was
 * 0.1 s of the main thread on a loaded machine) and still get exactly what a render makes.
 */
export function* reverbImpulseResponseSteps(sampleRate: number, s: ReverbSettings, seed = 0x5eed): Generator<void, Float32Array[], void> {
  const decay = Math.max(0.05, s.decaySeconds);
  const size = Math.min(1, Math.max(0, s.size / 100));
  const length = reverbIrLength(sampleRate, s.decaySeconds);
  const fadeIn = Math.round((0.004 + 0.05 * size) * sampleRate);
  const erSpan = (0.005 + 0.06 * size) * sampleRate;
  const erCount = 4 + Math.round(12 * size);
  const out: Float32Array[] = [];
  for (let c = 0; c < 2; c++) {
    const rand = mulberry32(seed + c * 7919);
    const ir = new Float32Array(length);
    // Tail: noise through a one-pole low-pass whose cut-off halves every decay/3 seconds from `damping`.
    let lp = 0;
    const decayPerSample = Math.exp(-6.907755 / (decay * sampleRate)); // -60 dB at t = decay
    let env = 1;
    for (let from = 0; from < length; from += REVERB_IR_STEP) {
      const to = Math.min(length, from + REVERB_IR_STEP);
      for (let i = from; i < to; i++) {
        const t = i / sampleRate;
        const fc = Math.max(200, s.dampingHz * Math.pow(2, (-3 * t) / decay));
        const a = Math.exp((-2 * Math.PI * fc) / sampleRate);
        lp = (1 - a) * (rand() * 2 - 1) + a * lp;
        const ramp = i < fadeIn ? i / fadeIn : 1;
        ir[i] = lp * env * ramp;
        env *= decayPerSample;
      }
      yield;
    }
    // Early reflections: sparse taps, decorrelated between the two channels.
    for (let k = 0; k < erCount; k++) {
      const at = Math.min(length - 1, Math.round(((k + rand()) / erCount) * erSpan));
      ir[at] += (rand() < 0.5 ? -1 : 1) * 0.6 * Math.pow(decayPerSample, at) * (1 - k / (erCount + 1));
    }
    out.push(ir);
  }
  // Unit energy per channel: the return fader and the send level alone set how loud the reverb is.
  for (const ir of out) {
    let e = 0;
    for (let i = 0; i < ir.length; i++) e += ir[i] * ir[i];
    const g = 1 / Math.sqrt(Math.max(e, 1e-20));
    for (let i = 0; i < ir.length; i++) ir[i] *= g;
  }
  return out;
}
