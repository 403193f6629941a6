/**
 * A window of one stem's audio in shared memory, written by a decoding worker and read by the
 * mix worklet on the audio thread: `slots` chunks of `chunkFrames` planar float32 frames, each
 * tagged with the chunk index it holds. Any slot can hold any chunk (the worker chooses what to
 * evict), so a loop's start and the playhead never fight over one slot.
 *
 * Each slot has a seqlock: the writer makes its version odd, writes, then even again; a reader
 * copies and checks the version did not move, so it never plays a half-written chunk (it counts
 * a miss instead). Wait-free on both sides: the audio thread never blocks.
 */
export interface ChunkCacheLayout {
  chunkFrames: number;
  slots: number;
  channels: number;
}

/** Int32 header per slot: [tag, version]. */
const HEADER_INTS = 2;

export function chunkCacheBytes(l: ChunkCacheLayout): number {
  return l.slots * HEADER_INTS * 4 + l.slots * l.chunkFrames * l.channels * 4;
}

export function createChunkCacheBuffer(l: ChunkCacheLayout): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(chunkCacheBytes(l));
  const header = new Int32Array(sab, 0, l.slots * HEADER_INTS);
  for (let s = 0; s < l.slots; s++) header[s * HEADER_INTS] = -1;
  return sab;
}

class ChunkCacheView {
  protected readonly header: Int32Array;
  protected readonly data: Float32Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly layout: ChunkCacheLayout,
  ) {
    this.header = new Int32Array(buffer, 0, layout.slots * HEADER_INTS);
    this.data = new Float32Array(buffer, layout.slots * HEADER_INTS * 4, layout.slots * layout.chunkFrames * layout.channels);
  }

  /** Chunk index held by each slot (−1: empty or being written). */
  tagOf(slot: number): number {
    return Atomics.load(this.header, slot * HEADER_INTS);
  }

  protected channelData(slot: number, channel: number): Float32Array {
    const { chunkFrames, channels } = this.layout;
    const start = (slot * channels + channel) * chunkFrames;
    return this.data.subarray(start, start + chunkFrames);
  }
}

export class ChunkCacheWriter extends ChunkCacheView {
  /** Slot holding `chunk`, or −1. */
  find(chunk: number): number {
    for (let s = 0; s < this.layout.slots; s++) if (this.tagOf(s) === chunk) return s;
    return -1;
  }

  /**
   * Writes one chunk into `slot` (planar channel arrays of chunkFrames; a mono stem may pass one
   * array, short data is zero-padded) and publishes it.
   */
  write(slot: number, chunk: number, channels: readonly Float32Array[]): void {
    const h = this.header;
    const at = slot * HEADER_INTS;
    Atomics.store(h, at, -1);
    Atomics.add(h, at + 1, 1); // odd: being written
    for (let c = 0; c < this.layout.channels; c++) {
      const src = channels[Math.min(c, channels.length - 1)];
      const dst = this.channelData(slot, c);
      const n = Math.min(src.length, dst.length);
      dst.set(n === src.length ? src : src.subarray(0, n));
      if (n < dst.length) dst.fill(0, n);
    }
    Atomics.add(h, at + 1, 1); // even: stable
    Atomics.store(h, at, chunk);
  }

  /** Forgets every chunk (the stem was replaced). */
  clear(): void {
    for (let s = 0; s < this.layout.slots; s++) {
      Atomics.store(this.header, s * HEADER_INTS, -1);
      Atomics.add(this.header, s * HEADER_INTS + 1, 2);
    }
  }
}

export class ChunkCacheReader extends ChunkCacheView {
  private lastSlot = 0;

  /**
   * Copies frames [start, start + frames) into `out` (one array per output channel); frames
   * before 0 are silence. Returns false, with silence in what was missing, when a chunk is not
   * in the cache (or was being rewritten while read).
   */
  read(start: number, frames: number, out: Float32Array[]): boolean {
    const C = this.layout.chunkFrames;
    let ok = true;
    let done = 0;
    while (done < frames) {
      const pos = start + done;
      const n = pos < 0 ? Math.min(frames - done, -pos) : Math.min(frames - done, C - (pos % C));
      if (pos < 0 || !this.copy(Math.floor(pos / C), pos % C, n, out, done)) {
        for (const o of out) o.fill(0, done, done + n);
        if (pos >= 0) ok = false;
      }
      done += n;
    }
    return ok;
  }

  /** True when every chunk of [start, start + frames) is in the cache. */
  has(start: number, frames: number): boolean {
    const C = this.layout.chunkFrames;
    const first = Math.floor(Math.max(0, start) / C);
    const last = Math.floor(Math.max(0, start + frames - 1) / C);
    for (let k = first; k <= last; k++) if (this.slotOf(k) < 0) return false;
    return true;
  }

  private slotOf(chunk: number): number {
    const slots = this.layout.slots;
    for (let i = 0; i < slots; i++) {
      const s = (this.lastSlot + i) % slots;
      if (this.tagOf(s) === chunk) return s;
    }
    return -1;
  }

  private copy(chunk: number, offset: number, n: number, out: Float32Array[], outOffset: number): boolean {
    const slot = this.slotOf(chunk);
    if (slot < 0) return false;
    const at = slot * HEADER_INTS;
    const v1 = Atomics.load(this.header, at + 1);
    if (v1 & 1) return false;
    // Index loops, not subarray views: nothing is allocated on the audio thread.
    const { channels, chunkFrames } = this.layout;
    const data = this.data;
    for (let c = 0; c < out.length; c++) {
      const dst = out[c];
      const base = (slot * channels + Math.min(c, channels - 1)) * chunkFrames + offset;
      for (let i = 0; i < n; i++) dst[outOffset + i] = data[base + i];
    }
    if (Atomics.load(this.header, at + 1) !== v1 || Atomics.load(this.header, at) !== chunk) return false;
    this.lastSlot = slot;
    return true;
  }
}
