import { describe, expect, it } from 'vitest';
import { BACKGROUND_GAP_PLAYING_MS, backgroundRunsAllowed } from './background-pace';

describe('the rest of the files, fetched in the background', () => {
  it('stopped: two runs at a time, whatever else is on its way', () => {
    expect(backgroundRunsAllowed({ playing: false, requests: 0, msSinceLastBackground: 0 })).toBe(2);
    expect(backgroundRunsAllowed({ playing: false, requests: 1, msSinceLastBackground: 0 })).toBe(1);
    expect(backgroundRunsAllowed({ playing: false, requests: 5, msSinceLastBackground: 1e9 })).toBe(0);
  });

  it('playing: one run, only with nothing else on its way and after a gap since the last', () => {
    expect(backgroundRunsAllowed({ playing: true, requests: 0, msSinceLastBackground: BACKGROUND_GAP_PLAYING_MS })).toBe(1);
    expect(backgroundRunsAllowed({ playing: true, requests: 0, msSinceLastBackground: BACKGROUND_GAP_PLAYING_MS - 1 })).toBe(0);
    // The playhead's blocks or the read-ahead on their way: the background waits.
    expect(backgroundRunsAllowed({ playing: true, requests: 1, msSinceLastBackground: 1e9 })).toBe(0);
  });
});
