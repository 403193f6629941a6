// SHA-256 and waveform extremes of uploads, computed on a worker thread that reads each upload's
// file right behind the writer (from the page cache). The server's own thread then only moves
// bytes from the socket to the disk; the CPU work — ~2 s per GB for hashing and peak scanning,
// measured with --cpu-prof in bench:upload — runs in parallel on another core. Reading the file
// instead of receiving copies of the chunks costs no extra copy on the server thread, and the
// digest is by construction the digest of what is on disk.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { PCM_EXTREMES_WASM_BASE64 } from './pcm-extremes-wasm.js';

/** Where and how the PCM samples lie in the file (from the header probe), for the extremes scan. */
export interface PcmScanFormat {
  bytesPerSample: number;
  float: boolean;
  bigEndian: boolean;
  container: string;
  /** File offsets of the sample data: [dataStart, dataEnd). */
  dataStart: number;
  dataEnd: number;
  frameBytes: number;
  /** Bytes per finest peaks bucket (frameBytes × frames per bucket). */
  bucketBytes: number;
}

export interface DigestResult {
  /** Bytes of the file hashed, from offset 0. */
  size: number;
  sha256: string;
  /** Where the sample scan got to (null when no PCM format was given). */
  scannedTo: number | null;
}

/**
 * Receives the extremes of whole finest buckets (min and max sample, −1…1) as the scan goes, so
 * neither thread holds them for the whole file; `frames` is the bucket's frame count (less than
 * a whole bucket only for the very last one).
 */
export type ExtremesSink = (lo: Float64Array, hi: Float64Array, count: number, lastFrames: number) => void;

// Plain JavaScript (CommonJS, eval'd): the worker needs no TypeScript loader, so it runs the same
// under tsx, vitest and a compiled build. The extremes kernels mirror extremesReader in
// peaks-from-file.ts exactly (upload-digests.test.ts compares the results with the file scan).
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
// 128 KiB: read(2) into a block that stays in L2 and hash it there. A 1 GiB file read and hashed in
// 128 KiB blocks took 836–1,025 ms against 1,174–1,303 ms in 4 MiB blocks (same run, page cache).
const BLOCK = 128 * 1024;
// The SIMD kernels (pcm-extremes.wat) scan whole buckets straight out of the read block, so the
// block lives in the module's memory: [0, BLOCK) the block, then slack for the kernels' 16-byte
// loads past a bucket's end, then room for (lo, hi) pairs.
const PAIRS_AT = BLOCK + 64;
const MAX_PAIRS = 32768;
const kernel = (() => {
  try {
    const k = new WebAssembly.Instance(new WebAssembly.Module(workerData.kernel)).exports;
    k.memory.grow(Math.ceil((PAIRS_AT + MAX_PAIRS * 8) / 65536) - k.memory.buffer.byteLength / 65536);
    return k;
  } catch (err) {
    parentPort.postMessage({ type: 'warn', message: 'PCM extremes kernel unavailable, scanning in JavaScript: ' + (err && err.message || err) });
    return null;
  }
})();
const block = kernel ? Buffer.from(kernel.memory.buffer, 0, BLOCK) : Buffer.allocUnsafe(BLOCK);
const jobs = new Map();

/** The SIMD kernel for a sample format, or null where only the JavaScript readers apply. */
function kernelFor(f) {
  if (!kernel || f.bigEndian) return null;
  const buffer = kernel.memory.buffer;
  if (f.float && f.bytesPerSample === 4) return { scan: kernel.extremesF32, pairs: new Float32Array(buffer, PAIRS_AT, MAX_PAIRS * 2), scale: 1 };
  if (f.float) return null;
  if (f.bytesPerSample === 3) return { scan: kernel.extremes24, pairs: new Int32Array(buffer, PAIRS_AT, MAX_PAIRS * 2), scale: 8388608 };
  if (f.bytesPerSample === 2) return { scan: kernel.extremes16, pairs: new Int32Array(buffer, PAIRS_AT, MAX_PAIRS * 2), scale: 32768 };
  return null;
}

function extremesReader(bytes, float, bigEndian, container) {
  const pair = [0, 0];
  const scan = (read, scale) => (b, start, end) => {
    let lo = Infinity, hi = -Infinity;
    for (let o = start; o < end; o += bytes) { const v = read(b, o); if (v < lo) lo = v; if (v > hi) hi = v; }
    pair[0] = lo / scale; pair[1] = hi / scale; return pair;
  };
  // The scan alternates between the read block and the carry buffer: keep a view of each.
  const views = new Map();
  const viewOf = (b) => { let v = views.get(b); if (!v) { if (views.size > 4) views.clear(); v = new DataView(b.buffer, b.byteOffset, b.byteLength); views.set(b, v); } return v; };
  if (bytes === 3 && !bigEndian) return (b, start, end) => {
    // One unaligned 32-bit load per sample, starting a byte early: the sample lands in the top
    // 24 bits with the previous byte below it, which cannot change which sample is smallest or
    // largest; '>> 8' at the end drops it. ~25 % faster than assembling three bytes.
    if (end <= start) { pair[0] = 8388607 / 8388608; pair[1] = -1; return pair; }
    const dv = viewOf(b);
    const first = ((b[start] | (b[start + 1] << 8) | (b[start + 2] << 16)) << 8);
    let lo = first, hi = first;
    for (let o = start + 3; o < end; o += 3) { const v = dv.getInt32(o - 1, true); if (v < lo) lo = v; if (v > hi) hi = v; }
    pair[0] = (lo >> 8) / 8388608; pair[1] = (hi >> 8) / 8388608; return pair;
  };
  if (float) {
    if (bytes === 4) return scan(bigEndian ? (b, o) => b.readFloatBE(o) : (b, o) => b.readFloatLE(o), 1);
    return scan(bigEndian ? (b, o) => b.readDoubleBE(o) : (b, o) => b.readDoubleLE(o), 1);
  }
  switch (bytes) {
    case 1: return container === 'wav' ? scan((b, o) => b[o] - 128, 128) : scan((b, o) => b.readInt8(o), 128);
    case 2: return scan(bigEndian ? (b, o) => b.readInt16BE(o) : (b, o) => b.readInt16LE(o), 32768);
    case 3: return scan((b, o) => b.readIntBE(o, 3), 8388608);
    default: return scan(bigEndian ? (b, o) => b.readInt32BE(o) : (b, o) => b.readInt32LE(o), 2147483648);
  }
}

function newScanner(f) {
  return { f, pos: f.dataStart, read: extremesReader(f.bytesPerSample, f.float, f.bigEndian, f.container), kernel: kernelFor(f),
    carry: Buffer.alloc(f.bucketBytes), carryLen: 0, lo: new Float64Array(4096), hi: new Float64Array(4096), count: 0, lastFrames: 0 };
}

/** Hands the buckets scanned since the last call to the server thread (copies: the arrays are reused). */
function flushExtremes(id, s) {
  if (!s || s.count === 0) return;
  const lo = s.lo.slice(0, s.count), hi = s.hi.slice(0, s.count);
  parentPort.postMessage({ type: 'extremes', id, lo, hi, count: s.count, lastFrames: s.lastFrames }, [lo.buffer, hi.buffer]);
  s.count = 0;
}

function reserve(s, n) {
  if (s.count + n <= s.lo.length) return;
  const size = Math.max(s.lo.length * 2, s.count + n);
  const lo = new Float64Array(size); lo.set(s.lo); s.lo = lo;
  const hi = new Float64Array(size); hi.set(s.hi); s.hi = hi;
}

function record(s, b, start, end) {
  reserve(s, 1);
  const [lo, hi] = s.read(b, start, end);
  s.lo[s.count] = lo; s.hi[s.count] = hi; s.count++;
  s.lastFrames = (end - start) / s.f.frameBytes;
}

/** Records n whole buckets that lie in the read block from byte 'at', with the SIMD kernel. */
function recordWhole(s, at, n) {
  const k = s.kernel, bb = s.f.bucketBytes;
  reserve(s, n);
  for (let done = 0; done < n; ) {
    const batch = Math.min(MAX_PAIRS, n - done);
    k.scan(at + done * bb, batch, bb, PAIRS_AT);
    for (let i = 0; i < batch; i++) { s.lo[s.count] = k.pairs[2 * i] / k.scale; s.hi[s.count] = k.pairs[2 * i + 1] / k.scale; s.count++; }
    done += batch;
  }
  if (n > 0) s.lastFrames = bb / s.f.frameBytes;
}

/** Scans the bytes of buf[0, len) that lie at file offset 'at', if they continue where the scan is. */
function scanBytes(s, buf, at, len) {
  const from = Math.max(at, s.pos), to = Math.min(at + len, s.f.dataEnd);
  if (to <= from || from !== s.pos) return;
  let bytes = buf.subarray(from - at, to - at);
  s.pos = to;
  const bb = s.f.bucketBytes;
  if (s.carryLen > 0) {
    const take = Math.min(bb - s.carryLen, bytes.length);
    bytes.copy(s.carry, s.carryLen, 0, take);
    s.carryLen += take;
    bytes = bytes.subarray(take);
    if (s.carryLen < bb) return;
    record(s, s.carry, 0, bb);
    s.carryLen = 0;
  }
  const whole = bytes.length - (bytes.length % bb);
  if (s.kernel && bytes.buffer === block.buffer) recordWhole(s, bytes.byteOffset, whole / bb);
  else for (let o = 0; o < whole; o += bb) record(s, bytes, o, o + bb);
  bytes.copy(s.carry, 0, whole);
  s.carryLen = bytes.length - whole;
}

function readAt(job, at, len) {
  job.fd ??= openSync(job.path, 'r');
  let n = 0;
  while (n < len) { const r = readSync(job.fd, block, n, len - n, at + n); if (r === 0) break; n += r; }
  return n;
}

function advance(job, upTo) {
  const s = job.scanner;
  // A format that arrived after some bytes were hashed: scan those from the file first.
  while (s && s.pos < Math.min(job.at, s.f.dataEnd)) {
    const n = readAt(job, s.pos, Math.min(BLOCK, Math.min(job.at, s.f.dataEnd) - s.pos));
    if (n === 0) break;
    scanBytes(s, block, s.pos, n);
  }
  while (job.at < upTo) {
    const n = readAt(job, job.at, Math.min(BLOCK, upTo - job.at));
    if (n === 0) break;
    job.hash.update(block.subarray(0, n));
    if (s) scanBytes(s, block, job.at, n);
    job.at += n;
  }
}

function close(job) { if (job.fd != null) closeSync(job.fd); job.fd = null; }

parentPort.on('message', (m) => {
  const job = jobs.get(m.id);
  try {
    if (m.type === 'start') jobs.set(m.id, { path: m.path, at: 0, hash: createHash('sha256'), scanner: null, fd: null });
    else if (!job) { if (m.type === 'finish') parentPort.postMessage({ type: 'error', id: m.id, message: 'unknown upload' }); }
    else if (m.type === 'pcm') job.scanner = newScanner(m.format);
    else if (m.type === 'advance') { advance(job, m.upTo); flushExtremes(m.id, job.scanner); }
    else if (m.type === 'drop') { close(job); jobs.delete(m.id); }
    else if (m.type === 'finish') {
      advance(job, m.upTo);
      close(job);
      jobs.delete(m.id);
      const s = job.scanner;
      if (s && s.carryLen > 0) { record(s, s.carry, 0, s.carryLen); s.carryLen = 0; }
      flushExtremes(m.id, s);
      parentPort.postMessage({ type: 'done', id: m.id, size: job.at, sha256: job.hash.digest('hex'), scannedTo: s ? s.pos : null });
    }
  } catch (err) {
    if (job) { try { close(job); } catch {} jobs.delete(m.id); }
    parentPort.postMessage({ type: 'error', id: m.id, message: String(err && err.message || err) });
  }
});
`;

interface Pending {
  resolve(r: DigestResult | null): void;
}

/**
 * One worker for every upload of this process. Messages are handled in order, so `advance`
 * calls queue behind each other and `finish` returns once everything before it is done.
 * Any failure resolves `finish` with null: the caller then hashes the file itself.
 */
export class UploadDigests {
  private worker: Worker | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly failed = new Set<string>();
  private readonly sinks = new Map<string, ExtremesSink>();

  constructor(private readonly logger: Logger) {}

  private get w(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { kernel: Buffer.from(PCM_EXTREMES_WASM_BASE64, 'base64') } });
    worker.unref();
    worker.on('message', (m: { type: string; id: string; size?: number; sha256?: string; scannedTo?: number | null; message?: string; lo?: Float64Array; hi?: Float64Array; count?: number; lastFrames?: number }) => {
      if (m.type === 'warn') {
        this.logger.warn(m.message!);
        return;
      }
      if (m.type === 'extremes') {
        this.sinks.get(m.id)?.(m.lo!, m.hi!, m.count!, m.lastFrames!);
        return;
      }
      const p = this.pending.get(m.id);
      if (m.type === 'error') {
        this.logger.warn(`hashing upload ${m.id} on the worker failed: ${m.message}; it is hashed from the file at completion`);
        this.failed.add(m.id);
      }
      if (!p) return;
      this.pending.delete(m.id);
      this.sinks.delete(m.id);
      p.resolve(m.type === 'done' ? { size: m.size!, sha256: m.sha256!, scannedTo: m.scannedTo ?? null } : null);
    });
    worker.on('error', (err) => {
      this.logger.error('upload digest worker failed', err);
      this.worker = null;
      for (const p of this.pending.values()) p.resolve(null);
      this.pending.clear();
    });
    this.worker = worker;
    return worker;
  }

  /**
   * Starts the worker (and compiles its SIMD kernel) ahead of the first upload, which otherwise
   * paid for both; the worker is a fixed cost of the process, not of an upload.
   */
  warm(): void {
    void this.w;
  }

  start(id: string, filePath: string): void {
    this.failed.delete(id);
    this.w.postMessage({ type: 'start', id, path: filePath });
  }

  /** Where the samples are, once the header is known; bytes already hashed are scanned from the file. */
  pcm(id: string, format: PcmScanFormat, sink: ExtremesSink): void {
    this.sinks.set(id, sink);
    this.w.postMessage({ type: 'pcm', id, format });
  }

  /** The file holds at least `upTo` bytes now (written and flushed): hash up to there. */
  advance(id: string, upTo: number): void {
    this.w.postMessage({ type: 'advance', id, upTo });
  }

  /** Hashes up to `size` and returns the digest (null if anything went wrong). */
  finish(id: string, size: number): Promise<DigestResult | null> {
    if (this.failed.delete(id)) {
      this.sinks.delete(id);
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.w.postMessage({ type: 'finish', id, upTo: size });
    });
  }

  drop(id: string): void {
    this.failed.delete(id);
    this.sinks.delete(id);
    this.worker?.postMessage({ type: 'drop', id });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) p.resolve(null);
    this.pending.clear();
    await w?.terminate();
  }
}
