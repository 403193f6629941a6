import type { MixState } from '../model/mix-model';
import { dbToGain } from '../model/params';
import { CompressorKernel, type CompressorSettings } from '../dsp/compressor';
import { TruePeakLimiterKernel } from '../dsp/limiter';

/**
 * Offline renders run the compressor and limiter kernels on the calling thread (offline/stream.ts
 * streams the whole render; master-to-target.ts re-runs the master section), never in an
 * AudioWorklet: node-web-audio-api hands every 128-frame block of every worklet to another
 * thread and back, which costs far more than the kernels themselves (see BENCHMARKS.md). Live
 * playback runs the same kernels in the 'mixroom-dynamics' worklet.
 */

export function compressorSettings(p: Record<string, number>, section: 'comp' | 'glue'): CompressorSettings {
  return {
    on: p[`${section}.on`] >= 0.5,
    thresholdDb: p[`${section}.threshold`],
    ratio: p[`${section}.ratio`],
    attackMs: p[`${section}.attack`],
    releaseMs: p[`${section}.release`],
    kneeDb: p[`${section}.knee`],
    makeupDb: p[`${section}.makeup`],
  };
}

/** Lanes of the master's glue compressor and limiter: masterDynamics plays them, not the pre-render. */
export const isDynamicsLane = (key: string) => key.startsWith('master/glue.') || key.startsWith('master/limiter.');

/** The master up to its dynamics: glue, limiter and output gain off (master-to-target applies them afterwards). */
export function withoutMasterDynamics(state: MixState): MixState {
  const params = { ...state.master.params, 'glue.on': 0, 'limiter.on': 0, gain: 0 };
  const automation = Object.fromEntries(Object.entries(state.automation ?? {}).filter(([key]) => !isDynamicsLane(key)));
  return { ...state, master: { gain: 0, params }, automation };
}

export function limiterLatency(sampleRate: number): number {
  return new TruePeakLimiterKernel(sampleRate, 1, { on: true, ceilingDb: 0, releaseMs: 50 }).latency;
}

/**
 * The master's glue compressor → true-peak limiter → output gain over a whole pre-rendered mix, in place. `audio` holds
 * `latency` extra samples at the end; the result is shifted so sample 0 is song position 0.
 */
export function masterDynamics(state: MixState, audio: Float32Array[], length: number, sampleRate: number): Float32Array[] {
  const p = state.master.params;
  const total = audio[0].length;
  const glue = new CompressorKernel(sampleRate, compressorSettings(p, 'glue'));
  const limiter = new TruePeakLimiterKernel(sampleRate, audio.length, {
    on: p['limiter.on'] >= 0.5,
    ceilingDb: p['limiter.ceiling'],
    releaseMs: p['limiter.release'],
    driveDb: p['limiter.drive'],
  });
  const BLOCK = 4096;
  for (let i = 0; i < total; i += BLOCK) {
    const n = Math.min(BLOCK, total - i);
    const views = audio.map((ch) => ch.subarray(i, i + n));
    glue.process(views, n);
    limiter.process(views, n);
  }
  const g = dbToGain(state.master.gain);
  return audio.map((ch) => {
    const out = ch.slice(limiter.latency, limiter.latency + length);
    if (g !== 1) for (let i = 0; i < out.length; i++) out[i] *= g;
    return out;
  });
}
