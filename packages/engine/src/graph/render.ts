import type { MixState } from '../model/mix-model';
import { encodeWav } from '../audio/wav';
import { MixGraph, type MixFocus, type ToneLib } from './mix-graph';
import { compressChannel, limiterLatency, masterDynamics, withoutMasterDynamics, withoutPreFaderProcessing } from './dynamics-passes';

export interface OfflineRenderOptions {
  sampleRate?: number;
  /** Song position where the render starts, seconds. */
  startSeconds?: number;
  /** Length of the render, seconds; defaults to the rest of the song. */
  durationSeconds?: number;
  /** The whole mix (default), or one channel / FX return alone as a stem. */
  focus?: MixFocus;
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
 * Three passes (see dynamics-passes.ts): channels with a compressor up to and through it;
 * the graph; the master glue compressor, limiter and output gain. The limiter's look-ahead
 * is compensated: sample 0 of the result is song position `start`.
 */
export async function renderMixDetailed(
  Tone: ToneLib,
  state: MixState,
  stems: ReadonlyMap<string, AudioBuffer>,
  options: OfflineRenderOptions = {},
): Promise<RenderedMix> {
  const sampleRate = options.sampleRate ?? 48000;
  const start = options.startSeconds ?? 0;
  const focus = options.focus ?? { kind: 'mix' };
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

  // Pass 1: channels with their compressor on are rendered up to the compressor and compressed.
  const progress = options.onProgress ?? (() => undefined);
  const passStems = new Map(stems);
  const compressed = state.channels.filter((ch) => ch.params['comp.on'] >= 0.5 && stems.has(ch.stemId));
  const passWeight = compressed.length / (compressed.length + 2);
  const channels = [];
  for (const ch of state.channels) {
    if (!compressed.includes(ch)) {
      channels.push(ch);
      continue;
    }
    const out = await compressChannel(ch, stems.get(ch.stemId)!, start, length, sampleRate);
    const offset = Math.round(start * sampleRate); // pass 2 seeks to `start` like any stem
    const buffer = new AudioBuffer({ length: offset + length, numberOfChannels: out.length, sampleRate });
    out.forEach((data, c) => buffer.copyToChannel(data as Float32Array<ArrayBuffer>, c, offset));
    const stemId = `\u0000compressed:${ch.id}`;
    passStems.set(stemId, buffer);
    channels.push({ ...withoutPreFaderProcessing(ch), stemId });
    progress((passWeight * channels.length) / state.channels.length);
  }
  const mixOut = focus.kind === 'mix';
  const passState = { ...(mixOut ? withoutMasterDynamics(state) : state), channels };

  // Pass 2: the rest of the graph, natively. The master's glue, limiter and gain follow in pass 3.
  const latency = mixOut ? limiterLatency(sampleRate) : 0;
  const raw = new OfflineCtx(2, length + latency, sampleRate);
  const previous = Tone.getContext();
  const context = new Tone.OfflineContext(raw as unknown as OfflineAudioContext);
  Tone.setContext(context);
  let rendered: AudioBuffer;
  try {
    const graph = new MixGraph(Tone, undefined, { meters: false });
    for (const [stemId, buffer] of passStems) graph.setStemBuffer(stemId, buffer);
    graph.apply(passState, { immediate: true, focus });
    notes.push(...graph.notes);
    if (options.onProgress) {
      const total = (length + latency) / sampleRate;
      for (let k = 1; k < PROGRESS_STEPS; k++) {
        const quantum = Math.floor((((total * k) / PROGRESS_STEPS) * sampleRate) / 128) * 128;
        raw.suspend(quantum / sampleRate).then(
          () => {
            progress(passWeight + ((1 - passWeight) * k) / PROGRESS_STEPS);
            void raw.resume();
          },
          () => undefined,
        );
      }
    }
    Tone.getTransport().start(0, start);
    rendered = (await context.render()) as unknown as AudioBuffer;
    graph.dispose();
  } finally {
    Tone.setContext(previous);
  }
  const pass2 = [rendered.getChannelData(0), rendered.getChannelData(1)];
  // Pass 3: master glue compressor → true-peak limiter → output gain (a stem skips the master chain).
  const out = mixOut ? masterDynamics(state, pass2, length, sampleRate) : pass2.map((c) => c.slice(0, length));
  const audio = new AudioBuffer({ length, numberOfChannels: 2, sampleRate });
  out.forEach((data, c) => audio.copyToChannel(data as Float32Array<ArrayBuffer>, c));
  progress(1);
  return { audio, notes };
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
