import {
  FX_BUSES,
  isStemSource,
  renderMix,
  type MixFocus,
  type MixState,
  type StemInput,
  type ToneLib,
} from '@mixroom/engine';
import * as Y from 'yjs';
import type { SessionRuntime } from './session-runtime';
import { slug } from './format';
import { zipFiles } from './stem-zip';

export const BOUNCE_SAMPLE_RATES = [44100, 48000, 96000] as const;
export const BOUNCE_BIT_DEPTHS = [16, 24, 32] as const;
export type BounceSampleRate = (typeof BOUNCE_SAMPLE_RATES)[number];
export type BounceBitDepth = (typeof BOUNCE_BIT_DEPTHS)[number];

export interface BounceFormat {
  sampleRate: BounceSampleRate;
  bitDepth: BounceBitDepth;
}

export interface BounceFile {
  name: string;
  /** A Blob: a large one is kept on disk by the browser, not in the tab's memory. */
  blob: Blob;
}

/**
 * The Tone namespace handed to the engine's renderMix. renderMix builds its graph after
 * Tone.setContext(offline) and only restores the previous context once the whole render is
 * done — seconds during which the live page (transport, playhead, "Listen together", a stem
 * that finishes decoding) would otherwise talk to the offline context. Every offline node is
 * created synchronously right after setContext, so handing the global back to the live
 * context on the next microtask (when renderMix awaits the render) is enough: the offline
 * nodes keep their own context, and live code sees the live one again.
 */
export function isolatedTone(Tone: ToneLib, live: ReturnType<ToneLib['getContext']>): ToneLib {
  const setContext = ((ctx: Parameters<ToneLib['setContext']>[0]) => {
    Tone.setContext(ctx);
    if (ctx !== live) queueMicrotask(() => Tone.setContext(live));
  }) as ToneLib['setContext'];
  return { ...Tone, setContext } as ToneLib;
}

export interface RenderRequest extends BounceFormat {
  focus?: MixFocus;
  /** Render this mix state instead of the session's current one (the same-sound test). */
  state?: MixState;
  /** Render these stems instead of the session's (the same-sound test). */
  stems?: ReadonlyMap<string, StemInput>;
  durationSeconds?: number;
  onProgress?: (fraction: number) => void;
}

/**
 * What every offline render in the browser needs: Tone bound to a fresh offline context without
 * disturbing live playback, and the stems. At the session's rate the stems stream from the local
 * cache segment by segment; a render at another rate reads them whole (then resamples them), so
 * only such a bounce holds whole stems, for its duration. Throws a readable reason when it can't start.
 */
export async function offlineRenderInputs(runtime: SessionRuntime, sampleRate: number, stems?: ReadonlyMap<string, StemInput>) {
  const { Tone, liveContext } = runtime;
  if (!Tone || !liveContext) throw new Error('audio is not ready yet');
  let inputs: ReadonlyMap<string, StemInput> = stems ?? runtime.stemSources();
  if (inputs.size === 0) throw new Error('no stems are loaded');
  if (!stems && sampleRate !== runtime.sampleRate) inputs = await wholeStems(inputs);
  return { Tone: isolatedTone(Tone, liveContext), stems: inputs };
}

async function wholeStems(sources: ReadonlyMap<string, StemInput>): Promise<Map<string, AudioBuffer>> {
  const out = new Map<string, AudioBuffer>();
  for (const [id, input] of sources) {
    if (!isStemSource(input)) {
      out.set(id, input);
      continue;
    }
    const buffer = new AudioBuffer({ length: Math.max(1, input.length), numberOfChannels: input.numberOfChannels, sampleRate: input.sampleRate });
    await input.prepare?.(0, buffer.length);
    input.read(0, buffer.length, Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c)));
    input.close?.();
    out.set(id, buffer);
  }
  return out;
}

/** One offline render of the session through the engine's renderMix, in this browser. */
export async function renderInBrowser(runtime: SessionRuntime, req: RenderRequest) {
  const { Tone, stems } = await offlineRenderInputs(runtime, req.sampleRate, req.stems);
  return renderMix(Tone, req.state ?? runtime.model.getState(), stems, {
    sampleRate: req.sampleRate,
    bitDepth: req.bitDepth,
    focus: req.focus,
    durationSeconds: req.durationSeconds,
    onProgress: req.onProgress,
  });
}

const formatTag = (f: BounceFormat) => `${f.sampleRate / 1000}k-${f.bitDepth === 32 ? '32f' : f.bitDepth}`;

/** "Bounce mix": the whole mix as one WAV file. */
export async function bounceMix(runtime: SessionRuntime, format: BounceFormat, onProgress: (f: number) => void): Promise<BounceFile> {
  const { wav } = await renderInBrowser(runtime, { ...format, onProgress });
  return { name: `${slug(runtime.session.title)}-mix-${formatTag(format)}.wav`, blob: new Blob([wav as BlobPart], { type: 'audio/wav' }) };
}

/**
 * "Export stems": every channel (post-fader, before the master chain) and each FX return,
 * one render each, packed into one zip so the browser asks once. Each render becomes a Blob as
 * soon as it is done, so only one stem is in memory at a time (a real session's stems are
 * gigabytes); the zip streams from those Blobs.
 */
export async function exportStems(runtime: SessionRuntime, format: BounceFormat, onProgress: (f: number) => void): Promise<BounceFile> {
  const state = runtime.model.getState();
  const jobs: Array<{ name: string; focus: MixFocus }> = [
    ...state.channels.map((c) => ({ name: c.name, focus: { kind: 'channel', channelId: c.id } as MixFocus })),
    ...FX_BUSES.map((bus) => ({ name: `${bus} return`, focus: { kind: 'fx', bus } as MixFocus })),
  ];
  const files: BounceFile[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const { wav } = await renderInBrowser(runtime, { ...format, state, focus: jobs[i].focus, onProgress: (f) => onProgress((i + f) / jobs.length) });
    files.push({ name: `${String(i + 1).padStart(2, '0')}-${slug(jobs[i].name)}.wav`, blob: new Blob([wav as BlobPart], { type: 'audio/wav' }) });
  }
  onProgress(1);
  return { name: `${slug(runtime.session.title)}-stems-${formatTag(format)}.zip`, blob: await zipFiles(files) };
}

/** Hands a file to the browser's download manager. */
export function download(file: BounceFile, mime: string): void {
  const url = URL.createObjectURL(file.blob.type === mime ? file.blob : new Blob([file.blob], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * "Bounce version" for the review loop: 24-bit/48 kHz WAV of the whole mix, with the exact mix
 * state it was rendered from (so the version's diff and "recall mix" are exact).
 */
export async function bounceVersion(runtime: SessionRuntime, onProgress: (fraction: number) => void): Promise<{ wav: Uint8Array; mixState: Uint8Array }> {
  const state = runtime.model.getState();
  const mixState = Y.encodeStateAsUpdate(runtime.doc);
  const { wav } = await renderInBrowser(runtime, { sampleRate: 48000, bitDepth: 24, state, onProgress });
  return { wav, mixState };
}
