/**
 * Which chunks of a stem to hold around the playhead, and which slot to give up for a new one:
 * the plan the stem worker follows to fill each stem's ChunkCache. Pure, so it is tested here.
 */
export interface WindowPlan {
  /** Chunk frames and slots per stem (ChunkCacheLayout). */
  chunkFrames: number;
  slots: number;
  /** Chunks kept behind the playhead, so a short seek back sounds at once. */
  behind: number;
}

/**
 * The chunks to hold, nearest first: from the playhead on, through the loop's end back to its
 * start (so the wrap plays from the cache), then the few just behind the playhead.
 */
export function wantedChunks(plan: WindowPlan, playheadFrame: number, loop: { start: number; end: number } | null): number[] {
  const C = plan.chunkFrames;
  const ahead = plan.slots - plan.behind;
  const out: number[] = [];
  const first = Math.floor(Math.max(0, playheadFrame) / C);
  const wraps = loop !== null && loop.end > loop.start && playheadFrame < loop.end;
  let k = first;
  for (let i = 0; i < ahead; i++) {
    if (!out.includes(k)) out.push(k);
    k++;
    if (wraps && k * C >= loop.end) k = Math.floor(loop.start / C);
  }
  for (let i = 1; i <= plan.behind && out.length < plan.slots; i++) if (first - i >= 0 && !out.includes(first - i)) out.push(first - i);
  return out;
}

/** An empty slot (tag −1), else the one whose chunk is wanted least or not at all. */
export function victimSlot(tags: ArrayLike<number>, wanted: readonly number[]): number {
  let best = 0;
  let bestRank = -1;
  for (let s = 0; s < tags.length; s++) {
    if (tags[s] < 0) return s;
    const rank = wanted.indexOf(tags[s]);
    const r = rank < 0 ? Infinity : rank;
    if (r > bestRank) {
      bestRank = r;
      best = s;
    }
  }
  return best;
}
