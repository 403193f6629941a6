/**
 * How fast the stem worker fetches the rest of every file (what no playhead needs yet, so that
 * the next visit is all local).
 *
 * Stopped, at full speed: two runs at a time. While the mix plays it shares the machine with the
 * audio: its requests, the answers and the cache's file writes took the CPU the audio thread
 * needed (48 stems on 2 cores, the server on the same machine: 46 underrun events in 60 s with the
 * rest of the files arriving as fast as they could). So, while playing, one run at a time, only
 * when nothing else is on its way (the playhead's blocks and the read-ahead go first), and a gap
 * after each: a 2 MiB run then every BACKGROUND_GAP_PLAYING_MS at most, ≤ 8 MB/s.
 */
export const BACKGROUND_REQUESTS_STOPPED = 2;
export const BACKGROUND_GAP_PLAYING_MS = 250;

/** How many background runs may start now. */
export function backgroundRunsAllowed(now: { playing: boolean; requests: number; msSinceLastBackground: number }): number {
  if (!now.playing) return Math.max(0, BACKGROUND_REQUESTS_STOPPED - now.requests);
  if (now.requests > 0 || now.msSinceLastBackground < BACKGROUND_GAP_PLAYING_MS) return 0;
  return 1;
}
