// Helpers for the graph tests: signals, measurements and a one-call render of a mix state.
import * as Y from 'yjs';
import { loadTone } from '../node/tone';
import { MixModel, initializeMix, type MixState } from '../model/mix-model';
import { renderMixDetailed, type OfflineRenderOptions } from './render';
import type { ToneLib } from './mix-graph';

export const SR = 48000;

export function bufferFrom(channels: Float32Array[], sampleRate = SR): AudioBuffer {
  const b = new AudioBuffer({ length: channels[0].length, numberOfChannels: channels.length, sampleRate });
  channels.forEach((data, c) => b.copyToChannel(data as Float32Array<ArrayBuffer>, c));
  return b;
}

export function sines(freqs: number[], amplitude: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (const f of freqs) for (let i = 0; i < out.length; i++) out[i] += amplitude * Math.sin((2 * Math.PI * f * i) / SR);
  return out;
}

export function dc(level: number, seconds: number, from = 0, sampleRate = SR): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  out.fill(level, Math.round(from * sampleRate));
  return out;
}

/** Amplitude of the component at `freq` (Goertzel over [from, to), an integer number of cycles). */
export function amplitudeAt(data: Float32Array, freq: number, from: number, to: number): number {
  const w = (2 * Math.PI * freq) / SR;
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    re += data[i] * Math.cos(w * i);
    im -= data[i] * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

export function rms(data: Float32Array, from = 0, to = data.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += data[i] * data[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

export const db = (x: number) => 20 * Math.log10(x);

/** A mix of the given channels (channel id = stem id) with edits applied. */
export function mixOf(ids: string[], edit: (m: MixModel) => void = () => undefined): MixState {
  const doc = new Y.Doc();
  initializeMix(doc, ids.map((id) => ({ id, name: id, stemId: id })));
  const model = new MixModel(doc);
  edit(model);
  return model.getState();
}

/** Renders through the real graph (renderMix's three passes, compressors and limiter included). */
export async function render(
  state: MixState,
  stems: Record<string, Float32Array[]>,
  options: OfflineRenderOptions = {},
): Promise<{ left: Float32Array; right: Float32Array; notes: string[] }> {
  const Tone = await loadTone();
  const map = new Map(Object.entries(stems).map(([id, ch]) => [id, bufferFrom(ch)]));
  const r = await renderMixDetailed(Tone, state, map, { sampleRate: SR, ...options });
  // Copies: node-web-audio-api's channel views do not outlive their AudioBuffer reliably.
  return { left: r.audio.getChannelData(0).slice(), right: r.audio.getChannelData(1).slice(), notes: r.notes };
}

/**
 * Renders `frames` (stereo, SR) of whatever `build` sets up on Tone's global context, which is
 * a fresh offline one meanwhile (live-graph tests: transport, players, glides); `build` returns
 * what to dispose after the render. The previous context is restored either way.
 */
export async function renderWithTone(Tone: ToneLib, frames: number, build: () => { dispose(): void }): Promise<AudioBuffer> {
  const raw = new OfflineAudioContext(2, frames, SR);
  const previous = Tone.getContext();
  const context = new Tone.OfflineContext(raw as unknown as OfflineAudioContext);
  Tone.setContext(context);
  try {
    const built = build();
    const out = (await context.render()) as unknown as AudioBuffer;
    built.dispose();
    return out;
  } finally {
    Tone.setContext(previous);
  }
}
