/**
 * Parameter changes glide over this time (seconds): short enough that nobody hears a lag,
 * long enough that a fast fader drag never produces a click.
 */
export const PARAM_SMOOTHING_SECONDS = 0.02;

/**
 * Sets AudioParams from the mix state, remembering what each was last set to so that
 * re-applying an unchanged state schedules nothing (the automation timeline stays short).
 *
 * A linear ramp from the held current value, not setTargetAtTime: node-web-audio-api
 * mis-renders setTargetAtTime after a cancel (values jump far outside the range before
 * the start time), and one rendering everywhere matters more than the ramp's shape.
 */
export class ParamSetter {
  private readonly last = new WeakMap<AudioParam, number>();

  constructor(private readonly context: BaseAudioContext) {}

  set(param: AudioParam, value: number, immediate: boolean): void {
    if (!Number.isFinite(value)) return;
    if (this.last.get(param) === value) return;
    this.last.set(param, value);
    const now = this.context.currentTime;
    if (immediate) {
      param.cancelScheduledValues(now);
      param.setValueAtTime(value, now);
      return;
    }
    param.cancelAndHoldAtTime(now);
    param.linearRampToValueAtTime(value, now + PARAM_SMOOTHING_SECONDS);
  }
}
