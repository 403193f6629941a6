import type { ToneLib } from './mix-graph';

export type TransportState = 'started' | 'paused' | 'stopped';

type ToneTransport = ReturnType<ToneLib['getTransport']>;

/**
 * Pauses `transport` at context time `time` on song position `position`, and cancels every start
 * and stop scheduled after it. Tone's own pause leaves those in place: a start still to come (a
 * shared play, or a realignment scheduled a moment ahead) then played on after the pause, with
 * the page saying PAUSED.
 */
export function pauseCancellingLater(transport: ToneTransport, time: number, position: number): void {
  // stop() is Tone's one call that clears the later changes; the start and pause on the same
  // instant then leave it paused where it was asked to be (players started and stopped at once).
  transport.stop(time);
  transport.start(time, position);
  transport.pause(time);
}

/**
 * Plays on from now instead of at the start scheduled for context time `at` from song position
 * `position`: from `position − (at − now)`, where that start would have the song now, with
 * everything scheduled later cancelled. A start left in Tone's timeline fires whatever the page
 * does meanwhile: a seek in between (which cancels only the start's position) made it play the
 * song from 0:00.
 */
export function startNowInsteadOf(transport: ToneTransport, now: number, at: number, position: number): void {
  transport.stop(now);
  transport.start(now, Math.max(0, position - Math.max(0, at - now)));
}

/**
 * Play/pause/stop/seek/loop over the stems of a MixGraph. Stems are synced to Tone's
 * transport, so a seek or a loop jump moves every stem on the same sample.
 */
export class MixTransport {
  constructor(
    private readonly Tone: ToneLib,
    private readonly songDuration: () => number,
  ) {}

  private get transport() {
    return this.Tone.getTransport();
  }

  get state(): TransportState {
    return this.transport.state;
  }

  /** Current song position in seconds. */
  get position(): number {
    return Math.max(0, this.transport.seconds);
  }

  play(): void {
    if (this.transport.state === 'started') return;
    if (this.position >= this.songDuration() && !this.transport.loop) this.transport.seconds = 0;
    this.transport.start();
  }

  pause(): void {
    if (this.transport.state === 'started') this.transport.pause();
  }

  stop(): void {
    this.transport.stop();
    this.transport.seconds = 0;
  }

  seek(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    this.transport.seconds = Math.min(Math.max(0, seconds), Math.max(0, this.songDuration()));
  }

  setLoop(enabled: boolean, startSeconds = 0, endSeconds = this.songDuration()): void {
    const end = Math.max(startSeconds + 0.05, endSeconds);
    this.transport.setLoopPoints(startSeconds, end);
    this.transport.loop = enabled;
  }

  get loop(): boolean {
    return this.transport.loop;
  }
}
