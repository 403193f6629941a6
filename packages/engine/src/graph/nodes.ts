import { EQ_BAND_TYPES, dbToGain } from '../model/params';
import { PARAM_SMOOTHING_SECONDS, type ParamSetter } from './smoothing';
import { biquadCoefficients, isIdentity } from '../dsp/biquad';

/** Butterworth Q of each second-order section of an order-2N filter. */
export function butterworthQs(sections: number): number[] {
  const n = 2 * sections;
  return Array.from({ length: sections }, (_, k) => 1 / (2 * Math.cos(((2 * k + 1) * Math.PI) / (2 * n))));
}

/**
 * A 4-band EQ on native nodes. The peaking bands are BiquadFilterNodes (the RBJ cookbook,
 * identical in Chromium and node-web-audio-api). A band that is off, or the whole EQ off, sits
 * at 0 dB gain: an RBJ peak or shelf at 0 dB is exactly unity, so bypass never clicks.
 * The shelves are ShelfBands: the native lowshelf/highshelf have a fixed slope (S = 1) and
 * ignore Q, while the engine's shelves follow the cookbook's Q (dsp/biquad.ts).
 */
export class FourBandEq {
  readonly bands: Array<BiquadFilterNode | ShelfBand>;
  constructor(ctx: BaseAudioContext) {
    this.bands = EQ_BAND_TYPES.map((type) => {
      if (type === 'lowshelf' || type === 'highshelf') return new ShelfBand(ctx, type);
      const f = ctx.createBiquadFilter();
      f.type = type;
      return f;
    });
    for (let i = 1; i < this.bands.length; i++) this.bands[i - 1].connect(inputOf(this.bands[i]));
  }
  get input(): AudioNode {
    return inputOf(this.bands[0]);
  }
  get output(): AudioNode {
    const last = this.bands[this.bands.length - 1];
    return last instanceof ShelfBand ? last.output : last;
  }
  apply(p: Record<string, number>, set: ParamSetter, immediate: boolean): void {
    const eqOn = (p['eq.on'] ?? 1) >= 0.5;
    this.bands.forEach((b, i) => {
      const n = i + 1;
      const gain = eqOn && p[`eq${n}.on`] >= 0.5 ? p[`eq${n}.gain`] : 0;
      if (b instanceof ShelfBand) return b.apply(p[`eq${n}.freq`], gain, p[`eq${n}.q`], set, immediate);
      set.set(b.frequency, p[`eq${n}.freq`], immediate);
      set.set(b.gain, gain, immediate);
      set.set(b.Q, p[`eq${n}.q`], immediate);
    });
  }
  disconnect(): void {
    for (const b of this.bands) b.disconnect();
  }
}

function inputOf(b: BiquadFilterNode | ShelfBand): AudioNode {
  return b instanceof ShelfBand ? b.input : b;
}

/**
 * A shelving band with the cookbook's Q, on an IIRFilterNode with the coefficients of
 * dsp/biquad.ts (what renders and the live channel strips run). An IIRFilterNode's coefficients
 * are fixed, so a change builds a new one and crossfades to it over PARAM_SMOOTHING_SECONDS
 * (both filters hear the same input: the move glides instead of clicking). At 0 dB the band is
 * a plain pass-through, exactly unity as the render leaves it out.
 */
export class ShelfBand {
  readonly input: GainNode;
  readonly output: GainNode;
  private current: { filter: AudioNode | null; level: GainNode } | null = null;
  private fading: Array<{ filter: AudioNode | null; level: GainNode; until: number }> = [];
  private key = '';

  constructor(
    private readonly ctx: BaseAudioContext,
    private readonly type: 'lowshelf' | 'highshelf',
  ) {
    this.input = gainNode(ctx);
    this.output = gainNode(ctx);
    this.apply(EQ_DEFAULT_HZ[type], 0, 0.71, null, true);
  }

  apply(freq: number, gainDb: number, q: number, _set: ParamSetter | null, immediate: boolean): void {
    if (![freq, gainDb, q].every(Number.isFinite)) return;
    const key = isIdentity(this.type, gainDb) ? 'unity' : `${freq}|${gainDb}|${q}`;
    if (key === this.key) return;
    this.key = key;
    const now = this.ctx.currentTime;
    this.prune(now);
    let filter: AudioNode | null = null;
    if (key !== 'unity') {
      const [b0, b1, b2, a1, a2] = biquadCoefficients(this.type, freq, q, gainDb, this.ctx.sampleRate);
      filter = this.ctx.createIIRFilter([b0, b1, b2], [1, a1, a2]);
    }
    const level = gainNode(this.ctx, immediate || !this.current ? 1 : 0);
    // An automation event from the start: a later fade-out ramps from where it is, not from time 0.
    level.gain.setValueAtTime(level.gain.value, now);
    (filter ? this.input.connect(filter) : this.input).connect(level).connect(this.output);
    const old = this.current;
    this.current = { filter, level };
    if (!old) return;
    if (immediate) {
      this.dispose(old);
      return;
    }
    const until = now + PARAM_SMOOTHING_SECONDS;
    level.gain.linearRampToValueAtTime(1, until);
    old.level.gain.cancelAndHoldAtTime(now);
    old.level.gain.linearRampToValueAtTime(0, until);
    this.fading.push({ ...old, until: until + 0.05 });
    // A faded-out filter still costs CPU: a real-time context drops it soon after the fade (an
    // offline one renders ahead of the clock, so it waits for the next change or disconnect).
    if (!('startRendering' in this.ctx)) setTimeout(() => this.prune(this.ctx.currentTime), 200);
  }

  private prune(now: number): void {
    this.fading = this.fading.filter((f) => (f.until > now ? true : (this.dispose(f), false)));
  }

  private dispose(f: { filter: AudioNode | null; level: GainNode }): void {
    try {
      this.input.disconnect(f.filter ?? f.level);
    } catch {
      // already disconnected (the whole band was)
    }
    f.filter?.disconnect();
    f.level.disconnect();
  }

  connect(node: AudioNode): AudioNode {
    return this.output.connect(node);
  }

  disconnect(): void {
    this.input.disconnect();
    this.output.disconnect();
    for (const f of [...this.fading, ...(this.current ? [this.current] : [])]) {
      f.filter?.disconnect();
      f.level.disconnect();
    }
    this.fading = [];
  }
}

const EQ_DEFAULT_HZ = { lowshelf: 100, highshelf: 8000 };

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

/**
 * A 2×2 gain matrix on native nodes: out L = a·in L + b·in R, out R = c·in L + d·in R. A mono
 * input leaves in R silent. Used for the channel pan (offline/channel.ts panMatrix) and the
 * reverb send's spread (REVERB_SEND_SPREAD), so the native graph and the block DSP agree.
 */
export class StereoMatrix {
  readonly input: ChannelSplitterNode;
  readonly output: ChannelMergerNode;
  private readonly gains: GainNode[];

  constructor(ctx: BaseAudioContext, m: readonly number[] = [1, 0, 0, 1]) {
    this.input = ctx.createChannelSplitter(2);
    this.output = ctx.createChannelMerger(2);
    // [a, b, c, d]: (from input channel, to output channel) = (0,0), (1,0), (0,1), (1,1).
    this.gains = m.map((v, k) => {
      const g = gainNode(ctx, v);
      this.input.connect(g, k % 2);
      g.connect(this.output, 0, k < 2 ? 0 : 1);
      return g;
    });
  }

  apply(m: readonly number[], set: ParamSetter, immediate: boolean): void {
    m.forEach((v, k) => set.set(this.gains[k].gain, v, immediate));
  }

  disconnect(): void {
    this.input.disconnect();
    this.output.disconnect();
    for (const g of this.gains) g.disconnect();
  }
}

export function gainNode(ctx: BaseAudioContext, value = 1): GainNode {
  const g = ctx.createGain();
  g.gain.value = value;
  return g;
}

export { dbToGain };
