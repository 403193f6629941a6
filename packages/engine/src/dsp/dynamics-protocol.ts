/**
 * The 'mixroom-dynamics' AudioWorklet: a channel compressor, or the master's glue compressor
 * followed by the true-peak limiter. Shared by the graph (main thread) and the processor.
 */
export const DYNAMICS_PROCESSOR_NAME = 'mixroom-dynamics';

export type DynamicsKind = 'channel' | 'master';

export interface DynamicsProcessorOptions {
  kind: DynamicsKind;
  channelCount: number;
}

/** k-rate AudioParams of the processor, with the value a fresh node starts from. */
export const DYNAMICS_PARAMS = {
  compOn: 0,
  threshold: -18,
  ratio: 4,
  attack: 10,
  release: 100,
  knee: 6,
  makeup: 0,
  limiterOn: 1,
  ceiling: -1,
  limiterRelease: 60,
  drive: 0,
} as const;
export type DynamicsParamName = keyof typeof DYNAMICS_PARAMS;

/** Posted by the processor about every 50 ms: gain reduction in dB (positive numbers). */
export interface GainReductionMessage {
  type: 'gain-reduction';
  compressor: number;
  limiter: number;
}


/**
 * The 'mixroom-delay' AudioWorklet (registered by the same script as 'mixroom-dynamics'): the
 * delay return's kernel (dsp/delay.ts) for live playback. k-rate params and their start values.
 */
export const DELAY_PROCESSOR_NAME = 'mixroom-delay';
export const DELAY_WORKLET_PARAMS = {
  time: 0.375,
  feedback: 0.35,
  highcut: 8000,
} as const;
export type DelayParamName = keyof typeof DELAY_WORKLET_PARAMS;
