// Pure arithmetic of the version player (VersionDeck): where playback is, given when and where it
// started and the loop range; the switch crossfade's gain curves. No Web Audio here (unit-tested).

export interface LoopRange {
  start: number;
  end: number;
}

/** Shortest loop range the player accepts, seconds (a click is not a drag). */
export const MIN_LOOP_SECONDS = 0.05;

/**
 * Song position `elapsed` seconds after playback started at `offset`, with the buffer sources'
 * loop semantics: once inside [start, end) it wraps at `end` back to `start`. Without a loop it
 * stops at `duration`.
 */
export function deckPosition(offset: number, elapsed: number, duration: number, loop: LoopRange | null): number {
  const pos = offset + Math.max(0, elapsed);
  if (loop && offset < loop.end && pos >= loop.end) {
    const len = loop.end - loop.start;
    return loop.start + ((pos - loop.start) % len);
  }
  return Math.min(pos, duration);
}

/** A loop range from two times (a drag either way), clamped to the file; null if too short. */
export function normaliseLoop(a: number, b: number, duration: number): LoopRange | null {
  const start = Math.max(0, Math.min(a, b));
  const end = Math.min(duration, Math.max(a, b));
  return end - start >= MIN_LOOP_SECONDS ? { start, end } : null;
}

/**
 * Gain curves of the A/B switch: `out` goes 1 → 0 and `in` 0 → 1 with out + in = 1 at every
 * point (raised cosine). Two versions of one song playing sample-aligned are strongly
 * correlated, so equal *gain* keeps the level constant through the switch; an equal-power pair
 * (cos/sin) would add up to +3 dB in the middle of it. `points` ≥ 2.
 */
export function crossfadeCurves(points: number): { out: Float32Array; in: Float32Array } {
  const out = new Float32Array(points);
  const inn = new Float32Array(points);
  for (let i = 0; i < points; i++) {
    const x = i / (points - 1);
    const g = Math.cos((x * Math.PI) / 2) ** 2;
    out[i] = g;
    inn[i] = 1 - g;
  }
  return { out, in: inn };
}

/** Linear gain of a level trim in dB (never boosts: trims only turn the louder side down). */
export const trimGain = (db: number) => 10 ** (Math.min(0, db) / 20);

/** Level-matching trims: every side turned down to the quietest one's integrated loudness. */
export function matchTrims(loudness: ReadonlyArray<number | null>): number[] {
  const known = loudness.filter((l): l is number => l !== null && Number.isFinite(l));
  if (known.length === 0) return loudness.map(() => 0);
  const target = Math.min(...known);
  return loudness.map((l) => (l === null || !Number.isFinite(l) ? 0 : target - l));
}
