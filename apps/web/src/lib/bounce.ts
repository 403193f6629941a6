// "Bounce version": renders the current mix offline in the browser, through the same graph
// as live playback, in slices so the progress bar moves, then encodes a 24-bit/48 kHz WAV.
import { encodeWav, renderMixOffline } from '@mixroom/engine';
import * as Y from 'yjs';
import type { SessionRuntime } from './session-runtime';

const SLICE_SECONDS = 8;
const SAMPLE_RATE = 48000;

export async function bounceMix(runtime: SessionRuntime, onProgress: (fraction: number) => void): Promise<{ wav: Uint8Array; mixState: Uint8Array }> {
  const Tone = runtime.Tone;
  if (!Tone) throw new Error('audio is not ready yet');
  const stems = new Map<string, AudioBuffer>();
  for (const s of runtime.session.stems) {
    const b = runtime.getBuffer(s.id);
    if (b) stems.set(s.id, b);
  }
  if (stems.size === 0) throw new Error('no stems are loaded');
  // The mix it was rendered from travels with the file, so the version's diff and recall are exact.
  const state = runtime.model.getState();
  const mixState = Y.encodeStateAsUpdate(runtime.doc);
  const duration = runtime.duration;
  const total = Math.max(1, Math.round(duration * SAMPLE_RATE));
  const out = [new Float32Array(total), new Float32Array(total)];
  for (let start = 0; start < duration; start += SLICE_SECONDS) {
    const len = Math.min(SLICE_SECONDS, duration - start);
    const rendered = await renderMixOffline(Tone, state, stems, { sampleRate: SAMPLE_RATE, startSeconds: start, durationSeconds: len });
    const offset = Math.round(start * SAMPLE_RATE);
    for (let c = 0; c < 2; c++) out[c].set(rendered.getChannelData(c).subarray(0, Math.max(0, total - offset)), offset);
    onProgress(Math.min(1, (start + len) / duration));
  }
  return { wav: encodeWav(out, SAMPLE_RATE, { bitDepth: 24 }), mixState };
}
