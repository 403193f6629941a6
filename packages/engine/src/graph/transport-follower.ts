import type { ToneLib } from './channel-strip';
import type { StemPlayer } from './stem-player';

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
    private readonly players: () => Iterable<Pick<StemPlayer, 'start' | 'stop'>>,
  ) {
    this.transport = Tone.getTransport();
    this.transport.on('start', this.onStart);
    this.transport.on('loopStart', this.onStart);
    this.transport.on('stop', this.onStop);
    this.transport.on('pause', this.onStop);
    this.transport.on('loopEnd', this.onStop);
  }

  /** A player attached while the transport runs (a stem that finished loading, a new take) joins at the current position. */
  join(player: StemPlayer): void {
    if (this.transport.state !== 'started') return;
    const time = this.Tone.now();
    player.start(time, this.transport.getSecondsAtTime(time));
  }

  dispose(): void {
    this.transport.off('start', this.onStart);
    this.transport.off('loopStart', this.onStart);
    this.transport.off('stop', this.onStop);
    this.transport.off('pause', this.onStop);
    this.transport.off('loopEnd', this.onStop);
  }

  private readonly onStart = (time: number, position: number): void => {
    for (const player of this.players()) player.start(time, position);
  };

  private readonly onStop = (time: number): void => {
    for (const player of this.players()) player.stop(time);
  };
}
