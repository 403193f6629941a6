// Loudness of the live mix as a bounce would have it, for level-matched A/B against a version.
import { measureLoudness, renderMixDetailed } from '@mixroom/engine';
import { isolatedTone } from './bounce';
import type { SessionRuntime } from './session-runtime';

export async function liveMixLoudness(runtime: SessionRuntime, onProgress: (fraction: number) => void): Promise<number> {
  const Tone = runtime.Tone;
  if (!Tone || !runtime.liveContext) throw new Error('audio is not ready yet');
  const stems = new Map<string, AudioBuffer>();
  for (const s of runtime.session.stems) {
    const b = runtime.getBuffer(s.id);
    if (b) stems.set(s.id, b);
  }
  if (stems.size === 0) throw new Error('no stems are loaded');
  const { audio } = await renderMixDetailed(isolatedTone(Tone, runtime.liveContext!), runtime.model.getState(), stems, { sampleRate: 48000, onProgress });
  const channels = Array.from({ length: audio.numberOfChannels }, (_, c) => audio.getChannelData(c).slice());
  return measureLoudness(channels, audio.sampleRate).integrated;
}
