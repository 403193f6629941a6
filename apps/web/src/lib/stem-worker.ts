/**
 * The stem worker: downloads each stem once into the browser's Origin Private File System (kept
 * across visits, keyed by content hash), in 256 KiB blocks fetched by byte range, the blocks
 * around the playhead first; reads the PCM of the frames around the playhead straight from the
 * cached file and writes them into each stem's shared chunk cache, which the mix worklet plays.
 * The ranges every stem needs at one moment (an open, a seek) travel together (stem-ranges.ts).
 * Nothing here holds a whole stem in memory. Bundled by scripts/build-worklets.mjs.
 */
import {
  ChunkCacheWriter,
  STATUS_PLAYING,
  STATUS_SONG_FRAME,
  StemRateConverter,
  parsePcmLayout,
  pcmToFloat,
  statusViews,
  victimSlot,
  type ChunkCacheLayout,
  type PcmLayout,
} from '@mixroom/engine';
import { backgroundRunsAllowed } from './background-pace';
import { fetchRetryingWhenBusy, serverBusy } from './busy-retry';
import { missingBlockRuns } from './block-runs';
import { MemoryBlocks, StorageFullError, writeAllOrThrow } from './memory-blocks';
import { PlaybackTarget } from './playback-target';
import { BatchUnavailableError, StemRangeBatcher } from './stem-ranges';
import { PRIME_SECONDS, type StemPhase, type StemProgress, type StemWorkerReply, type StemWorkerRequest } from './stem-stream-protocol';

interface SyncHandle {
  read(buffer: ArrayBufferView, options?: { at: number }): number;
  write(buffer: ArrayBufferView, options?: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}
interface FileHandle {
  createSyncAccessHandle(options?: { mode: 'readwrite' | 'read-only' | 'readwrite-unsafe' }): Promise<SyncHandle>;
}
interface DirHandle {
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirHandle>;
  removeEntry(name: string): Promise<void>;
}
declare const self: {
  postMessage(message: StemWorkerReply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<StemWorkerRequest>) => void) | null;
};

/**
 * Unit of the cache's bitmap: small, so a seek fetches little more than it needs (256 KiB is
 * 0.9 s of a 24-bit stereo 48 kHz stem). Background requests take runs of blocks at once.
 */
const BLOCK_BYTES = 1 << 18;
const BACKGROUND_RUN_BLOCKS = 8;
/** Requests for the window ahead of the playhead take this many blocks at once (2 MiB, ~7 s). */
const AHEAD_RUN_BLOCKS = 8;
/** What the first request of a stem fetches: its header and first seconds. */
const HEAD_BLOCKS = 4;
/** What is read first to find a cached stem's PCM header (see readPcmLayout). */
const HEAD_PROBE_BYTES = 64 << 10;
/**
 * Blocks held in memory once the browser's storage refuses to store more (128 MiB: about 9 s of
 * each of 48 24-bit stereo stems, more than the playback windows and the runs ahead need).
 */
const MEMORY_BLOCKS = 512;
/**
 * Runs of blocks on their way at once. They travel in a few batched requests (stem-ranges.ts),
 * so the blocks at the playhead of every stem can all be asked for together; runs further ahead
 * are fewer, so a seek's blocks never queue behind many megabytes of them.
 */
const MAX_PLAYHEAD_RUNS = 128;
const MAX_REQUESTS = 12;
/** Chunks kept behind the playhead (a short seek back sounds at once). */
const CHUNKS_BEHIND = 2;
/** Largest stretch of decoding before the worker looks at its messages again. */
const CHUNKS_PER_TURN = 24;
const PUMP_INTERVAL_MS = 15;
/** Ranges that arrived ahead of their blocks kept per stem (a few seeks' worth). */
const EARLY_RANGES = 8;
/** The bitmap file: 8 bytes of file size, then one byte per block (1 = cached). */
const BITMAP_HEADER = 8;

interface Entry {
  stemId: string;
  url: string;
  key: string;
  writer: ChunkCacheWriter;
  layout: ChunkCacheLayout;
  phase: StemPhase;
  error: string | null;
  file: SyncHandle | null;
  bitmapFile: SyncHandle | null;
  totalBytes: number;
  blocks: Uint8Array;
  cachedBlocks: number;
  inflight: Set<number>;
  /**
   * Byte ranges that arrived whole ahead of their blocks (a seek's first bytes, sent before the
   * rest of the blocks around them), newest last; dropped once their blocks are cached.
   */
  early: Array<[number, number]>;
  fromCache: boolean;
  /** Uncompressed at the context rate: frames are read from the cached file itself. */
  pcm: PcmLayout | null;
  /**
   * Otherwise this file, interleaved float32 at the context rate: PCM at another rate converted
   * here, a compressed file decoded by the page at its own rate and converted here, both with
   * the engine's resampler (StemRateConverter) as renders do.
   */
  derived: SyncHandle | null;
  frames: number;
  ready: Promise<void>;
  removed: boolean;
  lastReport: number;
}

const entries = new Map<string, Entry>();
let status: Float64Array | null = null;
let sampleRate = 48000;
const target = new PlaybackTarget();
let root: Promise<DirHandle> | null = null;
let requests = 0;
let pumping = false;
let pumpAgain = false;
/** The browser refused a write into the local cache: downloads are held in `memory` from then on. */
let storageFull = false;
const memory = new MemoryBlocks(MEMORY_BLOCKS);
/** Bytes of stem files this worker may store (SIMULATED_STORAGE_LIMIT_KEY), and those it stored. */
let storageLimit: number | null = null;
let storedBytes = 0;

// Downloads wait out a busy server (503 + Retry-After); the page shows the notice meanwhile.
serverBusy.subscribe(() => self.postMessage({ type: 'busy', busy: serverBusy.getSnapshot() }));

self.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'init':
      status = statusViews(m.status).header;
      sampleRate = m.sampleRate;
      storageLimit = m.storageLimitBytes;
      break;
    case 'prepare':
      for (const key of m.keys) prepareLocal(key);
      break;
    case 'add':
      add(m.stemId, m.url, m.key, m.cache, m.layout);
      break;
    case 'remove': {
      const entry = entries.get(m.stemId);
      if (entry) close(entry);
      entries.delete(m.stemId);
      break;
    }
    case 'hint':
      target.hint(m.songFrame, m.loop, performance.now());
      break;
    case 'decoded':
      void storeDecoded(m.stemId, m.interleaved, m.channels, m.sampleRate);
      break;
    case 'decode-failed': {
      const entry = entries.get(m.stemId);
      if (entry) fail(entry, m.message);
      break;
    }
    case 'read':
      void readForRender(m.id, m.stemId, m.start, m.frames);
      return;
  }
  schedulePump(0);
};

function stemsDir(): Promise<DirHandle> {
  root ??= (async () => {
    const storage = (navigator as unknown as { storage: { getDirectory(): Promise<DirHandle>; persist?(): Promise<boolean> } }).storage;
    const dir = await storage.getDirectory();
    return dir.getDirectoryHandle('stems', { create: true });
  })();
  return root;
}

async function openFile(name: string, create = true): Promise<SyncHandle | null> {
  const dir = await stemsDir();
  try {
    const handle = await dir.getFileHandle(name, { create });
    // 'readwrite-unsafe': a second tab of the same session shares the cached files.
    return await handle.createSyncAccessHandle({ mode: 'readwrite-unsafe' });
  } catch (e) {
    if (!create && (e as DOMException).name === 'NotFoundError') return null;
    throw e;
  }
}

function add(stemId: string, url: string, key: string, cache: SharedArrayBuffer, layout: ChunkCacheLayout): void {
  const old = entries.get(stemId);
  if (old) close(old);
  const entry: Entry = {
    stemId, url, key, layout,
    writer: new ChunkCacheWriter(cache, layout),
    phase: 'queued', error: null, file: null, bitmapFile: null, totalBytes: 0, blocks: new Uint8Array(0),
    cachedBlocks: 0, inflight: new Set(), early: [], fromCache: false, pcm: null, derived: null, frames: 0,
    ready: Promise.resolve(), removed: false, lastReport: 0,
  };
  entries.set(stemId, entry);
  entry.ready = open(entry).catch((e) => fail(entry, e instanceof Error ? e.message : String(e)));
}

/** A cached file's handles: its bytes and its bitmap of stored blocks. */
interface LocalFiles {
  file: SyncHandle;
  bitmapFile: SyncHandle;
}

/** Handles opened before their stem was added, by file key (see prepareLocal). */
const prepared = new Map<string, Promise<LocalFiles>>();

const safeKeyOf = (key: string) => key.replace(/[^A-Za-z0-9_-]/g, '_');

async function openLocal(safeKey: string): Promise<LocalFiles> {
  const file = await openFile(safeKey);
  try {
    return { file: file!, bitmapFile: (await openFile(`${safeKey}.blocks`))! };
  } catch (e) {
    file!.close();
    throw e;
  }
}

/**
 * Opens a stem's cached files while the page is still loading the audio engine (the session is
 * known before its AudioContext is): opening 96 handles one after another through the browser had
 * ended about a second into a warm open of 48 stems. Nothing is downloaded here.
 */
function prepareLocal(key: string): void {
  const safeKey = safeKeyOf(key);
  if (prepared.has(safeKey) || [...entries.values()].some((e) => e.key === key)) return;
  const p = openLocal(safeKey);
  p.catch(() => undefined);
  prepared.set(safeKey, p);
}

async function open(entry: Entry): Promise<void> {
  const safeKey = safeKeyOf(entry.key);
  const early = prepared.get(safeKey);
  prepared.delete(safeKey);
  const local = (early && (await early.catch(() => null))) || (await openLocal(safeKey));
  entry.file = local.file;
  const bitmapFile = local.bitmapFile;
  entry.bitmapFile = bitmapFile;
  if (entry.removed) return close(entry);
  const head = new Uint8Array(BITMAP_HEADER);
  if (bitmapFile!.read(head, { at: 0 }) === BITMAP_HEADER) {
    const total = Number(new DataView(head.buffer).getBigUint64(0, true));
    if (total > 0) setTotal(entry, total, true);
  }
  if (entry.totalBytes === 0) {
    setPhase(entry, 'downloading');
    await fetchRun(entry, 0, HEAD_BLOCKS, { urgent: false });
  }
  entry.fromCache = entry.cachedBlocks === entry.blocks.length;
  await fetchRun(entry, 0, HEAD_BLOCKS, { urgent: false });
  const pcm = readPcmLayout(entry);
  if (pcm && pcm.sampleRate === sampleRate && pcm.frames > 0) {
    entry.pcm = pcm;
    entry.frames = pcm.frames;
    setPhase(entry, 'ready');
    return;
  }
  // Compressed, or at another rate: converted once into a float file, then streamed from it.
  const derivedName = derivedFileName(safeKey);
  const derived = await openFile(derivedName, false);
  const channels = entry.layout.channels;
  if (derived && derived.getSize() > 8) {
    const header = new Float64Array(1);
    derived.read(header, { at: 0 });
    if (header[0] > 0 && derived.getSize() >= 8 + header[0] * channels * 4) {
      entry.derived = derived;
      entry.frames = header[0];
      setPhase(entry, 'ready');
      return;
    }
  }
  derived?.close();
  // A float file of an older version (resampled by the browser) is not used any more.
  await stemsDir().then((dir) => dir.removeEntry(`${safeKey}.${sampleRate}.f32`)).catch(() => undefined);
  setPhase(entry, 'downloading');
  await Promise.all(Array.from({ length: entry.blocks.length }, (_, b) => fetchBlock(entry, b)));
  if (entry.removed) return;
  // Converting reads the whole file: it must all be in the local cache, not partly in memory.
  if (entry.cachedBlocks < entry.blocks.length) {
    const stored = `${entry.cachedBlocks} of ${entry.blocks.length} parts of the file stored`;
    throw storageFull
      ? new StorageFullError(`${stored}; it must be stored whole to be converted for playback`)
      : new Error(`the download of the stem broke off (${stored}); reload to try again`);
  }
  setPhase(entry, 'decoding');
  if (pcm && pcm.frames > 0) return convertPcm(entry, pcm);
  const bytes = new Uint8Array(entry.totalBytes);
  readBytes(entry, bytes, 0);
  self.postMessage({ type: 'needs-decode', stemId: entry.stemId, bytes: bytes.buffer }, [bytes.buffer]);
}

/**
 * Where a cached stem's PCM is, from the first bytes of its file: HEAD_PROBE_BYTES, which hold
 * the header of nearly every file, then all HEAD_BLOCKS (a header with large metadata chunks).
 * Reading the whole megabyte of every stem had cost 48 stems 0.8 s of the worker on a warm open.
 */
function readPcmLayout(entry: Entry): PcmLayout | null {
  let pcm: PcmLayout | null = null;
  for (const size of [HEAD_PROBE_BYTES, HEAD_BLOCKS * BLOCK_BYTES]) {
    const head = new Uint8Array(Math.min(entry.totalBytes, size));
    readBytes(entry, head, 0);
    pcm = parsePcmLayout(head, entry.totalBytes);
    if (pcm || head.length >= entry.totalBytes) break;
  }
  return pcm;
}

/**
 * The float file of a stem that is not PCM at the context rate. 'sinc': made with the engine's
 * resampler (files of older versions were resampled by the browser and are made again).
 */
function derivedFileName(safeKey: string): string {
  return `${safeKey}.${sampleRate}.sinc.f32`;
}

/** Input frames per slice of a conversion (1.4 s at 48 kHz): the worker answers between slices. */
const CONVERT_SLICE = 1 << 16;

/**
 * Writes a stem at `rate` into its float file at the context rate, slice by slice: `read` gives
 * planar input frames [start, start + frames). Returns the frames written.
 */
async function writeConverted(entry: Entry, file: SyncHandle, rate: number, inputChannels: number, inputFrames: number, read: (start: number, frames: number, out: Float32Array[]) => void): Promise<number> {
  const want = entry.layout.channels;
  const converter = new StemRateConverter(rate, sampleRate, inputChannels, want, CONVERT_SLICE);
  const slice = Array.from({ length: inputChannels }, () => new Float32Array(CONVERT_SLICE));
  file.truncate(0);
  let written = 0;
  const put = (data: Float32Array) => {
    writeAllOrThrow(file, data, 8 + written * want * 4);
    written += data.length / want;
  };
  for (let start = 0; start < inputFrames; start += CONVERT_SLICE) {
    const n = Math.min(CONVERT_SLICE, inputFrames - start);
    read(start, n, slice);
    put(converter.push(slice, n));
    await new Promise((r) => setTimeout(r, 0));
    if (entry.removed) return 0;
  }
  put(converter.finish());
  return written;
}

/** A PCM file at another rate: converted from the cached file itself, never whole in memory. */
async function convertPcm(entry: Entry, pcm: PcmLayout): Promise<void> {
  try {
    const safeKey = entry.key.replace(/[^A-Za-z0-9_-]/g, '_');
    const file = (await openFile(derivedFileName(safeKey)))!;
    const align = pcm.channels * pcm.bytesPerSample;
    const bytes = new Uint8Array(CONVERT_SLICE * align);
    const channels = Math.min(2, pcm.channels);
    const frames = await writeConverted(entry, file, pcm.sampleRate, channels, pcm.frames, (start, n, out) => {
      const view = bytes.subarray(0, n * align);
      readBytes(entry, view, pcm.dataOffset + start * align);
      pcmToFloat(view, pcm, n, out);
    });
    if (entry.removed) return file.close();
    finishDerived(entry, file, frames);
  } catch (e) {
    fail(entry, `could not convert the stem to ${sampleRate} Hz: ${(e as Error).message}`);
  }
}

function finishDerived(entry: Entry, file: SyncHandle, frames: number): void {
  writeAllOrThrow(file, new Float64Array([frames]), 0);
  file.flush();
  entry.derived = file;
  entry.frames = frames;
  setPhase(entry, 'ready');
  schedulePump(0);
}

async function storeDecoded(stemId: string, interleaved: Float32Array, channels: number, rate: number): Promise<void> {
  const entry = entries.get(stemId);
  if (!entry || entry.removed) return;
  try {
    const safeKey = entry.key.replace(/[^A-Za-z0-9_-]/g, '_');
    const file = (await openFile(derivedFileName(safeKey)))!;
    const frames = Math.floor(interleaved.length / channels);
    if (rate !== sampleRate) {
      // Decoded at its own rate: the engine's resampler takes it to the context's.
      const written = await writeConverted(entry, file, rate, channels, frames, (start, n, out) => {
        for (let c = 0; c < channels; c++) {
          const dst = out[c];
          for (let i = 0; i < n; i++) dst[i] = interleaved[(start + i) * channels + c];
        }
      });
      if (entry.removed) return file.close();
      return finishDerived(entry, file, written);
    }
    // Stored with the worker's channel count: a mono stem in a stereo cache is widened here once.
    const want = entry.layout.channels;
    let data = interleaved;
    if (channels !== want) {
      data = new Float32Array(frames * want);
      for (let i = 0; i < frames; i++) for (let c = 0; c < want; c++) data[i * want + c] = interleaved[i * channels + Math.min(c, channels - 1)];
    }
    file.truncate(0);
    writeAllOrThrow(file, data, 8);
    finishDerived(entry, file, frames);
  } catch (e) {
    fail(entry, `could not store the decoded audio: ${(e as Error).message}`);
  }
}

function setTotal(entry: Entry, total: number, fromBitmap: boolean): void {
  entry.totalBytes = total;
  const count = Math.ceil(total / BLOCK_BYTES);
  entry.blocks = new Uint8Array(count);
  if (fromBitmap) entry.bitmapFile!.read(entry.blocks, { at: BITMAP_HEADER });
  else {
    const head = new DataView(new ArrayBuffer(BITMAP_HEADER));
    head.setBigUint64(0, BigInt(total), true);
    entry.bitmapFile!.truncate(0);
    entry.bitmapFile!.write(new Uint8Array(head.buffer), { at: 0 });
    entry.bitmapFile!.write(entry.blocks, { at: BITMAP_HEADER });
    try {
      entry.file!.truncate(total);
    } catch (e) {
      // Not made its full size up front: it grows as its parts arrive (or they are held in memory).
      if ((e as Error).name !== 'QuotaExceededError') throw e;
      noteStorageFull(new StorageFullError((e as Error).message));
    }
  }
  entry.cachedBlocks = entry.blocks.reduce((n, b) => n + b, 0);
}

const waiting = new Map<string, Promise<void>>();

/** Fetches block `b` of a stem into its cached file (once, however many ask). */
function fetchBlock(entry: Entry, b: number): Promise<void> {
  return fetchRun(entry, b, 1, { urgent: true });
}

/** How a run of blocks is fetched (see RangeWant). */
interface FetchHow {
  /** What the playhead or a render waits for: before everything else. */
  urgent: boolean;
  /** The bytes of an urgent run a sound waits for: before the rest of every urgent run. */
  first?: [number, number] | null;
  /** Read-ahead and background: stops short when a sound waits (its whole blocks count). */
  mayYield?: boolean;
}

/** Fetches blocks [b, b + count) (those not cached or on their way) in one range of a batched request. */
function fetchRun(entry: Entry, b: number, count: number, how: FetchHow): Promise<void> {
  const known = entry.totalBytes > 0;
  if (known && hasBlock(entry, b)) return Promise.resolve();
  const pending = waiting.get(`${entry.stemId}:${b}`);
  if (pending) return pending;
  let n = 1;
  while (n < count && (!known || b + n < entry.blocks.length) && !(known && hasBlock(entry, b + n)) && !waiting.has(`${entry.stemId}:${b + n}`)) n++;
  requests++;
  const p = (async () => {
    const from = b * BLOCK_BYTES;
    const to = known ? Math.min(entry.totalBytes, from + n * BLOCK_BYTES) : from + n * BLOCK_BYTES;
    const sink = new RangeSink(entry, from, to);
    const first: [number, number] | null = how.first ? [Math.max(how.first[0], from), Math.min(how.first[1], to)] : null;
    const { received, whole } = await download(entry, from, to, { ...how, first: first && first[1] > first[0] ? first : null }, sink);
    if (entry.removed) return;
    if (entry.totalBytes === 0) {
      if (received === 0) throw new Error('the server sent an empty stem');
      setTotal(entry, received, false);
    }
    if (whole && !sink.held) {
      entry.blocks.fill(1);
    } else {
      const last = Math.min(entry.blocks.length, b + Math.ceil(Math.min(received, to - from) / BLOCK_BYTES));
      // A short final block counts once the file's end arrived.
      for (let i = b; i < last; i++) {
        if (!((i + 1) * BLOCK_BYTES <= from + received || from + received >= entry.totalBytes)) continue;
        if (!sink.held) entry.blocks[i] = 1;
        else memory.put(entry.stemId, i, sink.held.subarray(i * BLOCK_BYTES - from, Math.min(entry.totalBytes, (i + 1) * BLOCK_BYTES) - from));
      }
    }
    entry.cachedBlocks = entry.blocks.reduce((k, x) => k + x, 0);
    entry.early = entry.early.filter(([a, z]) => !entry.blocks.subarray(Math.floor(a / BLOCK_BYTES), Math.floor((z - 1) / BLOCK_BYTES) + 1).every((x) => x === 1));
    entry.bitmapFile!.write(entry.blocks, { at: BITMAP_HEADER });
    report(entry, entry.cachedBlocks === entry.blocks.length);
  })().finally(() => {
    for (let i = b; i < b + n; i++) {
      entry.inflight.delete(i);
      waiting.delete(`${entry.stemId}:${i}`);
    }
    requests--;
    schedulePump(0);
  });
  for (let i = b; i < b + n; i++) {
    entry.inflight.add(i);
    waiting.set(`${entry.stemId}:${i}`, p);
  }
  return p;
}

const batchers = new Map<string, StemRangeBatcher>();

/** The session's ranges route for a stem's audio URL (/api/sessions/:id/stems/:stemId/audio). */
function batcherFor(entry: Entry): { batcher: StemRangeBatcher; stemId: string } | null {
  const m = /^(.*\/api\/sessions\/[^/]+\/stems)\/([^/]+)\/audio$/.exec(entry.url);
  if (!m) return null;
  const url = `${m[1]}/ranges`;
  let batcher = batchers.get(url);
  if (!batcher) batchers.set(url, (batcher = new StemRangeBatcher(url, fetchRetryingWhenBusy)));
  return { batcher, stemId: decodeURIComponent(m[2]) };
}

/**
 * Bytes [from, to) of a stem into its cached file, written as they arrive (a 2 MiB answer held
 * whole, dozens of them between garbage collections, had grown the worker's heap by 100+ MB):
 * in a batch with the other stems' ranges of the moment, or alone when the batch cannot carry it.
 * `whole`: the server sent the whole file instead (no range support).
 */
async function download(entry: Entry, from: number, to: number, how: FetchHow, sink: RangeSink): Promise<{ received: number; whole: boolean }> {
  const route = batcherFor(entry);
  if (route) {
    const { urgent, first, mayYield } = how;
    const part = (a: number, z: number, isFirst: boolean) =>
      route.batcher.request({
        stemId: route.stemId, from: a, to: z, urgent, first: isFirst, mayYield,
        onTotal: (total) => {
          if (entry.totalBytes === 0 && !entry.removed) setTotal(entry, total, false);
        },
        onBytes: (bytes, at) => {
          if (!entry.removed) sink.write(bytes, at);
        },
      });
    try {
      // Held in memory (a full local cache), bytes can only be read once their blocks are whole.
      if (!first || storageFull) return { received: await part(from, to, false), whole: false };
      const firstBytes = part(first[0], first[1], true).then((n) => {
        // In the file (not held in memory): the chunks they hold can be filled before the blocks are whole.
        if (n === first[1] - first[0] && !sink.held && !entry.removed) {
          entry.early.push(first);
          if (entry.early.length > EARLY_RANGES) entry.early.shift();
          schedulePump(0);
        }
        return n;
      });
      const counts = await Promise.all([first[0] > from ? part(from, first[0], false) : 0, firstBytes, to > first[1] ? part(first[1], to, false) : 0]);
      return { received: counts.reduce((n, x) => n + x, 0), whole: false };
    } catch (e) {
      if (!(e instanceof BatchUnavailableError)) throw e;
    }
  }
  const res = await fetchRetryingWhenBusy(entry.url, { headers: { Range: `bytes=${from}-${to - 1}` } });
  if (!res.ok) throw new Error(await serverReason(res));
  if (entry.removed) return { received: 0, whole: false };
  if (entry.totalBytes === 0) {
    const range = res.headers.get('content-range');
    const total = res.status === 206 && range ? Number(range.split('/')[1]) : Number(res.headers.get('content-length'));
    if (Number.isFinite(total) && total > 0) setTotal(entry, total, false);
  }
  const at = res.status === 200 ? 0 : from;
  let received = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (entry.removed) {
      await reader.cancel();
      return { received, whole: false };
    }
    sink.write(value, at + received);
    received += value.length;
  }
  return { received, whole: res.status === 200 };
}

/** The server's own words for a refused download (its JSON error body), else the status. */
async function serverReason(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body?.error?.message) return body.error.message;
  } catch {
    // not JSON
  }
  return res.status === 404 ? 'the server no longer has this stem' : `download failed (HTTP ${res.status})`;
}

// ------------------------------------------------------------------ filling the chunk caches

// A pump asked for at once runs from a message, not a timer: nested zero timers are held back 4 ms
// each, and a seek's chunks took eight turns of them. A pump due now replaces a later idle one.
const pumpNow = new MessageChannel();
pumpNow.port1.onmessage = () => {
  pumpQueued = false;
  pump();
};
let pumpQueued = false;
let idlePump: ReturnType<typeof setTimeout> | null = null;

function schedulePump(delay: number): void {
  if (pumping) {
    if (delay === 0) pumpAgain = true;
    return;
  }
  if (pumpQueued) return;
  if (delay === 0) {
    if (idlePump !== null) clearTimeout(idlePump);
    idlePump = null;
    pumpQueued = true;
    pumpNow.port2.postMessage(null);
  } else {
    idlePump ??= setTimeout(() => {
      idlePump = null;
      pump();
    }, delay);
  }
}

/** Chunks from the playhead's that Play and a seek wait for: PRIME_SECONDS from anywhere in the first. */
function primeChunks(C: number): number {
  return Math.ceil((PRIME_SECONDS * sampleRate) / C) + 1;
}

function wanted(C: number, slots: number): number[] {
  const playing = status && status[STATUS_PLAYING] === 1 ? status[STATUS_SONG_FRAME] : null;
  return target.wanted(playing, { chunkFrames: C, slots, behind: CHUNKS_BEHIND }, primeChunks(C), performance.now());
}

function pump(): void {
  pumping = true;
  pumpAgain = false;
  let work = 0;
  let urgent = false;
  try {
    const list = [...entries.values()].filter((e) => e.phase === 'ready' && !e.removed);
    if (list.length > 0) {
      const { chunkFrames: C, slots } = list[0].layout;
      const want = wanted(C, slots);
      const atPlayhead = Math.min(want.length, primeChunks(C));
      // What Play and a seek wait for, every stem's, in one turn (about 0.2 ms a chunk; 48 stems
      // are 100–150 chunks): turns of 24 with the other threads running between them had held a
      // seek into the local cache about 90 ms, of which 20 ms were filling.
      for (const k of want.slice(0, atPlayhead)) {
        for (const entry of list) {
          if (k * C >= entry.frames || entry.writer.find(k) >= 0 || !bytesReady(entry, k)) continue;
          fillChunk(entry, k, want);
        }
      }
      // Then the rest of the window, nearest chunk of every stem before the next chunk of any.
      outer: for (const k of want.slice(atPlayhead)) {
        for (const entry of list) {
          if (k * C >= entry.frames || entry.writer.find(k) >= 0) continue;
          if (!bytesReady(entry, k)) continue;
          fillChunk(entry, k, want);
          if (++work >= CHUNKS_PER_TURN) break outer;
        }
      }
      urgent = requestBlocks(list, want, C);
    }
    if (!urgent) backgroundDownloads();
  } catch (e) {
    console.error('[stem-worker]', e);
  } finally {
    pumping = false;
    const busy = work >= CHUNKS_PER_TURN || pumpAgain;
    const active = [...entries.values()].some((e) => e.phase !== 'error');
    if (busy) schedulePump(0);
    else if (active) schedulePump(PUMP_INTERVAL_MS);
  }
}

/** Byte range in the cached original file of frames [k·C, (k+1)·C). */
function chunkBytes(entry: Entry, k: number): [number, number] {
  const pcm = entry.pcm!;
  const align = pcm.channels * pcm.bytesPerSample;
  const C = entry.layout.chunkFrames;
  const from = Math.min(entry.frames, k * C);
  const to = Math.min(entry.frames, (k + 1) * C);
  return [pcm.dataOffset + from * align, pcm.dataOffset + to * align];
}

function bytesReady(entry: Entry, k: number): boolean {
  if (entry.derived) return true;
  const [from, to] = chunkBytes(entry, k);
  if (entry.early.some(([a, b]) => a <= from && to <= b)) return true;
  for (let b = Math.floor(from / BLOCK_BYTES); b <= Math.floor((to - 1) / BLOCK_BYTES); b++) if (!hasBlock(entry, b)) return false;
  return true;
}

/**
 * Asks for the blocks the wanted chunks need, playhead first, within the request budget.
 * Returns true when some are still missing (the background downloads then wait).
 */
function requestBlocks(list: Entry[], wanted: number[], C: number): boolean {
  const atPlayhead = Math.min(wanted.length, primeChunks(C));
  const urgentChunks = wanted.slice(0, atPlayhead);
  let missing = false;
  // At the playhead, each stem's missing blocks go as one run (one part of a batched request), and
  // every stem's at once. A part per block made 48 stems' two or three blocks each over 120 parts,
  // more than the batcher's lanes carry at once, and an uncached seek waited for a second round.
  for (const entry of list) {
    if (entry.derived) continue;
    const spans = urgentChunks.filter((k) => k * C < entry.frames).map((k) => chunkBytes(entry, k));
    const { runs, incomplete } = missingBlockRuns(spans, BLOCK_BYTES, (b) => hasBlock(entry, b), (b) => entry.inflight.has(b));
    if (incomplete) missing = true;
    const first = runs.length > 0 ? soundBytes(entry, urgentChunks) : null;
    for (const [b, count] of runs) {
      if (requests >= MAX_PLAYHEAD_RUNS) return true;
      fetchRun(entry, b, count, { urgent: true, first }).catch((e) => fail(entry, (e as Error).message));
    }
  }
  // Read-ahead waits while the playhead's own blocks are missing (a seek, the first sound): its
  // 2 MiB runs shared the connection, the server and this worker's file writes with them, and a
  // seek into parts not yet downloaded took 0.4–0.8 s instead of about one round trip.
  if (missing) return true;
  // Further ahead, runs keep the number of requests low (48 stems playing need 13.8 MB/s: in
  // 256 KiB requests that is 53 a second).
  for (let i = atPlayhead; i < wanted.length; i++) {
    const k = wanted[i];
    for (const entry of list) {
      if (entry.derived || k * C >= entry.frames || bytesReady(entry, k)) continue;
      missing = true;
      if (requests >= MAX_REQUESTS) return true;
      const [from, to] = chunkBytes(entry, k);
      for (let b = Math.floor(from / BLOCK_BYTES); b <= Math.floor((to - 1) / BLOCK_BYTES); b++) {
        if (!hasBlock(entry, b) && !entry.inflight.has(b)) fetchRun(entry, b, AHEAD_RUN_BLOCKS, { urgent: false, mayYield: true }).catch((e) => fail(entry, (e as Error).message));
      }
    }
  }
  return missing;
}

/**
 * The bytes of a stem's file the sound waits for, [from, to), when its `chunks` (the prime chunks,
 * consecutive from the playhead's: PRIME_SECONDS from anywhere in the first, so the playing
 * transport is never within PRIME_SECONDS of their end as it starts) are not readable yet: fetched
 * before the rest of their blocks (fetchRun).
 */
function soundBytes(entry: Entry, chunks: number[]): [number, number] | null {
  const needed = chunks.filter((k) => k * entry.layout.chunkFrames < entry.frames && entry.writer.find(k) < 0 && !bytesReady(entry, k));
  if (needed.length === 0) return null;
  // A loop's wrap breaks the run of chunks: the first one alone then.
  const last = needed.every((k, i) => k === needed[0] + i) ? needed[needed.length - 1] : needed[0];
  return [chunkBytes(entry, needed[0])[0], chunkBytes(entry, last)[1]];
}

/** When the last background run ended (performance.now()). */
let lastBackgroundEnd = -Infinity;

/**
 * The rest of every file, only while nothing near the playhead is missing, so the next visit is
 * all local: at full speed while stopped, paced while the mix plays (background-pace.ts).
 */
function backgroundDownloads(): void {
  // A full local cache takes no more: the rest of each file is fetched when playback nears it.
  if (storageFull) return;
  const playing = !!status && status[STATUS_PLAYING] === 1;
  let allowed = backgroundRunsAllowed({ playing, requests, msSinceLastBackground: performance.now() - lastBackgroundEnd });
  for (const entry of entries.values()) {
    if (allowed <= 0) return;
    if (entry.phase !== 'ready' || entry.derived || entry.cachedBlocks === entry.blocks.length) continue;
    const b = entry.blocks.findIndex((x, i) => !x && !entry.inflight.has(i));
    if (b < 0) continue;
    allowed--;
    fetchRun(entry, b, BACKGROUND_RUN_BLOCKS, { urgent: false, mayYield: true })
      .catch((e) => fail(entry, (e as Error).message))
      .finally(() => (lastBackgroundEnd = performance.now()));
  }
}

let scratchBytes = new Uint8Array(0);
let scratchPlanar: Float32Array[] = [];

function fillChunk(entry: Entry, k: number, wanted: number[]): void {
  const C = entry.layout.chunkFrames;
  const channels = entry.layout.channels;
  if (scratchPlanar.length !== channels || scratchPlanar[0].length !== C) scratchPlanar = Array.from({ length: channels }, () => new Float32Array(C));
  const frames = Math.max(0, Math.min(C, entry.frames - k * C));
  readFrames(entry, k * C, frames, scratchPlanar);
  for (const c of scratchPlanar) c.fill(0, frames);
  entry.writer.write(victim(entry, wanted), k, scratchPlanar);
}

/** Planar float frames [start, start + frames) at the context rate, from the cached file. */
function readFrames(entry: Entry, start: number, frames: number, out: Float32Array[]): void {
  if (frames <= 0) return;
  if (entry.pcm) {
    const pcm = entry.pcm;
    const align = pcm.channels * pcm.bytesPerSample;
    const bytes = frames * align;
    if (scratchBytes.length < bytes) scratchBytes = new Uint8Array(bytes);
    const view = scratchBytes.subarray(0, bytes);
    readBytes(entry, view, pcm.dataOffset + start * align);
    pcmToFloat(view, pcm, frames, out);
    return;
  }
  const channels = entry.layout.channels;
  const data = new Float32Array(frames * channels);
  entry.derived!.read(data, { at: 8 + start * channels * 4 });
  for (let c = 0; c < out.length; c++) {
    const dst = out[c];
    const src = Math.min(c, channels - 1);
    for (let i = 0; i < frames; i++) dst[i] = data[i * channels + src];
  }
}

function victim(entry: Entry, wanted: number[]): number {
  const tags = Array.from({ length: entry.layout.slots }, (_, slot) => entry.writer.tagOf(slot));
  return victimSlot(tags, wanted);
}

async function readForRender(id: number, stemId: string, start: number, frames: number): Promise<void> {
  const entry = entries.get(stemId);
  try {
    if (!entry) throw new Error('unknown stem');
    await entry.ready;
    if (entry.phase === 'error') throw new Error(entry.error ?? 'the stem could not be loaded');
    while (entry.phase !== 'ready') await new Promise((r) => setTimeout(r, 50));
    const n = Math.max(0, Math.min(frames, entry.frames - start));
    if (entry.pcm && n > 0) {
      const [from] = chunkBytesOf(entry, start);
      const [, to] = chunkBytesOf(entry, start + n);
      // Held in memory (a full local cache), a block may be given up before it is read: asked again.
      for (let attempt = 0; ; attempt++) {
        const blocks: Promise<void>[] = [];
        for (let b = Math.floor(from / BLOCK_BYTES); b <= Math.floor((to - 1) / BLOCK_BYTES); b++) blocks.push(fetchBlock(entry, b));
        await Promise.all(blocks);
        let all = true;
        for (let b = Math.floor(from / BLOCK_BYTES); b <= Math.floor((to - 1) / BLOCK_BYTES); b++) all &&= hasBlock(entry, b);
        if (all) break;
        if (attempt >= 3) throw new Error('the stem could not be held for the render: the local storage is full and memory is short');
      }
    }
    const out = Array.from({ length: entry.layout.channels }, () => new Float32Array(frames));
    readFrames(entry, Math.max(0, start), n, out);
    self.postMessage({ type: 'read', id, channels: out, error: null }, out.map((c) => c.buffer as ArrayBuffer));
  } catch (e) {
    self.postMessage({ type: 'read', id, channels: null, error: e instanceof Error ? e.message : String(e) });
  }
}

function chunkBytesOf(entry: Entry, frame: number): [number, number] {
  const pcm = entry.pcm!;
  const at = pcm.dataOffset + Math.min(entry.frames, frame) * pcm.channels * pcm.bytesPerSample;
  return [at, at];
}

// ------------------------------------------------------------------ reporting

function setPhase(entry: Entry, phase: StemPhase): void {
  entry.phase = phase;
  report(entry, true);
}

function fail(entry: Entry, message: string): void {
  if (entry.phase === 'error') return;
  entry.error = message;
  setPhase(entry, 'error');
}

function report(entry: Entry, force: boolean): void {
  const now = Date.now();
  // Progress is cosmetic: at most every 100 ms per stem, unless the phase changed.
  if (!force && now - entry.lastReport < 100) return;
  entry.lastReport = now;
  const msg: StemProgress = {
    type: 'progress',
    stemId: entry.stemId,
    phase: entry.phase,
    cachedBytes: Math.min(entry.totalBytes, entry.cachedBlocks * BLOCK_BYTES),
    totalBytes: entry.totalBytes,
    frames: entry.frames,
    channels: entry.layout.channels,
    fromCache: entry.fromCache,
    error: entry.error,
  };
  self.postMessage(msg);
}

function close(entry: Entry): void {
  entry.removed = true;
  memory.dropStem(entry.stemId);
  entry.writer.clear();
  for (const h of [entry.file, entry.bitmapFile, entry.derived]) {
    try {
      h?.close();
    } catch {
      // already closed
    }
  }
}

// ------------------------------------------------------------------ a full local cache

/** Whether block `b` of a stem can be read: in the cached file, or held in memory. */
function hasBlock(entry: Entry, b: number): boolean {
  return entry.blocks[b] === 1 || (storageFull && memory.has(entry.stemId, b));
}

/** Bytes [at, at + view.length) of a stem's file, from the cached file or the blocks held in memory. */
function readBytes(entry: Entry, view: Uint8Array, at: number): void {
  if (memory.size === 0) {
    entry.file!.read(view, { at });
    return;
  }
  let done = 0;
  while (done < view.length) {
    const pos = at + done;
    const b = Math.floor(pos / BLOCK_BYTES);
    const n = Math.min(view.length - done, (b + 1) * BLOCK_BYTES - pos);
    const held = entry.blocks[b] ? null : memory.get(entry.stemId, b);
    if (held) view.set(held.subarray(pos - b * BLOCK_BYTES, pos - b * BLOCK_BYTES + n), done);
    else entry.file!.read(view.subarray(done, done + n), { at: pos });
    done += n;
  }
}

function noteStorageFull(e: StorageFullError): void {
  if (storageFull) return;
  storageFull = true;
  console.warn('[stem-worker] local cache full, streaming from the server:', e.message);
  self.postMessage({ type: 'storage-full', message: e.message });
}

/**
 * Where one download's bytes go: into the stem's cached file, until the browser refuses a write;
 * then the whole range is held (what already reached the file read back) for MemoryBlocks.
 */
class RangeSink {
  held: Uint8Array | null = null;

  constructor(
    private readonly entry: Entry,
    private readonly from: number,
    private readonly to: number,
  ) {
    if (storageFull) this.held = new Uint8Array(to - from);
  }

  write(bytes: Uint8Array, at: number): void {
    if (!this.held) {
      try {
        if (storageLimit !== null && storedBytes + bytes.byteLength > storageLimit) {
          throw new StorageFullError(`the limit of ${(storageLimit / 2 ** 20).toFixed(0)} MB set to try this`);
        }
        writeAllOrThrow(this.entry.file!, bytes, at);
        storedBytes += bytes.byteLength;
        return;
      } catch (e) {
        if (!(e instanceof StorageFullError)) throw e;
        noteStorageFull(e);
        this.held = new Uint8Array(this.to - this.from);
        if (at > this.from) this.entry.file!.read(this.held.subarray(0, Math.min(at, this.to) - this.from), { at: this.from });
      }
    }
    // A server without ranges sends the whole file: only this range's part is held.
    const start = Math.max(at, this.from);
    const end = Math.min(at + bytes.length, this.to);
    if (end > start) this.held.set(bytes.subarray(start - at, end - at), start - this.from);
  }
}
