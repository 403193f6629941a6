import type { MixState } from '../model/mix-model';
import { encodeWav } from '../audio/wav';
import { MixGraph, type MixFocus, type ToneLib } from './mix-graph';

export interface OfflineRenderOptions {
  sampleRate?: number;
  /** Song position where the render starts, seconds. */
  startSeconds?: number;
  /** Length of the render, seconds; defaults to the rest of the song. */
  durationSeconds?: number;
  /** The whole mix (default), or one channel / FX return alone as a stem. */
  focus?: MixFocus;
  /**
   * Loads the dynamics AudioWorklet into the offline context (compressors, limiter). Node:
   * installDynamicsWorklet from '@mixroom/engine/node'; browser: ctx => loadDynamicsWorklet(ctx, url).
   * Without it the render has no compressors or limiter, and says so in the notes.
   */
  loadWorklets?: (ctx: BaseAudioContext) => Promise<void>;
  /** Called with 0…1 as the render advances. */
  onProgress?: (fraction: number) => void;
}

export interface RenderedMix {
  audio: AudioBuffer;
  /** What the render could not do exactly as asked (e.g. a stem resampled), for the user to see. */
  notes: string[];
}

const PROGRESS_STEPS = 20;

/**
 * Renders a mix offline through the very graph used for live playback. Works wherever a
 * standard OfflineAudioContext exists: the browser, or Node after installWebAudioGlobals().
 * The limiter's look-ahead latency is compensated: sample 0 of the result is song position `start`.
 */
export async function renderMixDetailed(
  Tone: ToneLib,
  state: MixState,
  stems: ReadonlyMap<string, AudioBuffer>,
  options: OfflineRenderOptions = {},
): Promise<RenderedMix> {
  const sampleRate = options.sampleRate ?? 48000;
  const start = options.startSeconds ?? 0;
  const notes: string[] = [];
  let songLength = 0;
  for (const [id, b] of stems) {
    songLength = Math.max(songLength, b.duration);
    if (b.sampleRate !== sampleRate) notes.push(`stem ${id}: ${b.sampleRate} Hz, resampled to ${sampleRate} Hz`);
  }
  const lengths = new Set([...stems.values()].map((b) => Math.round(b.duration * 1000)));
  if (lengths.size > 1) notes.push('stems differ in length: the shorter ones are padded with silence');
  const duration = options.durationSeconds ?? Math.max(0, songLength - start);
  const length = Math.max(1, Math.round(duration * sampleRate));

  const OfflineCtx = (globalThis as unknown as { OfflineAudioContext: typeof OfflineAudioContext }).OfflineAudioContext;
  if (!OfflineCtx) throw new Error('No OfflineAudioContext: in Node, call installWebAudioGlobals() first');
  // Latency is only known once the worklet is in; a generous upper bound keeps one context.
  const latencyBound = Math.ceil(0.01 * sampleRate);
  const raw = new OfflineCtx(2, length + latencyBound, sampleRate);
  if (options.loadWorklets) await options.loadWorklets(raw);
  const previous = Tone.getContext();
  const context = new Tone.OfflineContext(raw as unknown as OfflineAudioContext);
  Tone.setContext(context);
  try {
    const graph = new MixGraph(Tone, undefined, { meters: false });
    for (const [stemId, buffer] of stems) graph.setStemBuffer(stemId, buffer);
    graph.apply(state, { immediate: true, focus: options.focus });
    notes.push(...graph.notes);
    const latency = graph.latencySamples;
    if (options.onProgress) {
      const total = (length + latencyBound) / sampleRate;
      for (let k = 1; k < PROGRESS_STEPS; k++) {
        const t = (total * k) / PROGRESS_STEPS;
        const quantum = Math.floor((t * sampleRate) / 128) * 128;
        raw.suspend(quantum / sampleRate).then(() => {
          options.onProgress?.(k / PROGRESS_STEPS);
          void raw.resume();
        }, () => undefined);
      }
    }
    Tone.getTransport().start(0, start);
    // node-web-audio-api does not hold Node's event loop open while an AudioWorklet renders:
    // without this timer a script whose only pending work is the render would just exit.
    const keepAlive = setInterval(() => undefined, 1000);
    let rendered: AudioBuffer;
    try {
      rendered = (await context.render()) as unknown as AudioBuffer;
    } finally {
      clearInterval(keepAlive);
    }
    options.onProgress?.(1);
    graph.dispose();
    const audio = new AudioBuffer({ length, numberOfChannels: 2, sampleRate });
    for (let c = 0; c < 2; c++) audio.copyToChannel(rendered.getChannelData(c).subarray(latency, latency + length), c);
    return { audio, notes };
  } finally {
    Tone.setContext(previous);
  }
}

/** As renderMixDetailed, returning only the audio. */
export async function renderMixOffline(
  Tone: ToneLib,
  state: MixState,
  stems: ReadonlyMap<string, AudioBuffer>,
  options: OfflineRenderOptions = {},
): Promise<AudioBuffer> {
  return (await renderMixDetailed(Tone, state, stems, options)).audio;
}

export interface RenderMixOptions extends OfflineRenderOptions {
  /** 16/24-bit PCM (TPDF-dithered) or 32-bit float. Default 24. */
  bitDepth?: 16 | 24 | 32;
}

/**
 * renderMix(session, stems, options): the whole mix (or a range, or one channel/bus) as a WAV
 * file, 16/24-bit PCM with TPDF dither or 32-bit float, at 44.1/48/96 kHz.
 */
export async function renderMix(
  Tone: ToneLib,
  state: MixState,
  stems: ReadonlyMap<string, AudioBuffer>,
  options: RenderMixOptions = {},
): Promise<{ wav: Uint8Array; audio: AudioBuffer; notes: string[] }> {
  const rate = options.sampleRate ?? 48000;
  if (![44100, 48000, 96000].includes(rate)) throw new RangeError(`sample rate ${rate} not supported: use 44100, 48000 or 96000`);
  const bitDepth = options.bitDepth ?? 24;
  if (![16, 24, 32].includes(bitDepth)) throw new RangeError(`bit depth ${bitDepth} not supported: use 16, 24 or 32`);
  const { audio, notes } = await renderMixDetailed(Tone, state, stems, options);
  const channels = [audio.getChannelData(0), audio.getChannelData(1)];
  const wav = encodeWav(channels, rate, bitDepth === 32 ? { bitDepth: 32, float: true } : { bitDepth, dither: 'tpdf' });
  return { wav, audio, notes };
}
