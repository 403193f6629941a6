import { ChunkCacheReader, chunkCacheBytes, createChunkCacheBuffer, type ChunkCacheLayout, type StemSource } from '@mixroom/engine';
import type { StemInfo } from '@mixroom/protocol';
import { busyHold } from './busy-retry';
import { takeEarlyStemWorker } from './stem-worker-early';
import { PRIME_SECONDS, STEM_WORKER_URL, simulatedStorageLimit, stemCacheKey, type StemProgress, type StemWorkerReply, type StemWorkerRequest } from './stem-stream-protocol';

/**
 * Frames per chunk of the shared window every stem plays from: 16,384 frames (0.34 s at 48 kHz),
 * 128 KiB for a stereo stem. A stem's window holds CHUNK_SLOTS chunks (5.5 s, 4.8 s of it ahead of
 * the playhead, refilled every 15 ms from the local file) unless the session's windows would
 * then take more than STREAM_BUDGET_BYTES in all: see chunkSlotsFor.
 */
export const CHUNK_FRAMES = 16384;
export const CHUNK_SLOTS = 16;
/**
 * What the stem windows of a session take at most, whatever the number and length of its stems
 * (up to MAX_BUDGETED_STEMS, 133): a 48-stem session keeps the whole 5.5 s window of every stem
 * (96 MiB); more stems get fewer slots. (A session of 48 stems at 10 slots, 60 MiB, saved 36 MB
 * of a 1 GB tab; 8 slots, 2 s ahead, had ten times the worklet's underruns of 16 on a machine at
 * load 13–17: slack for a starved worker is worth more.)
 */
export const STREAM_BUDGET_BYTES = 100 * 2 ** 20;
/**
 * The fewest slots a window has: the two kept behind the playhead and four ahead (1.4 s, refilled
 * every 15 ms). Past MAX_BUDGETED_STEMS stems this floor, not the budget, sets the windows' size.
 */
export const MIN_CHUNK_SLOTS = 6;
/** Bytes of one slot of a stereo window, its header included (the budget counts every stem as stereo). */
const STEREO_SLOT_BYTES = chunkCacheBytes({ chunkFrames: CHUNK_FRAMES, slots: 1, channels: 2 });
export const MAX_BUDGETED_STEMS = Math.floor(STREAM_BUDGET_BYTES / (MIN_CHUNK_SLOTS * STEREO_SLOT_BYTES));

/**
 * Chunks per stem window for a session of `stems` stems: as many as fit the budget, at most
 * CHUNK_SLOTS (more than 5.5 s ahead buys nothing) and at least MIN_CHUNK_SLOTS.
 */
export function chunkSlotsFor(stems: number): number {
  const fit = Math.floor(STREAM_BUDGET_BYTES / (Math.max(1, stems) * STEREO_SLOT_BYTES));
  return Math.max(MIN_CHUNK_SLOTS, Math.min(CHUNK_SLOTS, fit));
}

export interface LibraryStem {
  stem: StemInfo;
  cache: SharedArrayBuffer;
  layout: ChunkCacheLayout;
  reader: ChunkCacheReader;
  progress: StemProgress;
}

/**
 * The page side of the stem worker: one shared chunk cache per stem (handed to the mix worklet,
 * filled by the worker), the progress of every download, and stems for renders read segment by
 * segment from the local cache. Compressed stems are decoded here once, one at a time, at their
 * own rate, and handed back; the worker converts them (and PCM at another rate) to the context's
 * rate with the engine's resampler.
 */
export class StemLibrary {
  private readonly worker: Worker;
  readonly stems = new Map<string, LibraryStem>();
  private readonly pendingReads = new Map<number, { resolve: (c: Float32Array[]) => void; reject: (e: Error) => void }>();
  private nextRead = 1;
  private decodeQueue: Promise<void> = Promise.resolve();
  private disposed = false;
  /** Mirrors the worker's "waiting out a busy server" into the page's notice. */
  private readonly workerBusy = busyHold();

  /**
   * Called once the browser refused to store more of the stems (its words): they then stream from
   * the server into a bounded memory store, and a next visit downloads again what was not stored.
   */
  onStorageFull: ((message: string) => void) | null = null;

  /** Chunks per stem window, for every stem of this library (the worker plans them alike). */
  readonly slots: number;

  /** `stems`: how many stems the session opens with (the windows share the memory budget). */
  constructor(
    readonly sampleRate: number,
    status: SharedArrayBuffer,
    private readonly onProgress: (p: StemProgress, entry: LibraryStem) => void,
    stems = 1,
  ) {
    this.slots = chunkSlotsFor(stems);
    this.worker = takeEarlyStemWorker() ?? new Worker(STEM_WORKER_URL);
    this.worker.onmessage = (e: MessageEvent<StemWorkerReply>) => this.receive(e.data);
    this.worker.onerror = (e) => console.error('[mixroom] stem worker:', e.message);
    this.send({ type: 'init', status, sampleRate, storageLimitBytes: simulatedStorageLimit() });
  }

  private send(msg: StemWorkerRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  /** Starts streaming a stem; returns its shared chunk cache for the mix worklet. */
  add(stem: StemInfo): LibraryStem {
    const layout: ChunkCacheLayout = { chunkFrames: CHUNK_FRAMES, slots: this.slots, channels: Math.min(2, Math.max(1, stem.channels)) };
    const cache = createChunkCacheBuffer(layout);
    const entry: LibraryStem = {
      stem,
      cache,
      layout,
      reader: new ChunkCacheReader(cache, layout),
      progress: { type: 'progress', stemId: stem.id, phase: 'queued', cachedBytes: 0, totalBytes: 0, frames: 0, channels: layout.channels, fromCache: false, error: null },
    };
    this.stems.set(stem.id, entry);
    this.send({ type: 'add', stemId: stem.id, url: stem.url, key: stemCacheKey(stem), cache, layout });
    return entry;
  }

  remove(stemId: string): void {
    this.stems.delete(stemId);
    this.send({ type: 'remove', stemId });
  }

  /** Tells the worker where playback goes next, so it fills that first. */
  hint(songSeconds: number, loop: { start: number; end: number } | null): void {
    const sr = this.sampleRate;
    this.send({ type: 'hint', songFrame: Math.max(0, Math.round(songSeconds * sr)), loop: loop && { start: Math.round(loop.start * sr), end: Math.round(loop.end * sr) } });
  }

  /** Stems that will not sound at `songSeconds` yet (still loading there), by name. */
  missingAt(songSeconds: number): string[] {
    const start = Math.round(songSeconds * this.sampleRate);
    const frames = Math.round(PRIME_SECONDS * this.sampleRate);
    const missing: string[] = [];
    for (const s of this.stems.values()) {
      if (s.progress.phase === 'error') continue;
      const len = s.progress.frames;
      if (s.progress.phase === 'ready' && start >= len) continue;
      const span = len > 0 ? Math.min(frames, len - start) : frames;
      if (s.progress.phase !== 'ready' || !s.reader.has(start, span)) missing.push(s.stem.name);
    }
    return missing;
  }

  /** Waits (up to `timeoutMs`) until every stem can sound at `songSeconds`; returns those that cannot. */
  async prime(songSeconds: number, timeoutMs: number): Promise<string[]> {
    this.hint(songSeconds, null);
    const until = performance.now() + timeoutMs;
    for (;;) {
      const missing = this.missingAt(songSeconds);
      if (missing.length === 0 || performance.now() >= until || this.disposed) return missing;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** A stem for renders at the context's rate: each 16 s segment read from the local cache. */
  source(stemId: string): StemSource {
    const entry = this.stems.get(stemId);
    if (!entry) throw new Error(`unknown stem ${stemId}`);
    // The source's methods are plain functions (they keep their own `this`): the library is named.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const library = this;
    let held: { start: number; channels: Float32Array[] } | null = null;
    return {
      sampleRate: this.sampleRate,
      numberOfChannels: entry.layout.channels,
      get length() {
        return entry.progress.frames;
      },
      async prepare(start: number, frames: number) {
        held = { start, channels: await library.read(stemId, start, frames) };
      },
      read(start: number, frames: number, out: Float32Array[]) {
        if (!held) return false;
        const from = start - held.start;
        for (let c = 0; c < out.length; c++) {
          const src = held.channels[Math.min(c, held.channels.length - 1)];
          const n = Math.max(0, Math.min(frames, src.length - from));
          if (n > 0) out[c].set(src.subarray(from, from + n));
          out[c].fill(0, n, frames);
        }
        return true;
      },
      close() {
        held = null;
      },
    };
  }

  private read(stemId: string, start: number, frames: number): Promise<Float32Array[]> {
    const id = this.nextRead++;
    return new Promise((resolve, reject) => {
      this.pendingReads.set(id, { resolve, reject });
      this.send({ type: 'read', id, stemId, start, frames });
    });
  }

  /** True once every stem has either become playable or failed. */
  get settled(): boolean {
    return [...this.stems.values()].every((s) => s.progress.phase === 'ready' || s.progress.phase === 'error');
  }

  private receive(msg: StemWorkerReply): void {
    if (this.disposed) return;
    if (msg.type === 'read') {
      const p = this.pendingReads.get(msg.id);
      this.pendingReads.delete(msg.id);
      if (msg.channels) p?.resolve(msg.channels);
      else p?.reject(new Error(msg.error ?? 'could not read the stem'));
      return;
    }
    if (msg.type === 'busy') {
      this.workerBusy(msg.busy);
      return;
    }
    if (msg.type === 'storage-full') {
      this.onStorageFull?.(msg.message);
      return;
    }
    if (msg.type === 'needs-decode') {
      this.decodeQueue = this.decodeQueue.then(() => this.decode(msg.stemId, msg.bytes));
      return;
    }
    const entry = this.stems.get(msg.stemId);
    if (!entry) return;
    entry.progress = msg;
    this.onProgress(msg, entry);
  }

  /**
   * Decodes a compressed stem once, at the stem's own rate (a context at another rate would have
   * the browser resample it); the worker converts it with the engine's resampler and keeps it.
   */
  private async decode(stemId: string, bytes: ArrayBuffer): Promise<void> {
    const entry = this.stems.get(stemId);
    if (!entry || this.disposed) return;
    try {
      const own = entry.stem.sampleRate;
      const rate = Number.isFinite(own) && own >= 8000 && own <= 384000 ? own : this.sampleRate;
      const ctx = new OfflineAudioContext(entry.layout.channels, 1, rate);
      const audio = await ctx.decodeAudioData(bytes);
      const channels = Math.min(2, audio.numberOfChannels);
      const planar = Array.from({ length: channels }, (_, c) => audio.getChannelData(c));
      const interleaved = new Float32Array(audio.length * channels);
      for (let c = 0; c < channels; c++) {
        const src = planar[c];
        for (let i = 0; i < src.length; i++) interleaved[i * channels + c] = src[i];
      }
      this.send({ type: 'decoded', stemId, interleaved, channels, sampleRate: audio.sampleRate }, [interleaved.buffer]);
    } catch (e) {
      const message = `could not decode ${entry.stem.name}: ${(e as Error).message || 'not a format this browser can play'}`;
      this.send({ type: 'decode-failed', stemId, message });
    }
  }

  dispose(): void {
    this.disposed = true;
    this.workerBusy(false);
    for (const p of this.pendingReads.values()) p.reject(new Error('the session was closed'));
    this.pendingReads.clear();
    this.worker.terminate();
  }
}
