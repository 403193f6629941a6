import type * as ToneNamespace from 'tone';
import type { ToneLib } from './channel-strip';

type Transport = ReturnType<ToneLib['getTransport']>;

/**
 * Starts and stops the stem players from the transport's own start, stop, pause and loop
 * events, so play, pause, seek and loop move every stem on the same sample.
 *
 * Not Tone's `player.sync().start(0)`: a synced player that starts at song position 0 is started
 * by an event on transport tick 0, and Tone 15.5's clock finds the first tick after a start in
 * floating point: for about one start time in twelve it lands a hair before the start and skips
 * tick 0, and every stem then stays silent for the whole playback (transport.test.ts reproduces
 * it; it was the "silent first page" of the e2e runs). The start event itself is never skipped.
 */
export class TransportFollower {
  private readonly transport: Transport;

  constructor(
    private readonly Tone: ToneLib,
    private readonly players: () => Iterable<ToneNamespace.Player>,
  ) {
    this.transport = Tone.getTransport();
    this.transport.on('start', this.onStart);
    this.transport.on('loopStart', this.onStart);
    this.transport.on('stop', this.onStop);
    this.transport.on('pause', this.onStop);
    this.transport.on('loopEnd', this.onStop);
  }

  /** A player attached while the transport runs (a stem that finished loading, a new take) joins at the current position. */
  join(player: ToneNamespace.Player): void {
    if (this.transport.state !== 'started') return;
    const time = this.Tone.now();
    startAt(player, time, this.transport.getSecondsAtTime(time));
  }

  dispose(): void {
    this.transport.off('start', this.onStart);
    this.transport.off('loopStart', this.onStart);
    this.transport.off('stop', this.onStop);
    this.transport.off('pause', this.onStop);
    this.transport.off('loopEnd', this.onStop);
  }

  private readonly onStart = (time: number, position: number): void => {
    for (const player of this.players()) startAt(player, time, position);
  };

  private readonly onStop = (time: number): void => {
    for (const player of this.players()) player.stop(time);
  };
}

/** Plays `player` from song position `position` at context time `time` (a stem that ended already stays quiet). */
function startAt(player: ToneNamespace.Player, time: number, position: number): void {
  // A rate nudge ("Listen together") reads the audio faster than the transport moves, as Tone's synced players did.
  let offset = Math.max(0, position) * player.playbackRate;
  // An event handled late (a busy main thread, or an offline context with no look-ahead) starts
  // now, but at the position the transport has reached, so the stems stay on the transport.
  const now = player.context.currentTime;
  if (time < now) {
    offset += (now - time) * player.playbackRate;
    time = now;
  }
  if (!player.loaded || offset >= player.buffer.duration) return;
  player.start(time, offset);
}
