import type { MixState } from '../model/mix-model';
import { WavEncoder, encodeWav } from '../audio/wav';
import type { MixFocus, ToneLib } from './mix-graph';
import { renderStream, renderStreamInto, type StreamRenderRequest } from '../offline/stream';
import { AudioBufferSource, isStemSource, stemDuration, type StemInput, type StemSource } from '../offline/stem-source';
import { StreamingResampler } from '../dsp/resampler';

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

/**
 * Renders a mix offline with the sound of the live graph. Works wherever a standard
 * OfflineAudioContext exists: the browser, or Node after installWebAudioGlobals(), from the same
 * code. The render streams through the song (offline/stream.ts): channel strips, compressors,
 * delay and master dynamics run as the engine's own kernels on this thread (live playback runs
 * the same kernels in AudioWorklets), the reverb's convolution runs natively in
 * OfflineAudioContexts, segment by segment. Sample 0 of the result is song position `start`.
 * `Tone` is not needed for renders any more; the parameter stays for callers of the API.
 */
export async function renderMixDetailed(
  _Tone: ToneLib | null,
  state: MixState,
  stems: ReadonlyMap<string, StemInput>,
  options: OfflineRenderOptions = {},
): Promise<RenderedMix> {
  const { request, notes } = await renderRequest(state, stems, options);
  return { audio: await renderStream(request), notes };
}

/** What renderStream needs: the stems at the render's rate, the range, and the notes so far. */
async function renderRequest(
  state: MixState,
  stems: ReadonlyMap<string, StemInput>,
  options: OfflineRenderOptions,
): Promise<{ request: StreamRenderRequest; notes: string[] }> {
  const sampleRate = options.sampleRate ?? 48000;
  const start = options.startSeconds ?? 0;
  const focus = options.focus ?? { kind: 'mix' };
  const notes: string[] = [];
  const OfflineCtx = (globalThis as unknown as { OfflineAudioContext: typeof OfflineAudioContext }).OfflineAudioContext;
  if (!OfflineCtx) throw new Error('No OfflineAudioContext: in Node, call installWebAudioGlobals() first');
  let songLength = 0;
  const used = new Set(state.channels.map((ch) => ch.stemId));
  const atRate = new Map<string, StemSource>();
  for (const [id, b] of stems) {
    songLength = Math.max(songLength, stemDuration(b));
    if (!used.has(id)) continue;
    if (b.sampleRate === sampleRate) atRate.set(id, isStemSource(b) ? b : new AudioBufferSource(b));
    else if (isStemSource(b)) throw new RangeError(`stem ${id} streams at ${b.sampleRate} Hz; the render runs at ${sampleRate} Hz (open it at the render's rate)`);
    else {
      notes.push(`stem ${id}: ${b.sampleRate} Hz, resampled to ${sampleRate} Hz`);
      atRate.set(id, new AudioBufferSource(await resampleBuffer(b, sampleRate)));
    }
  }
  const lengths = new Set([...stems.values()].map((b) => Math.round(stemDuration(b) * 1000)));
  if (lengths.size > 1) notes.push('stems differ in length: the shorter ones are padded with silence');
  const duration = options.durationSeconds ?? Math.max(0, songLength - start);
  const length = Math.max(1, Math.round(duration * sampleRate));
  return {
    request: { state, stems: atRate, sampleRate, startFrame: Math.round(start * sampleRate), length, focus, onProgress: options.onProgress ?? (() => undefined) },
    notes,
  };
}

/**
 * A stem at another sample rate through the engine's windowed-sinc resampler (dsp/resampler.ts;
 * the platform's is linear interpolation in node-web-audio-api: −1.5 dB at 10 kHz, aliases at −7 dB).
 * Streamed in slices with a yield between them: a 5-minute stem takes seconds, and a render in
 * the browser must not freeze the page meanwhile.
 */
async function resampleBuffer(b: AudioBuffer, sampleRate: number): Promise<AudioBuffer> {
  const SLICE = 1 << 16;
  const channels: Float32Array[] = [];
  for (let c = 0; c < b.numberOfChannels; c++) {
    const input = b.getChannelData(c);
    const rs = new StreamingResampler(b.sampleRate, sampleRate);
    const out = new Float32Array(rs.maxOutputFrames(input.length) + rs.flushFrames);
    let n = 0;
    for (let i = 0; i < input.length; i += SLICE) {
      const frames = Math.min(SLICE, input.length - i);
      n += rs.process(input.subarray(i, i + frames), frames, out.subarray(n));
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    n += rs.flush(out.subarray(n));
    channels.push(out.subarray(0, n));
  }
  const result = new AudioBuffer({ length: Math.max(1, channels[0].length), numberOfChannels: channels.length, sampleRate });
  channels.forEach((data, c) => result.copyToChannel(data as Float32Array<ArrayBuffer>, c));
  return result;
}

/** As renderMixDetailed, returning only the audio. */
export async function renderMixOffline(
  Tone: ToneLib | null,
  state: MixState,
  stems: ReadonlyMap<string, StemInput>,
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
  Tone: ToneLib | null,
  state: MixState,
  stems: ReadonlyMap<string, StemInput>,
  options: RenderMixOptions = {},
): Promise<{ wav: Uint8Array; audio: AudioBuffer; notes: string[] }> {
  const { rate, bitDepth } = checkWavOptions(options);
  const { audio, notes } = await renderMixDetailed(Tone, state, stems, options);
  const channels = [audio.getChannelData(0), audio.getChannelData(1)];
  const wav = encodeWav(channels, rate, bitDepth === 32 ? { bitDepth: 32, float: true } : { bitDepth, dither: 'tpdf' });
  return { wav, audio, notes };
}

function checkWavOptions(options: RenderMixOptions): { rate: number; bitDepth: 16 | 24 | 32 } {
  const rate = options.sampleRate ?? 48000;
  if (![44100, 48000, 96000].includes(rate)) throw new RangeError(`sample rate ${rate} not supported: use 44100, 48000 or 96000`);
  const bitDepth = options.bitDepth ?? 24;
  if (![16, 24, 32].includes(bitDepth)) throw new RangeError(`bit depth ${bitDepth} not supported: use 16, 24 or 32`);
  return { rate, bitDepth };
}

/**
 * renderMix writing the WAV file as the render goes (`write` gets the header, then the samples
 * of each segment in order): the same bytes as renderMix's `wav`, without ever holding the whole
 * mix, so a long song costs no more memory than a short one. Resolves to the notes and the
 * number of frames written.
 */
export async function renderMixTo(
  state: MixState,
  stems: ReadonlyMap<string, StemInput>,
  options: RenderMixOptions,
  write: (bytes: Uint8Array) => void | Promise<void>,
): Promise<{ notes: string[]; frames: number; sampleRate: number }> {
  const { rate, bitDepth } = checkWavOptions(options);
  const { request, notes } = await renderRequest(state, stems, options);
  const wav = new WavEncoder(2, request.length, rate, bitDepth === 32 ? { bitDepth: 32, float: true } : { bitDepth, dither: 'tpdf' });
  await write(wav.header());
  await renderStreamInto(request, (mix) => write(wav.encode(mix, mix[0].length)));
  return { notes, frames: request.length, sampleRate: rate };
}
