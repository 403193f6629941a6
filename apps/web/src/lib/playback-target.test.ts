import { describe, expect, it } from 'vitest';
import { PlaybackTarget } from './playback-target';

const C = 16384;
const plan = { chunkFrames: C, slots: 16, behind: 2 };
const PRIME = 3;

describe('PlaybackTarget', () => {
  it('follows the playing transport when no hint leads it', () => {
    const t = new PlaybackTarget();
    expect(t.wanted(10 * C + 5, plan, PRIME, 0).slice(0, 3)).toEqual([10, 11, 12]);
  });

  it('fills where a seek goes before the playing transport has left, keeping the chunks still playing', () => {
    const t = new PlaybackTarget();
    t.hint(100 * C + 7, null, 1000);
    // 50 ms later the transport still plays at chunk 10.
    const want = t.wanted(10 * C + 300, plan, PRIME, 1050);
    expect(want.slice(0, PRIME)).toEqual([100, 101, 102]);
    expect(want.slice(PRIME, PRIME + 2)).toEqual([10, 11]);
    expect(want).toHaveLength(plan.slots);
    expect(want.slice(PRIME + 2)).toEqual([103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113]);
  });

  it('follows the transport again once it got there', () => {
    const t = new PlaybackTarget();
    t.hint(100 * C, null, 0);
    expect(t.playhead(5 * C, C, 20)).toBe(100 * C);
    expect(t.playhead(100 * C + 40, C, 90)).toBe(100 * C + 40);
    // Playing on far from the old hint afterwards is the transport, not a seek.
    expect(t.playhead(103 * C, C, 600)).toBe(103 * C);
  });

  it('takes a stopped transport to be where the hint is, and clears the hint', () => {
    const t = new PlaybackTarget();
    t.hint(50 * C, null, 0);
    expect(t.playhead(null, C, 10)).toBe(50 * C);
    // Started later somewhere else (a new start), the transport leads.
    expect(t.playhead(7 * C, C, 30)).toBe(7 * C);
  });

  it('gives up on a hint the playing transport never reaches within a second', () => {
    const t = new PlaybackTarget();
    t.hint(100 * C, null, 0);
    expect(t.playhead(5 * C, C, 999)).toBe(100 * C);
    expect(t.playhead(5 * C, C, 1001)).toBe(5 * C);
  });

  it('keeps the loop of the hint for the window', () => {
    const t = new PlaybackTarget();
    t.hint(19 * C, { start: 0, end: 20 * C }, 0);
    expect(t.wanted(null, plan, PRIME, 5).slice(0, 3)).toEqual([19, 0, 1]);
  });
});
