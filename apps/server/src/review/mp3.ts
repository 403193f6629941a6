// 320 kbps MP3 of a master, for delivery beside the WAV and the FLAC. The encoder
// (@breezystack/lamejs, pure JavaScript) runs in a worker thread: a song takes seconds of CPU,
// which on the server's thread would stall every other request and socket meanwhile.
import { Worker } from 'node:worker_threads';
import type { DecodedWav } from '@mixroom/engine';
import { HttpError } from '../http/respond.js';

export const MP3_KBPS = 320;
const WORKER_URL = new URL('./mp3-worker.mjs', import.meta.url);
/** Rates the worker can deliver: MPEG-1 Layer III's own, or 2×/4× of them (decimated in the worker). */
const SUPPORTED_RATES = new Set([32000, 44100, 48000, 88200, 96000, 176400, 192000]);

/** Throws a 422 for masters an MP3 cannot carry as they are (so the route answers before any work). */
export function assertMp3Encodable(wav: Pick<DecodedWav, 'sampleRate' | 'channels'>): void {
  if (!SUPPORTED_RATES.has(wav.sampleRate)) {
    throw new HttpError(422, 'unsupported_audio', `MP3 delivery needs a master at 44.1 or 48 kHz (or a multiple); this one is ${wav.sampleRate} Hz`);
  }
  if (wav.channels.length < 1 || wav.channels.length > 2) {
    throw new HttpError(422, 'unsupported_audio', `MP3 delivery takes mono or stereo masters; this one has ${wav.channels.length} channels`);
  }
}

/**
 * Encodes `wav` (its channel buffers are handed to the worker and unusable afterwards) and yields
 * the MP3 bytes as the worker produces them, so they can be streamed into the blob store.
 */
export async function* encodeMp3(wav: Pick<DecodedWav, 'sampleRate' | 'channels'>, kbps = MP3_KBPS): AsyncGenerator<Uint8Array> {
  assertMp3Encodable(wav);
  const worker = new Worker(WORKER_URL, {
    workerData: { channels: wav.channels, sampleRate: wav.sampleRate, kbps },
    transferList: [...new Set(wav.channels.map((c) => c.buffer as ArrayBuffer))],
  });
  // The server's sockets keep the process alive; an encode alone must not hold up its exit.
  worker.unref();
  const queue: Uint8Array[] = [];
  let finished = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: { chunk?: Uint8Array; done?: boolean; error?: string }) => {
    if (m.chunk) queue.push(m.chunk);
    if (m.done) finished = true;
    if (m.error) failure = new Error(`MP3 encoder: ${m.error}`);
    poke();
  });
  worker.on('error', (err) => {
    failure = err;
    poke();
  });
  worker.on('exit', (code) => {
    if (!finished && !failure) failure = new Error(`MP3 encoder stopped (exit code ${code})`);
    poke();
  });
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // Also when the consumer gave up early: no orphaned encoder keeps a core busy.
    if (!finished) await worker.terminate();
  }
}
