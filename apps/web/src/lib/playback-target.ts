import { wantedChunks } from '@mixroom/engine';

/** How long a hint may lead the playing transport before it counts as reached anyway. */
const HINT_LEADS_MS = 1000;

type Loop = { start: number; end: number } | null;

/**
 * Where the stem worker fills the chunk caches: where the transport plays, or where the page said
 * playback goes next. A seek's hint arrives before the playing transport leaves where it is (its
 * pause and jump take effect a look-ahead and an audio callback later, 50–90 ms); filling around
 * the old place meanwhile held every seek that long. So a hint leads until the playing transport
 * is within two chunks of it, stops, or a second has passed.
 */
export class PlaybackTarget {
  songFrame = 0;
  loop: Loop = null;
  private pending = false;
  private at = 0;

  /** The page's word: playback goes to `songFrame` next. */
  hint(songFrame: number, loop: Loop, now: number): void {
    this.songFrame = songFrame;
    this.loop = loop;
    this.pending = true;
    this.at = now;
  }

  /** Where playback is, or goes next. `playing`: the transport's own position while it plays. */
  playhead(playing: number | null, chunkFrames: number, now: number): number {
    if (playing === null) {
      this.pending = false;
      return this.songFrame;
    }
    if (this.pending && (Math.abs(playing - this.songFrame) <= 2 * chunkFrames || now - this.at > HINT_LEADS_MS)) this.pending = false;
    return this.pending ? this.songFrame : playing;
  }

  /**
   * The chunks to hold, most wanted first (`wantedChunks`). Until a jump, the chunk still playing
   * and the next stay, ranked right after the `prime` chunks the jump waits for, so the last
   * moments before it do not play evicted slots.
   */
  wanted(playing: number | null, plan: { chunkFrames: number; slots: number; behind: number }, prime: number, now: number): number[] {
    const want = wantedChunks(plan, this.playhead(playing, plan.chunkFrames, now), this.loop);
    if (!this.pending || playing === null) return want;
    const current = Math.floor(playing / plan.chunkFrames);
    const keep = [current, current + 1].filter((k) => !want.includes(k));
    const first = Math.min(want.length, prime);
    return [...want.slice(0, first), ...keep, ...want.slice(first)].slice(0, plan.slots);
  }
}
