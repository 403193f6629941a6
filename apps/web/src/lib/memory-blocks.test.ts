import { describe, expect, it } from 'vitest';
import { MemoryBlocks, StorageFullError, writeAllOrThrow } from './memory-blocks';

describe('MemoryBlocks', () => {
  it('keeps at most its capacity, giving up the least recently used block first', () => {
    const m = new MemoryBlocks(3);
    expect(m.put('a', 0, new Uint8Array([1]))).toEqual([]);
    m.put('a', 1, new Uint8Array([2]));
    m.put('b', 0, new Uint8Array([3]));
    expect(m.get('a', 0)).toEqual(new Uint8Array([1])); // a:0 is now the newest
    expect(m.put('b', 1, new Uint8Array([4]))).toEqual([{ stemId: 'a', block: 1 }]);
    expect(m.has('a', 1)).toBe(false);
    expect(m.has('a', 0)).toBe(true);
    expect(m.size).toBe(3);
  });

  it('keeps its own copy of the bytes (the download reuses its buffers)', () => {
    const m = new MemoryBlocks(2);
    const bytes = new Uint8Array([5, 6]);
    m.put('s', 7, bytes);
    bytes.fill(0);
    expect(m.get('s', 7)).toEqual(new Uint8Array([5, 6]));
  });

  it('forgets a removed stem, and stem ids with colons stay apart', () => {
    const m = new MemoryBlocks(4);
    m.put('x:1', 2, new Uint8Array(1));
    m.put('x', 12, new Uint8Array(1));
    m.dropStem('x');
    expect(m.has('x', 12)).toBe(false);
    expect(m.has('x:1', 2)).toBe(true);
    expect(m.put('y', 0, new Uint8Array(1))).toEqual([]);
  });
});

describe('writeAllOrThrow', () => {
  const handle = (result: number | Error) => ({
    write(b: ArrayBufferView) {
      if (result instanceof Error) throw result;
      return result === -1 ? b.byteLength : result;
    },
  });

  it('accepts a complete write', () => {
    expect(() => writeAllOrThrow(handle(-1), new Uint8Array(8), 0)).not.toThrow();
  });

  it("reads Chromium's unsigned error code (4294967288: no space) as a full storage", () => {
    expect(() => writeAllOrThrow(handle(4294967288), new Uint8Array(2 << 20), 1 << 20)).toThrow(new StorageFullError('file error -8 writing 2097152 bytes'));
  });

  it('treats a short write and a quota exception as a full storage, and rethrows anything else', () => {
    expect(() => writeAllOrThrow(handle(3), new Uint8Array(8), 0)).toThrow(StorageFullError);
    const quota = Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
    expect(() => writeAllOrThrow(handle(quota), new Uint8Array(8), 0)).toThrow(StorageFullError);
    expect(() => writeAllOrThrow(handle(new TypeError('closed')), new Uint8Array(8), 0)).toThrow(TypeError);
  });
});
