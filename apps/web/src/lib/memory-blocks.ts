/**
 * Stem file blocks held in memory when the browser will not store them: its local storage is
 * full (a disk near full; a private window, whose storage lives in memory and refused writes
 * past about 1.5 GB in Chromium while it reported a 10 GB quota). Playback then streams from
 * the server through this bounded store, the least recently used block going first: what plays
 * now and what was fetched for the seconds ahead are the newest. Keys are per stem and block.
 */
export class MemoryBlocks {
  /** In use order, oldest first (a Map iterates in insertion order). */
  private readonly blocks = new Map<string, { stemId: string; block: number; bytes: Uint8Array }>();

  /** `capacity`: how many blocks are kept at most. */
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.blocks.size;
  }

  has(stemId: string, block: number): boolean {
    return this.blocks.has(key(stemId, block));
  }

  /** The block's bytes (and it becomes the most recently used), or null. */
  get(stemId: string, block: number): Uint8Array | null {
    const k = key(stemId, block);
    const entry = this.blocks.get(k);
    if (!entry) return null;
    this.blocks.delete(k);
    this.blocks.set(k, entry);
    return entry.bytes;
  }

  /** Keeps a block (its own copy); returns the blocks given up to make room. */
  put(stemId: string, block: number, bytes: Uint8Array): Array<{ stemId: string; block: number }> {
    const k = key(stemId, block);
    this.blocks.delete(k);
    this.blocks.set(k, { stemId, block, bytes: bytes.slice() });
    const dropped: Array<{ stemId: string; block: number }> = [];
    for (const [oldest, entry] of this.blocks) {
      if (this.blocks.size <= this.capacity) break;
      this.blocks.delete(oldest);
      dropped.push({ stemId: entry.stemId, block: entry.block });
    }
    return dropped;
  }

  /** Forgets a stem's blocks (it was removed). */
  dropStem(stemId: string): void {
    for (const [k, entry] of [...this.blocks]) if (entry.stemId === stemId) this.blocks.delete(k);
  }
}

function key(stemId: string, block: number): string {
  return `${stemId}:${block}`;
}

/** A write the browser did not complete: its local storage refused the bytes. */
export class StorageFullError extends Error {
  constructor(detail: string) {
    super(`this browser's local storage is full (${detail})`);
  }
}

interface WritableHandle {
  write(buffer: ArrayBufferView, options?: { at: number }): number;
}

/**
 * Writes all of `bytes` at `at`, or throws StorageFullError. Chromium's sync access handle may
 * return its file error code as an unsigned count (4294967288 is −8, "no space") instead of
 * throwing: a count other than the length is a failed write, whatever it says.
 */
export function writeAllOrThrow(handle: WritableHandle, bytes: ArrayBufferView, at: number): void {
  let written: number;
  try {
    written = handle.write(bytes, { at });
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'QuotaExceededError') throw new StorageFullError((e as Error).message || name);
    throw e;
  }
  if (written !== bytes.byteLength) {
    const code = written > 2 ** 31 ? written - 2 ** 32 : written;
    throw new StorageFullError(code < 0 ? `file error ${code} writing ${bytes.byteLength} bytes` : `${written} of ${bytes.byteLength} bytes written`);
  }
}
