// Messages between the page (StemLibrary) and the stem worker (stem-worker.ts).
import type { ChunkCacheLayout } from '@mixroom/engine';

/**
 * A localStorage key: megabytes of stems this browser stores before Mixroom behaves as if its
 * storage were full. For tests and for trying that behaviour; unset in normal use.
 */
export const SIMULATED_STORAGE_LIMIT_KEY = 'mixroom:simulate-storage-limit-mb';

/** The limit set under SIMULATED_STORAGE_LIMIT_KEY, in bytes, or null. */
export function simulatedStorageLimit(): number | null {
  try {
    const mb = Number(globalThis.localStorage?.getItem(SIMULATED_STORAGE_LIMIT_KEY) ?? '');
    return Number.isFinite(mb) && mb > 0 ? Math.round(mb * 2 ** 20) : null;
  } catch {
    return null; // storage blocked by the browser
  }
}

/** Where the worker built by scripts/build-worklets.mjs is served. */
export const STEM_WORKER_URL = '/worklets/stem-worker.js';

/** What names a stem's files in the local cache: its content hash, so a changed file is never mixed up. */
export function stemCacheKey(stem: { id: string; contentHash?: string | null }): string {
  return stem.contentHash ?? stem.id;
}

/** What must be ready at the playhead before Play (or a seek while playing) starts the whole mix together. */
export const PRIME_SECONDS = 0.5;

export type StemWorkerRequest =
  /**
   * `storageLimitBytes`: bytes of stems the worker stores before it acts as if the browser refused
   * more (a full disk, a private window), from `SIMULATED_STORAGE_LIMIT_KEY`; null: no such limit.
   */
  | { type: 'init'; status: SharedArrayBuffer; sampleRate: number; storageLimitBytes: number | null }
  /** Cached files to open now, before their stems are added (by `key`); nothing is downloaded for them. */
  | { type: 'prepare'; keys: string[] }
  /** `key` names the cached file: the stem's content hash, so a changed file is never mixed up. */
  | { type: 'add'; stemId: string; url: string; key: string; cache: SharedArrayBuffer; layout: ChunkCacheLayout }
  | { type: 'remove'; stemId: string }
  /** Where playback will go next (a seek, a play from here, a loop): the worker fills that first. */
  | { type: 'hint'; songFrame: number; loop: { start: number; end: number } | null }
  /** A compressed stem, decoded by the page at its own rate `sampleRate` (interleaved); the worker converts it. */
  | { type: 'decoded'; stemId: string; interleaved: Float32Array; channels: number; sampleRate: number }
  | { type: 'decode-failed'; stemId: string; message: string }
  /** Frames [start, start + frames) at the context rate, for a render (planar, transferred). */
  | { type: 'read'; id: number; stemId: string; start: number; frames: number };

export type StemPhase = 'queued' | 'downloading' | 'decoding' | 'ready' | 'error';

export interface StemProgress {
  type: 'progress';
  stemId: string;
  phase: StemPhase;
  /** Bytes of the file in the local cache, and the file's size (0 until known). */
  cachedBytes: number;
  totalBytes: number;
  /** Frames at the context rate, and channels (1 or 2), once known. */
  frames: number;
  channels: number;
  /** True when the whole file came from the local cache (no download on this visit). */
  fromCache: boolean;
  error: string | null;
}

export type StemWorkerReply =
  | StemProgress
  /** The worker needs the page to decode this file (compressed). */
  | { type: 'needs-decode'; stemId: string; bytes: ArrayBuffer }
  | { type: 'read'; id: number; channels: Float32Array[] | null; error: string | null }
  /** A download is waiting out a busy server (503 + Retry-After), or no longer is: the page shows its notice. */
  | { type: 'busy'; busy: boolean }
  /** The browser refused to store more of the stems: they stream from the server into memory. */
  | { type: 'storage-full'; message: string };
