// Loudness of the live mix as a bounce would have it: for level-matched A/B against a version and
// for checking that a master still meets its target after the mix changed.
import { measureLoudness, renderMixDetailed } from '@mixroom/engine';
import { offlineRenderInputs } from './bounce';
import type { SessionRuntime } from './session-runtime';

export interface MixLoudness {
  integrated: number;
  truePeak: number;
}

export async function measureLiveMix(runtime: SessionRuntime, onProgress: (fraction: number) => void): Promise<MixLoudness> {
  const { Tone, stems } = await offlineRenderInputs(runtime, runtime.sampleRate);
  const { audio } = await renderMixDetailed(Tone, runtime.model.getState(), stems, { sampleRate: runtime.sampleRate, onProgress });
  const channels = Array.from({ length: audio.numberOfChannels }, (_, c) => audio.getChannelData(c).slice());
  const { integrated, truePeak } = measureLoudness(channels, audio.sampleRate);
  return { integrated, truePeak };
}

export async function liveMixLoudness(runtime: SessionRuntime, onProgress: (fraction: number) => void): Promise<number> {
  return (await measureLiveMix(runtime, onProgress)).integrated;
}
