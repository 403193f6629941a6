// "Bounce version": renders the current mix offline in the browser through the engine's renderMix
// (the same graph and dynamics kernels as every other render) as a 24-bit/48 kHz WAV with TPDF dither.
import { renderMix } from '@mixroom/engine';
import * as Y from 'yjs';
import type { SessionRuntime } from './session-runtime';

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
  // One render of the whole song: slices would cut reverb/delay tails and restart the
  // compressors and the limiter at every boundary.
  const { wav } = await renderMix(Tone, state, stems, { sampleRate: SAMPLE_RATE, bitDepth: 24, onProgress });
  return { wav, mixState };
}
