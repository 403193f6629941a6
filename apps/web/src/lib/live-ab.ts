// Loudness of the live mix as a bounce would have it, for level-matched A/B against a version.
import { measureLoudness, renderMixDetailed } from '@mixroom/engine';
import { offlineRenderInputs } from './bounce';
import type { SessionRuntime } from './session-runtime';

export async function liveMixLoudness(runtime: SessionRuntime, onProgress: (fraction: number) => void): Promise<number> {
  const { Tone, stems } = await offlineRenderInputs(runtime, runtime.sampleRate);
  const { audio } = await renderMixDetailed(Tone, runtime.model.getState(), stems, { sampleRate: runtime.sampleRate, onProgress });
  const channels = Array.from({ length: audio.numberOfChannels }, (_, c) => audio.getChannelData(c).slice());
  return measureLoudness(channels, audio.sampleRate).integrated;
}
