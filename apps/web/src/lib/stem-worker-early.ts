import { STEM_WORKER_URL, type StemWorkerRequest } from './stem-stream-protocol';

/**
 * The stem worker, started with the session page rather than once the audio engine has loaded.
 *
 * Starting it is a script to fetch and compile, then each cached stem's files to open through the
 * browser: made by the library once Tone and the AudioContext were in, that ended about 2 s after
 * the worker was asked for on a warm open of 48 stems, and Play waited on it. The page starts the
 * worker at once and hands it the session's stem keys as soon as the session is known (their
 * cached files are opened then, nothing downloaded); the session's StemLibrary takes this worker
 * over when it is made.
 */
let early: Worker | null = null;

/** Starts the stem worker now if none is waiting (a browser without workers: nothing). */
export function startStemWorkerEarly(): void {
  if (early || typeof Worker === 'undefined') return;
  try {
    early = new Worker(STEM_WORKER_URL);
  } catch {
    early = null; // made again, the usual way, by the library
  }
}

/** Opens the cached files of these stems (by cache key) in the waiting worker, if there is one. */
export function prepareStemsEarly(keys: string[]): void {
  const msg: StemWorkerRequest = { type: 'prepare', keys };
  early?.postMessage(msg);
}

/** The waiting worker, handed over once (null: none; the caller starts its own). */
export function takeEarlyStemWorker(): Worker | null {
  const w = early;
  early = null;
  return w;
}
