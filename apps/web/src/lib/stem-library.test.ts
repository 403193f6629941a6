import { describe, expect, it } from 'vitest';
import { chunkCacheBytes, wantedChunks } from '@mixroom/engine';
import { CHUNK_FRAMES, CHUNK_SLOTS, MAX_BUDGETED_STEMS, MIN_CHUNK_SLOTS, STREAM_BUDGET_BYTES, chunkSlotsFor } from './stem-library';
import { PRIME_SECONDS } from './stem-stream-protocol';

/** What the windows of `stems` stereo stems take, as the library allocates them. */
const windowsBytes = (stems: number) => stems * chunkCacheBytes({ chunkFrames: CHUNK_FRAMES, slots: chunkSlotsFor(stems), channels: 2 });

describe('stem windows memory budget', () => {
  it('keeps every session up to MAX_BUDGETED_STEMS stems within the budget, whatever the stems’ length', () => {
    expect(MAX_BUDGETED_STEMS).toBeGreaterThanOrEqual(120);
    for (let n = 1; n <= MAX_BUDGETED_STEMS; n++) expect(windowsBytes(n)).toBeLessThanOrEqual(STREAM_BUDGET_BYTES);
    // The 48-stem session of the benchmark keeps every stem's whole window; 96 stems halve it.
    expect(chunkSlotsFor(48)).toBe(CHUNK_SLOTS);
    expect(chunkSlotsFor(96)).toBe(CHUNK_SLOTS / 2);
  });

  it('gives small sessions the whole 5.5 s window and large ones no less than the floor', () => {
    expect(chunkSlotsFor(1)).toBe(CHUNK_SLOTS);
    expect(chunkSlotsFor(8)).toBe(CHUNK_SLOTS);
    expect(chunkSlotsFor(MAX_BUDGETED_STEMS + 1)).toBe(MIN_CHUNK_SLOTS);
    expect(chunkSlotsFor(1000)).toBe(MIN_CHUNK_SLOTS);
    for (let n = 2; n <= 200; n++) expect(chunkSlotsFor(n)).toBeLessThanOrEqual(chunkSlotsFor(n - 1));
  });

  it('always holds what Play and a seek wait for, with room ahead of it, and the chunks behind', () => {
    for (const n of [1, 24, 48, 64, 200]) {
      const slots = chunkSlotsFor(n);
      const plan = { chunkFrames: CHUNK_FRAMES, slots, behind: 2 };
      // Playhead anywhere in a chunk: the prime span reaches into the next one at most.
      const primeChunks = Math.ceil((PRIME_SECONDS * 48000) / CHUNK_FRAMES) + 1;
      const want = wantedChunks(plan, 100 * CHUNK_FRAMES + CHUNK_FRAMES - 1, null);
      const ahead = want.filter((k) => k >= 100);
      // What Play waits for, and a chunk more being refilled while the first plays.
      expect(ahead.length).toBeGreaterThanOrEqual(primeChunks + 1);
      expect(want).toContain(99);
      expect(want).toContain(98);
      // At least a second of audio ahead of the playhead's chunk.
      expect(((ahead.length - 1) * CHUNK_FRAMES) / 48000).toBeGreaterThan(1);
    }
  });
});
