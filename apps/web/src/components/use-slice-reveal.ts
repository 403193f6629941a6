'use client';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { SliceReveal } from '../lib/slice-reveal';

/**
 * How many of `total` items to mount now: `first` at once, then `step` more after each frame
 * (see lib/slice-reveal.ts). Lists no longer than `first` are mounted whole, as before.
 */
export function useSliceReveal(total: number, first: number, step: number): number {
  const [reveal] = useState(() => new SliceReveal(first, step));
  // Known during this render already: the first slice mounts with the list, not a frame later.
  reveal.setTotal(total);
  const count = useSyncExternalStore(reveal.subscribe, () => reveal.count, () => reveal.count);
  useEffect(() => {
    reveal.start();
    return () => reveal.stop();
  }, [reveal, total]);
  return count;
}
