import { EQ_BAND_TYPES, dbToGain } from '../model/params';
import type { ParamSetter } from './smoothing';

/** Butterworth Q of each second-order section of an order-2N filter. */
export function butterworthQs(sections: number): number[] {
  const n = 2 * sections;
  return Array.from({ length: sections }, (_, k) => 1 / (2 * Math.cos(((2 * k + 1) * Math.PI) / (2 * n))));
}

/**
 * A 4-band EQ on native biquads (the RBJ cookbook, identical in Chromium and node-web-audio-api).
 * A band that is off, or the whole EQ off, sits at 0 dB gain: an RBJ peak or shelf at 0 dB is
 * exactly unity, so bypass never changes the graph and never clicks.
 * Note: Web Audio shelves have a fixed slope (S = 1); their Q is not used.
 */
export class FourBandEq {
  readonly bands: BiquadFilterNode[];
  constructor(ctx: BaseAudioContext) {
    this.bands = EQ_BAND_TYPES.map((type) => {
      const f = ctx.createBiquadFilter();
      f.type = type;
      return f;
    });
    for (let i = 1; i < this.bands.length; i++) this.bands[i - 1].connect(this.bands[i]);
  }
  get input(): AudioNode {
    return this.bands[0];
  }
  get output(): AudioNode {
    return this.bands[this.bands.length - 1];
  }
  apply(p: Record<string, number>, set: ParamSetter, immediate: boolean): void {
    const eqOn = (p['eq.on'] ?? 1) >= 0.5;
    this.bands.forEach((b, i) => {
      const n = i + 1;
      const on = eqOn && p[`eq${n}.on`] >= 0.5;
      set.set(b.frequency, p[`eq${n}.freq`], immediate);
      set.set(b.gain, on ? p[`eq${n}.gain`] : 0, immediate);
      set.set(b.Q, p[`eq${n}.q`], immediate);
    });
  }
  disconnect(): void {
    for (const b of this.bands) b.disconnect();
  }
}

/**
 * High- or low-pass with a selectable slope (12…48 dB/oct as 1…4 Butterworth sections) and a
 * crossfaded bypass (wet/dry gains), so switching it on or off glides instead of clicking.
 * Changing the slope rebuilds the cascade (a structural change, like adding a plug-in).
 */
export class SlopeFilter {
  readonly input: GainNode;
  readonly output: GainNode;
  private readonly wet: GainNode;
  private readonly dry: GainNode;
  private stages: BiquadFilterNode[] = [];
  private sections = 0;

  constructor(
    private readonly ctx: BaseAudioContext,
    private readonly type: 'highpass' | 'lowpass',
  ) {
    this.input = ctx.createGain();
    this.output = ctx.createGain();
    this.wet = ctx.createGain();
    this.dry = ctx.createGain();
    this.input.connect(this.dry).connect(this.output);
    this.wet.connect(this.output);
  }

  apply(on: boolean, freq: number, slopeIndex: number, set: ParamSetter, immediate: boolean): void {
    const sections = Math.min(4, Math.max(1, Math.round(slopeIndex) + 1));
    if (sections !== this.sections) this.rebuild(sections, freq);
    // Web Audio interprets a high/low-pass Q in dB.
    butterworthQs(sections).forEach((q, i) => {
      set.set(this.stages[i].frequency, freq, immediate);
      set.set(this.stages[i].Q, 20 * Math.log10(q), immediate);
    });
    set.set(this.wet.gain, on ? 1 : 0, immediate);
    set.set(this.dry.gain, on ? 0 : 1, immediate);
  }

  private rebuild(sections: number, freq: number): void {
    this.input.disconnect();
    for (const s of this.stages) s.disconnect();
    this.stages = Array.from({ length: sections }, () => {
      const f = this.ctx.createBiquadFilter();
      f.type = this.type;
      f.frequency.value = freq;
      return f;
    });
    this.input.connect(this.dry);
    let prev: AudioNode = this.input;
    for (const s of this.stages) {
      prev.connect(s);
      prev = s;
    }
    prev.connect(this.wet);
    this.sections = sections;
  }

  disconnect(): void {
    this.input.disconnect();
    this.output.disconnect();
    this.wet.disconnect();
    this.dry.disconnect();
    for (const s of this.stages) s.disconnect();
  }
}

export function gainNode(ctx: BaseAudioContext, value = 1): GainNode {
  const g = ctx.createGain();
  g.gain.value = value;
  return g;
}

export { dbToGain };
