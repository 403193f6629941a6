import { describe, expect, it } from 'vitest';
import { victimSlot, wantedChunks } from './window-plan';

const plan = { chunkFrames: 100, slots: 8, behind: 2 };

describe('stem window plan', () => {
  it('holds the chunks from the playhead on, then the two just behind it', () => {
    expect(wantedChunks(plan, 1050, null)).toEqual([10, 11, 12, 13, 14, 15, 9, 8]);
    expect(wantedChunks(plan, 0, null)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('wraps at a loop end to the loop start, so the jump back plays from the cache', () => {
    // Loop 2.0–5.5 (chunks 2…5); playhead in chunk 4: 4, 5, then 2, 3 again.
    expect(wantedChunks(plan, 450, { start: 200, end: 550 })).toEqual([4, 5, 2, 3]);
    // A playhead past the loop (seeked out of it) does not wrap.
    expect(wantedChunks(plan, 700, { start: 200, end: 550 })).toEqual([7, 8, 9, 10, 11, 12, 6, 5]);
  });

  it('gives up an empty slot first, then one holding a chunk nobody wants, then the least wanted', () => {
    expect(victimSlot([3, -1, 4], [3, 4])).toBe(1);
    expect(victimSlot([3, 9, 4], [3, 4])).toBe(1);
    expect(victimSlot([3, 5, 4], [3, 4, 5])).toBe(1);
    expect(victimSlot([5, 3, 4], [3, 4, 5])).toBe(0);
  });
});
