import type { MixState } from '../model/mix-model';
import { MixGraph, type ToneLib } from './mix-graph';

export interface OfflineRenderOptions {
  sampleRate?: number;
  /** Song position where the render starts, seconds. */
  startSeconds?: number;
  /** Length of the render, seconds; defaults to the rest of the song. */
  durationSeconds?: number;
}

/**
 * Renders a mix offline through the very graph used for live playback. Works wherever a
 * standard OfflineAudioContext exists: the browser, or Node after installWebAudioGlobals().
 */
export async function renderMixOffline(
  Tone: ToneLib,
  state: MixState,
  stems: ReadonlyMap<string, AudioBuffer>,
  options: OfflineRenderOptions = {},
): Promise<AudioBuffer> {
  const sampleRate = options.sampleRate ?? 48000;
  const start = options.startSeconds ?? 0;
  let songLength = 0;
  for (const b of stems.values()) songLength = Math.max(songLength, b.duration);
  const duration = options.durationSeconds ?? Math.max(0, songLength - start);
  const length = Math.max(1, Math.round(duration * sampleRate));

  const OfflineCtx = (globalThis as unknown as { OfflineAudioContext: typeof OfflineAudioContext }).OfflineAudioContext;
  if (!OfflineCtx) throw new Error('No OfflineAudioContext: in Node, call installWebAudioGlobals() first');
  const raw = new OfflineCtx(2, length, sampleRate);
  const previous = Tone.getContext();
  const context = new Tone.OfflineContext(raw as unknown as OfflineAudioContext);
  Tone.setContext(context);
  try {
    const graph = new MixGraph(Tone);
    for (const [stemId, buffer] of stems) graph.setStemBuffer(stemId, buffer);
    graph.apply(state, { immediate: true });
    Tone.getTransport().start(0, start);
    const rendered = await context.render();
    graph.dispose();
    return rendered as unknown as AudioBuffer;
  } finally {
    Tone.setContext(previous);
  }
}
