/**
 * Plays one stem's decoded audio when the transport says so: one native AudioBufferSourceNode
 * per start, into a fixed output node. Native sources accept a start time that has already
 * passed (they start at once) and schedule sub-sample accurately; unlike Tone.Player, nothing
 * clamps the time to Tone's own clock, so an offline render starts on the exact frame asked.
 */
export class StemPlayer {
  readonly output: GainNode;
  private source: AudioBufferSourceNode | null = null;
  private rate = 1;

  constructor(
    private readonly ctx: BaseAudioContext,
    readonly buffer: AudioBuffer,
  ) {
    this.output = ctx.createGain();
  }

  /** True while a start has been scheduled and not stopped (it may not have begun yet). */
  get scheduled(): boolean {
    return this.source !== null;
  }

  get playbackRate(): number {
    return this.rate;
  }

  set playbackRate(rate: number) {
    this.rate = rate;
    if (this.source) this.source.playbackRate.value = rate;
  }

  /**
   * Plays from song position `position` (seconds) at context time `time`. A time already past
   * (an event handled late by a busy main thread) starts now, at the position reached by now.
   */
  start(time: number, position: number): void {
    this.stop(time);
    let offset = Math.max(0, position) * this.rate;
    const now = this.ctx.currentTime;
    if (time < now) {
      offset += (now - time) * this.rate;
      time = now;
    }
    if (offset >= this.buffer.duration) return;
    const source = this.ctx.createBufferSource();
    source.buffer = this.buffer;
    source.playbackRate.value = this.rate;
    source.connect(this.output);
    source.onended = () => {
      source.disconnect();
      if (this.source === source) this.source = null;
    };
    source.start(time, offset);
    this.source = source;
  }

  stop(time: number): void {
    const source = this.source;
    if (!source) return;
    this.source = null;
    source.stop(Math.max(time, this.ctx.currentTime));
  }

  dispose(): void {
    this.stop(0);
    this.output.disconnect();
  }
}
