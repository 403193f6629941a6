import { describe, expect, it } from 'vitest';
import { crossfadeCurves, deckPosition, matchTrims, normaliseLoop, trimGain } from './deck-math';

describe('version player arithmetic', () => {
  it('follows the clock, stops at the end without a loop and wraps inside a loop', () => {
    expect(deckPosition(1, 0.5, 10, null)).toBeCloseTo(1.5, 12);
    expect(deckPosition(9, 5, 10, null)).toBe(10);
    expect(deckPosition(1, -0.04, 10, null)).toBe(1); // scheduled start not reached yet
    const loop = { start: 2, end: 4 };
    expect(deckPosition(3, 0.5, 10, loop)).toBeCloseTo(3.5, 12);
    expect(deckPosition(3, 1.5, 10, loop)).toBeCloseTo(2.5, 12);
    expect(deckPosition(3, 5, 10, loop)).toBeCloseTo(2, 12);
    expect(deckPosition(0, 3, 10, loop)).toBeCloseTo(3, 12); // from before the loop into it
    expect(deckPosition(0, 5, 10, loop)).toBeCloseTo(3, 12);
    expect(deckPosition(5, 1, 10, loop)).toBeCloseTo(6, 12); // started after it: the loop is not reached
  });

  it('normalises dragged loop ranges and refuses tiny ones', () => {
    expect(normaliseLoop(4, 2, 10)).toEqual({ start: 2, end: 4 });
    expect(normaliseLoop(-1, 12, 10)).toEqual({ start: 0, end: 10 });
    expect(normaliseLoop(3, 3.01, 10)).toBeNull();
  });

  it('crossfades with constant total gain, from out to in', () => {
    const { out, in: inn } = crossfadeCurves(64);
    expect(out[0]).toBe(1);
    expect(inn[0]).toBe(0);
    expect(out[63]).toBeCloseTo(0, 12);
    expect(inn[63]).toBeCloseTo(1, 12);
    for (let i = 0; i < 64; i++) expect(out[i] + inn[i]).toBeCloseTo(1, 6);
    for (let i = 1; i < 64; i++) expect(out[i]).toBeLessThanOrEqual(out[i - 1]);
  });

  it('turns the louder sides down to the quietest one', () => {
    expect(matchTrims([-14, -20])).toEqual([-6, 0]);
    expect(matchTrims([-20, null, -9.5])).toEqual([0, 0, -10.5]);
    expect(matchTrims([null])).toEqual([0]);
    expect(trimGain(-6.0206)).toBeCloseTo(0.5, 4);
    expect(trimGain(3)).toBe(1);
  });
});
