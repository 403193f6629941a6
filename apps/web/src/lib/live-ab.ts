// The live mix as a bounce would have it: rendered offline in this browser, for the version
// player (where it is one more side, sample-aligned with the versions and references and
// level-matched by its integrated loudness) and for checking that a master still meets its target
// after the mix changed.
import { computePeaks, measureLoudness, renderMixDetailed, ThirdOctaveAnalyzer, type MixState, type Peaks, type ThirdOctaveSpectrum } from '@mixroom/engine';
import { offlineRenderInputs } from './bounce';
import type { SessionRuntime } from './session-runtime';

export interface MixLoudness {
  integrated: number;
  truePeak: number;
}

/** A render of the live mix for the version player. */
export interface LiveMixRender extends MixLoudness {
  /** Loudness range, LU. */
  range: number;
  /** Long-term 1/3-octave spectrum, as the server measures versions and references. */
  spectrum: ThirdOctaveSpectrum;
  /** At the session's rate (the deck's context's), so it starts on the same frames as the versions. */
  buffer: AudioBuffer;
  peaks: Peaks;
  /** The mix it was rendered from (to tell when the live mix has moved on). */
  mix: MixState;
  renderedAt: Date;
}

export async function renderLiveMix(runtime: SessionRuntime, onProgress: (fraction: number) => void): Promise<LiveMixRender> {
  const mix = runtime.model.getState();
  const { Tone, stems } = await offlineRenderInputs(runtime, runtime.sampleRate);
  const { audio } = await renderMixDetailed(Tone, mix, stems, { sampleRate: runtime.sampleRate, onProgress });
  // getChannelData gives views: measured and drawn in place, no copy of the song.
  const channels = Array.from({ length: audio.numberOfChannels }, (_, c) => audio.getChannelData(c));
  const { integrated, truePeak, range } = measureLoudness(channels, audio.sampleRate, { series: false });
  const spectrum = await spectrumOf(channels, audio.sampleRate);
  return { buffer: audio, peaks: computePeaks(channels, audio.sampleRate), integrated, truePeak, range, spectrum, mix, renderedAt: new Date() };
}

/** The long-term spectrum, ten seconds at a time with the page let through in between. */
async function spectrumOf(channels: Float32Array[], sampleRate: number): Promise<ThirdOctaveSpectrum> {
  const analyzer = new ThirdOctaveAnalyzer(sampleRate, channels.length);
  const length = channels[0]?.length ?? 0;
  for (let i = 0; i < length; i += 10 * sampleRate) {
    const n = Math.min(10 * sampleRate, length - i);
    analyzer.process(channels.map((c) => c.subarray(i, i + n)), n);
    await new Promise((r) => setTimeout(r, 0));
  }
  return analyzer.finish();
}

export async function measureLiveMix(runtime: SessionRuntime, onProgress: (fraction: number) => void): Promise<MixLoudness> {
  const { Tone, stems } = await offlineRenderInputs(runtime, runtime.sampleRate);
  const { audio } = await renderMixDetailed(Tone, runtime.model.getState(), stems, { sampleRate: runtime.sampleRate, onProgress });
  const channels = Array.from({ length: audio.numberOfChannels }, (_, c) => audio.getChannelData(c).slice());
  const { integrated, truePeak } = measureLoudness(channels, audio.sampleRate);
  return { integrated, truePeak };
}
