import { EQ_BAND_TYPES, dbToGain } from '../model/params';
import { BiquadCascade, biquadCoefficients, isIdentity, type BiquadCoefficients } from '../dsp/biquad';
import { CompressorKernel } from '../dsp/compressor';
import { butterworthQs } from '../graph/nodes';
import { compressorSettings } from '../graph/dynamics-passes';
import { PARAM_SMOOTHING_SECONDS } from '../graph/smoothing';
import { frameOfTime } from './frames';
import { LANE_LOG, pointIndexAt, valueAt, type AutomationLane } from '../model/automation';

/**
 * Automation is evaluated every AUTOMATION_GRID frames of the song (a grid anchored to song frame
 * 0, 1.33 ms at 48 kHz) and the gains ramp linearly in between: no zipper steps, one evaluation
 * per 64 frames, and the same samples however live playback or a render cut their blocks.
 */
export const AUTOMATION_GRID = 64;

/**
 * Parameters inside the strip (filters, EQ bands, compressor) whose lanes retune the filters and
 * the compressor on the automation grid, each value smoothed by a one-pole of TONE_SMOOTHING_SECONDS
 * (in log frequency/Q, in dB for gains): a sweep or a step of an EQ gain does not zipper or click.
 */
export const TONE_AUTOMATION_PARAMS = [
  'hpf.freq',
  'lpf.freq',
  ...[1, 2, 3, 4].flatMap((n) => [`eq${n}.gain`, `eq${n}.freq`, `eq${n}.q`]),
  'comp.threshold',
  'comp.ratio',
  'comp.attack',
  'comp.release',
  'comp.knee',
  'comp.makeup',
] as const;
export const TONE_SMOOTHING_SECONDS = 0.01;

/**
 * Switches and slopes inside the strip: held, and flipped on the exact frame of their breakpoint
 * (the first frame at or after its time), where the filters and compressor retune.
 */
export const TONE_SWITCH_PARAMS = ['hpf.on', 'hpf.slope', 'lpf.on', 'lpf.slope', 'eq.on', 'eq1.on', 'eq2.on', 'eq3.on', 'eq4.on', 'comp.on'] as const;

/**
 * Switches that act on the strip's gains (polarity, pan law, pre/post of the sends): evaluated on
 * the automation grid like mute, so a flip lands as one 64-frame ramp from the grid point before it.
 */
export const GAIN_SWITCH_PARAMS = ['polarity', 'pan.law', 'send1.pre', 'send2.pre'] as const;

/**
 * The channel parameters automation plays (the others keep their static value). Solo lanes are
 * folded into every channel's mute lane (offline/solo-automation.ts).
 */
export const AUTOMATED_CHANNEL_PARAMS = ['gain', 'pan', 'mute', 'solo', 'send1.level', 'send2.level', 'trim', ...TONE_AUTOMATION_PARAMS, ...TONE_SWITCH_PARAMS, ...GAIN_SWITCH_PARAMS] as const;
export type ChannelAutomation = Partial<Record<(typeof AUTOMATED_CHANNEL_PARAMS)[number], AutomationLane>>;

/** The lanes of one channel out of a mix state's automation (null when it has none that play). */
export function channelAutomation(automation: Readonly<Record<string, AutomationLane>> | undefined, channelId: string): ChannelAutomation | null {
  if (!automation) return null;
  let out: ChannelAutomation | null = null;
  for (const id of AUTOMATED_CHANNEL_PARAMS) {
    const lane = automation[`ch:${channelId}/${id}`];
    if (lane && lane.t.length > 0) (out ??= {})[id] = lane;
  }
  return out;
}

/** The three stereo buses a channel feeds: the master sum and the two send buses. */
export interface Buses {
  dry: Float32Array[];
  reverb: Float32Array[];
  delay: Float32Array[];
}

/**
 * Filters of a params record, in the order of the strip: high-pass and low-pass as 1…4
 * Butterworth sections, then the four EQ bands. Sections that are off, and EQ bands at 0 dB
 * (exactly unity), are left out.
 */
export function filterSections(p: Record<string, number>, sampleRate: number, withCutFilters: boolean, keepUnityBands = false): BiquadCoefficients[] {
  const sections: BiquadCoefficients[] = [];
  if (withCutFilters) {
    for (const type of ['hpf', 'lpf'] as const) {
      if (p[`${type}.on`] < 0.5) continue;
      const count = Math.min(4, Math.max(1, Math.round(p[`${type}.slope`]) + 1));
      for (const q of butterworthQs(count)) sections.push(biquadCoefficients(type === 'hpf' ? 'highpass' : 'lowpass', p[`${type}.freq`], 20 * Math.log10(q), 0, sampleRate));
    }
  }
  const eqOn = (p['eq.on'] ?? 1) >= 0.5;
  EQ_BAND_TYPES.forEach((type, i) => {
    const n = i + 1;
    const gain = eqOn && p[`eq${n}.on`] >= 0.5 ? p[`eq${n}.gain`] : 0;
    // Automated EQ keeps a band that passes 0 dB (its section stays in place: no state shift).
    if (!isIdentity(type, gain) || (keepUnityBands && eqOn && p[`eq${n}.on`] >= 0.5)) sections.push(biquadCoefficients(type, p[`eq${n}.freq`], p[`eq${n}.q`], gain, sampleRate));
  });
  return sections;
}

/** Where a channel's signal goes, besides its own parameters (mute/solo, focus of a stem render). */
export interface ChannelRouting {
  /** Mute/solo: false fades the channel out of every bus. */
  audible: boolean;
  /** The direct out to the master sum (off when an FX return is rendered alone). */
  directOn: boolean;
  reverbOn: boolean;
  delayOn: boolean;
}

/**
 * The pan matrix of a channel: out L = a·in L + b·in R, out R = c·in L + d·in R ([a, b, c, d]).
 * Mono stems (in R unused): equal power, −3 dB per side at centre. Stereo stems, 'Stereo pan'
 * (law 0): each input channel is a mono source at its own position (left at 2p − 1, right at
 * 2p + 1, clamped to the sides) on the equal-power law, and the sum is normalised by
 * 1/√(1 + cos Δθ) so that content common to both channels keeps its power: a stem whose two
 * channels are equal pans exactly as the same audio as a mono stem would (hard left: +3 dB on
 * the left, not the +6 dB of a balance control), and at centre the stem is untouched.
 * 'Balance' (law 1): the far channel fades out and the near one is left as it is, the near side
 * receiving the far channel as the Web Audio StereoPannerNode does.
 */
export function panMatrix(pan: number, stemChannels: number, law = 0): [number, number, number, number] {
  const p = Math.min(1, Math.max(-1, pan));
  if (stemChannels === 1) {
    const t = ((p + 1) * Math.PI) / 4;
    return [Math.cos(t), 0, Math.sin(t), 0];
  }
  if (law >= 0.5) {
    if (p <= 0) {
      const t = ((p + 1) * Math.PI) / 2;
      return [1, Math.cos(t), 0, Math.sin(t)];
    }
    const t = (p * Math.PI) / 2;
    return [Math.cos(t), 0, Math.sin(t), 1];
  }
  const tl = ((Math.max(-1, Math.min(1, 2 * p - 1)) + 1) * Math.PI) / 4;
  const tr = ((Math.max(-1, Math.min(1, 2 * p + 1)) + 1) * Math.PI) / 4;
  const g = 1 / Math.sqrt(1 + Math.cos(tr - tl));
  return [g * Math.cos(tl), g * Math.cos(tr), g * Math.sin(tl), g * Math.sin(tr)];
}

/** Index of each smoothed gain in ChannelDsp's gain arrays. */
const TRIM = 0;
/** The pan matrix [a, b, c, d] (panMatrix). */
const PAN_A = 1;
const PAN_B = 2;
const PAN_C = 3;
const PAN_D = 4;
const TO_DRY = 5;
const TO_REVERB = 6;
const TO_DELAY = 7;
/** Mute/solo × fader: what the channel's level meter reads after the pan. */
const POST_FADER = 8;
const GAINS = 9;

/**
 * One channel strip as block DSP, the same code for live playback (the mix worklet) and offline
 * renders: trim/polarity → HPF → LPF → EQ → compressor kernel → pan (panMatrix: equal power for
 * mono, stereo pan or balance for stereo) → mute/solo → fader → direct out and
 * pre/post sends. State is kept between blocks; `configure` retunes it in place (live moves glide
 * over PARAM_SMOOTHING_SECONDS, offline renders jump), and `process` allocates nothing.
 */
export class ChannelDsp {
  private readonly cascade = new BiquadCascade([]);
  private comp: CompressorKernel | null = null;
  private readonly current = new Float64Array(GAINS);
  private readonly target = new Float64Array(GAINS);
  private readonly smoothing: number;
  private readonly panned: Float32Array[];
  private configured = false;
  private params: Record<string, number> = {};
  private routing: ChannelRouting = { audible: true, directOn: true, reverbOn: true, delayOn: true };
  private automation: ChannelAutomation | null = null;
  private staticFader = 1;
  private staticSend1 = 0;
  private staticSend2 = 0;
  /** Gains at the two ends of the grid interval last evaluated (automation), and its index. */
  private readonly gridFrom = new Float64Array(GAINS);
  private readonly gridTo = new Float64Array(GAINS);
  private gridIndex = -1;
  /** Lanes of TONE_AUTOMATION_PARAMS (null: none): the filters and compressor retune on the grid. */
  private tone: {
    ids: string[];
    lanes: AutomationLane[];
    log: boolean[];
    smoothed: Float64Array;
    params: Record<string, number>;
    comp: boolean;
    /** Filter coefficients (5 per section) at the start and the end of the current grid interval. */
    coefFrom: Float64Array;
    coefTo: Float64Array;
    /** Smoothed values at the start of the current grid interval (`smoothed` holds its end). */
    smoothedK: Float64Array;
    /** Switch lanes (TONE_SWITCH_PARAMS), the frame they were last read at and the next frame one changes. */
    swIds: string[];
    sw: AutomationLane[];
    switchAt: number;
    nextSwitch: number;
  } | null = null;
  private toneIndex = -1;
  private readonly toneAlpha: number;

  constructor(
    private readonly sampleRate: number,
    maxFrames: number,
    /** Channels of the stem (1 or 2). */
    readonly channels: number,
  ) {
    this.panned = [new Float32Array(maxFrames), new Float32Array(maxFrames)];
    this.smoothing = 1 / (PARAM_SMOOTHING_SECONDS * sampleRate);
    this.toneAlpha = 1 - Math.exp(-AUTOMATION_GRID / (TONE_SMOOTHING_SECONDS * sampleRate));
  }

  /** Takes new parameters; `immediate` jumps to them (renders), otherwise gains glide. */
  configure(p: Record<string, number>, routing: ChannelRouting, immediate: boolean): void {
    this.params = p;
    this.routing = routing;
    this.gridIndex = -1;
    this.staticFader = dbToGain(p.gain);
    this.staticSend1 = dbToGain(p['send1.level']);
    this.staticSend2 = dbToGain(p['send2.level']);
    if (this.tone) {
      // Automated values stay as the grid left them; the rest take their new static values.
      const automated = this.tone.params;
      this.tone.params = { ...p };
      for (const id of this.tone.ids) this.tone.params[id] = automated[id] ?? p[id];
    } else this.cascade.retune(filterSections(p, this.sampleRate, true));
    // Created with the first settings, so a render starts compressed (or not) from frame 0.
    const comp = compressorSettings(this.tone ? this.tone.params : p, 'comp');
    if (this.comp) this.comp.configure(comp);
    else this.comp = new CompressorKernel(this.sampleRate, comp);
    const t = this.target;
    t[TRIM] = dbToGain(p.trim) * (p.polarity >= 0.5 ? -1 : 1);
    t.set(panMatrix(p.pan, this.channels, p['pan.law'] ?? 0), PAN_A);
    const audible = routing.audible ? 1 : 0;
    const fader = dbToGain(p.gain);
    const send = (n: 1 | 2, on: boolean) => {
      if (!on) return 0;
      const level = dbToGain(p[`send${n}.level`]);
      return audible * (p[`send${n}.pre`] >= 0.5 ? level : level * fader);
    };
    t[POST_FADER] = audible * fader;
    t[TO_DRY] = routing.directOn ? audible * fader : 0;
    t[TO_REVERB] = send(1, routing.reverbOn);
    t[TO_DELAY] = send(2, routing.delayOn);
    if (immediate || !this.configured) this.current.set(t);
    this.configured = true;
  }

  /**
   * Plays these lanes over the static values of their parameters (null: none). With automation,
   * the `audible` of the routing must leave out the static mute when mute is automated.
   */
  setAutomation(lanes: ChannelAutomation | null): void {
    this.automation = lanes && Object.keys(lanes).length > 0 ? lanes : null;
    this.gridIndex = -1;
    const ids: string[] = TONE_AUTOMATION_PARAMS.filter((id) => lanes?.[id] !== undefined);
    const swIds: string[] = TONE_SWITCH_PARAMS.filter((id) => lanes?.[id] !== undefined);
    if (ids.length === 0 && swIds.length === 0) {
      if (this.tone) {
        // Back to the static values.
        this.cascade.retune(filterSections(this.params, this.sampleRate, true));
        this.comp?.configure(compressorSettings(this.params, 'comp'));
      }
      this.tone = null;
      return;
    }
    const all = lanes as Record<string, AutomationLane>;
    this.tone = {
      ids,
      lanes: ids.map((id) => all[id]),
      log: ids.map((id) => all[id].kind === LANE_LOG),
      smoothed: new Float64Array(ids.length),
      params: { ...this.params },
      comp: ids.some((id) => id.startsWith('comp.')) || swIds.includes('comp.on'),
      coefFrom: new Float64Array(0),
      coefTo: new Float64Array(0),
      smoothedK: new Float64Array(ids.length),
      swIds,
      sw: swIds.map((id) => all[id]),
      switchAt: Infinity,
      nextSwitch: swIds.length > 0 ? -Infinity : Infinity,
    };
    this.toneIndex = -1;
  }

  /**
   * Filters and compressor over frames [0, frames): in each grid interval the filter coefficients
   * glide from those of its start to those of its end (no staircase: no zipper noise).
   */
  private processTone(input: Float32Array[], frames: number, songFrame: number): void {
    const G = AUTOMATION_GRID;
    const tone = this.tone!;
    for (let done = 0; done < frames; ) {
      const pos = songFrame + done;
      const k = Math.floor(pos / G);
      if (k !== this.toneIndex) this.retuneTone(k);
      if (tone.sw.length > 0 && (pos < tone.switchAt || pos >= tone.nextSwitch)) this.switchTone(pos);
      const j0 = pos - k * G;
      const n = Math.min(frames - done, G - j0, tone.nextSwitch - pos);
      const part = done === 0 && n === frames ? input : input.map((c) => c.subarray(done, done + n));
      this.cascade.processGliding(part, n, tone.coefFrom, tone.coefTo, j0, G);
      this.comp?.process(part, n);
      done += n;
    }
  }

  /**
   * The tone lanes over grid interval k: coefficients at its start (those the previous interval
   * ended on; a jump of the song snaps to the lanes) and at its end, the smoothed values one grid
   * step on. The compressor takes the values at the start.
   */
  private retuneTone(k: number): void {
    const tone = this.tone!;
    const snap = this.toneIndex < 0 || k !== this.toneIndex + 1;
    if (snap) {
      this.stepTone(k, true);
      tone.coefFrom = Float64Array.from(filterSections(tone.params, this.sampleRate, true, true).flat());
      // A jump of the song reads the switches again where it lands.
      if (tone.sw.length > 0) tone.switchAt = Infinity;
    } else tone.coefFrom = tone.coefTo;
    if (tone.comp && this.comp) this.comp.configure(compressorSettings(tone.params, 'comp'));
    tone.smoothedK.set(tone.smoothed);
    this.stepTone(k + 1, false);
    const sections = filterSections(tone.params, this.sampleRate, true, true);
    tone.coefTo = Float64Array.from(sections.flat());
    // The layout changed (a band or filter switched): start the interval on the new coefficients.
    if (tone.coefFrom.length !== tone.coefTo.length) tone.coefFrom = tone.coefTo;
    this.cascade.retune(sections);
    this.toneIndex = k;
  }

  /**
   * The switch lanes at song frame pos; when one changed, the current grid interval is retuned
   * from this frame on (coefficients at both its ends with the new switches, the compressor).
   */
  private switchTone(pos: number): void {
    const tone = this.tone!;
    const t = pos / this.sampleRate;
    let next = Infinity;
    let changed = false;
    for (let i = 0; i < tone.sw.length; i++) {
      const lane = tone.sw[i];
      const v = valueAt(lane, t);
      if (tone.params[tone.swIds[i]] !== v) changed = true;
      tone.params[tone.swIds[i]] = v;
      const j = pointIndexAt(lane, t) + 1;
      if (j < lane.t.length) next = Math.min(next, Math.max(pos + 1, frameOfTime(lane.t[j], this.sampleRate)));
    }
    tone.switchAt = pos;
    tone.nextSwitch = next;
    if (!changed) return;
    this.loadTone(tone.smoothedK);
    tone.coefFrom = Float64Array.from(filterSections(tone.params, this.sampleRate, true, true).flat());
    if (tone.comp && this.comp) this.comp.configure(compressorSettings(tone.params, 'comp'));
    this.loadTone(tone.smoothed);
    const sections = filterSections(tone.params, this.sampleRate, true, true);
    tone.coefTo = Float64Array.from(sections.flat());
    if (tone.coefFrom.length !== tone.coefTo.length) tone.coefFrom = tone.coefTo;
    this.cascade.retune(sections);
  }

  private loadTone(values: Float64Array): void {
    const tone = this.tone!;
    for (let i = 0; i < tone.ids.length; i++) tone.params[tone.ids[i]] = tone.log[i] ? Math.exp(values[i]) : values[i];
  }

  /** Moves the smoothed tone values to the lanes at grid point k (one one-pole step, or `snap`). */
  private stepTone(k: number, snap: boolean): void {
    const tone = this.tone!;
    const t = (k * AUTOMATION_GRID) / this.sampleRate;
    const a = this.toneAlpha;
    for (let i = 0; i < tone.ids.length; i++) {
      const v = valueAt(tone.lanes[i], t);
      const target = tone.log[i] ? Math.log(Math.max(1e-6, v)) : v;
      const s = snap ? target : tone.smoothed[i] + (target - tone.smoothed[i]) * a;
      tone.smoothed[i] = s;
      tone.params[tone.ids[i]] = tone.log[i] ? Math.exp(s) : s;
    }
  }

  get automated(): boolean {
    return this.automation !== null;
  }

  /** False when the channel reaches none of the buses (silent, or every destination at −∞). */
  get feedsAnything(): boolean {
    if (this.automation) return this.routing.audible && (this.routing.directOn || this.feedsReverb || this.feedsDelay);
    return this.current[TO_DRY] !== 0 || this.current[TO_REVERB] !== 0 || this.current[TO_DELAY] !== 0 || !this.settled;
  }

  get feedsReverb(): boolean {
    if (this.automation) return this.routing.reverbOn && (this.automation['send1.level'] !== undefined || this.target[TO_REVERB] !== 0);
    return this.current[TO_REVERB] !== 0 || this.target[TO_REVERB] !== 0;
  }

  get feedsDelay(): boolean {
    if (this.automation) return this.routing.delayOn && (this.automation['send2.level'] !== undefined || this.target[TO_DELAY] !== 0);
    return this.current[TO_DELAY] !== 0 || this.target[TO_DELAY] !== 0;
  }

  private get settled(): boolean {
    for (let i = 0; i < GAINS; i++) if (this.current[i] !== this.target[i]) return false;
    return true;
  }

  /** Largest absolute sample after the fader since the last takeMeter (live meters). */
  meterPeak = 0;
  meterSumSquares = 0;
  meterFrames = 0;

  /** Live playback meters automated channels sub-block by sub-block, inside process. */
  meterAutomated = false;

  /** Accumulates the post-fader level of the block just processed (only live playback asks). */
  meter(frames: number): void {
    if (!this.automation) this.meterPanned(frames);
  }

  private meterPanned(frames: number): void {
    const g = Math.abs(this.current[POST_FADER]);
    const [l, r] = this.panned;
    let peak = this.meterPeak;
    let sum = 0;
    for (let i = 0; i < frames; i++) {
      const a = l[i] * g;
      const b = r[i] * g;
      sum += a * a + b * b;
      const m = Math.max(Math.abs(a), Math.abs(b));
      if (m > peak) peak = m;
    }
    this.meterPeak = peak;
    this.meterSumSquares += sum / 2;
    this.meterFrames += frames;
  }

  /** Gain reduction of the compressor (dB, ≥ 0) since the last call: the GR meter. */
  readGainReduction(): number {
    return this.comp?.readGainReduction() ?? 0;
  }

  /**
   * Processes `frames` frames of the stem in `input` (one array per stem channel, modified in
   * place) and adds the result into the buses at `busOffset`.
   */
  process(input: Float32Array[], frames: number, buses: Buses, busOffset: number, songFrame = 0): void {
    const cur = this.current;
    const tgt = this.target;
    const steady = this.settled;
    // Gains that glide move linearly over this block towards the target, by at most the
    // smoothing rate per frame: a fader move lands in PARAM_SMOOTHING_SECONDS.
    const step = Math.min(1, this.smoothing * frames);
    if (this.automation?.trim || this.automation?.polarity) this.trimAutomated(input, frames, songFrame);
    else {
      const trimFrom = cur[TRIM];
      const trimTo = steady ? trimFrom : approach(trimFrom, tgt[TRIM], step);
      for (let c = 0; c < input.length; c++) scale(input[c], frames, trimFrom, trimTo);
      cur[TRIM] = trimTo;
    }
    if (this.tone) this.processTone(input, frames, songFrame);
    else {
      this.cascade.process(input, frames);
      this.comp?.process(input, frames);
    }
    if (this.automation) {
      this.processAutomated(input, frames, buses, busOffset, songFrame);
      return;
    }

    const from = this.panFrom;
    from.set(cur.subarray(PAN_A, PAN_D + 1));
    if (!steady) for (let k = PAN_A; k <= PAN_D; k++) cur[k] = approach(cur[k], tgt[k], step);
    this.pan(input, frames, from);
    for (const [index, bus] of [[TO_DRY, buses.dry], [TO_REVERB, buses.reverb], [TO_DELAY, buses.delay]] as const) {
      const g0 = cur[index];
      const g1 = steady ? g0 : approach(g0, tgt[index], step);
      cur[index] = g1;
      if (g0 !== 0 || g1 !== 0) addScaled(bus, this.panned, g0, g1, busOffset, frames);
    }
    if (!steady) cur[POST_FADER] = approach(cur[POST_FADER], tgt[POST_FADER], step);
  }

  /** The trim (with polarity) from the automation grid, before the filters: linear in each grid interval. */
  private trimAutomated(input: Float32Array[], frames: number, songFrame: number): void {
    const G = AUTOMATION_GRID;
    for (let done = 0; done < frames; ) {
      const pos = songFrame + done;
      const k = Math.floor(pos / G);
      if (k !== this.gridIndex) this.evaluateGrid(k);
      const j0 = pos - k * G;
      const n = Math.min(frames - done, Math.ceil((k + 1) * G - pos));
      const a = this.gridFrom[TRIM];
      const d = this.gridTo[TRIM] - a;
      const g0 = a + (d * j0) / G;
      const g1 = a + (d * (j0 + n)) / G;
      for (let c = 0; c < input.length; c++) scale(input[c], n, g0, g1, done);
      done += n;
    }
    this.current[TRIM] = this.gridTo[TRIM];
  }

  /** Pan, fader and sends from the automation grid: sub-blocks cut at grid points, linear gains in each. */
  private processAutomated(input: Float32Array[], frames: number, buses: Buses, busOffset: number, songFrame: number): void {
    const G = AUTOMATION_GRID;
    const a = this.gridFrom;
    const b = this.gridTo;
    const cur = this.current;
    const from = this.panFrom;
    for (let done = 0; done < frames; ) {
      const pos = songFrame + done;
      const k = Math.floor(pos / G);
      if (k !== this.gridIndex) this.evaluateGrid(k);
      const j0 = pos - k * G;
      const n = Math.min(frames - done, Math.ceil((k + 1) * G - pos));
      const f0 = j0 / G;
      const f1 = (j0 + n) / G;
      // pan() glides from `from` to the matrix in `current`.
      for (let i = PAN_A; i <= PAN_D; i++) {
        from[i - PAN_A] = a[i] + (b[i] - a[i]) * f0;
        cur[i] = a[i] + (b[i] - a[i]) * f1;
      }
      this.pan(input, n, from, done);
      this.sendAutomated(TO_DRY, buses.dry, f0, f1, busOffset + done, n);
      this.sendAutomated(TO_REVERB, buses.reverb, f0, f1, busOffset + done, n);
      this.sendAutomated(TO_DELAY, buses.delay, f0, f1, busOffset + done, n);
      for (let i = TO_DRY; i < GAINS; i++) cur[i] = a[i] + (b[i] - a[i]) * f1;
      if (this.meterAutomated) this.meterPanned(n);
      done += n;
    }
  }

  private sendAutomated(index: number, bus: Float32Array[], f0: number, f1: number, at: number, n: number): void {
    const a = this.gridFrom[index];
    const d = this.gridTo[index] - a;
    const from = a + d * f0;
    const to = a + d * f1;
    if (from !== 0 || to !== 0) addScaled(bus, this.panned, from, to, at, n);
  }

  /** Gains at grid points k and k + 1 from the lanes (and the static values of the rest). */
  private evaluateGrid(k: number): void {
    const G = AUTOMATION_GRID;
    // The next interval starts where this one ended (the same values a fresh evaluation gives).
    if (k === this.gridIndex + 1 && this.gridIndex >= 0) this.gridFrom.set(this.gridTo);
    else this.gainsAt((k * G) / this.sampleRate, this.gridFrom);
    this.gainsAt(((k + 1) * G) / this.sampleRate, this.gridTo);
    this.gridIndex = k;
  }

  /** Gains at song time t. */
  private gainsAt(t: number, out: Float64Array): void {
    const lanes = this.automation!;
    const p = this.params;
    const inverted = (lanes.polarity ? valueAt(lanes.polarity, t) : p.polarity) >= 0.5;
    out[TRIM] = lanes.trim || lanes.polarity ? dbToGain(lanes.trim ? valueAt(lanes.trim, t) : p.trim) * (inverted ? -1 : 1) : this.target[TRIM];
    if (lanes.pan || lanes['pan.law'] || this.gridIndex < 0) {
      const law = lanes['pan.law'] ? valueAt(lanes['pan.law'], t) : (p['pan.law'] ?? 0);
      out.set(panMatrix(lanes.pan ? valueAt(lanes.pan, t) : p.pan, this.channels, law), PAN_A);
    }
    else out.set(this.gridTo.subarray(PAN_A, PAN_D + 1), PAN_A);
    const routing = this.routing;
    const muted = lanes.mute ? valueAt(lanes.mute, t) >= 0.5 : false;
    const audible = routing.audible && !muted ? 1 : 0;
    // Static values were converted once in configure; only automated ones pay for a pow.
    const fader = lanes.gain ? dbToGain(valueAt(lanes.gain, t)) : this.staticFader;
    out[POST_FADER] = audible * fader;
    out[TO_DRY] = routing.directOn ? audible * fader : 0;
    if (routing.reverbOn) {
      const level = lanes['send1.level'] ? dbToGain(valueAt(lanes['send1.level'], t)) : this.staticSend1;
      const pre = lanes['send1.pre'] ? valueAt(lanes['send1.pre'], t) : p['send1.pre'];
      out[TO_REVERB] = audible * (pre >= 0.5 ? level : level * fader);
    } else out[TO_REVERB] = 0;
    if (routing.delayOn) {
      const level = lanes['send2.level'] ? dbToGain(valueAt(lanes['send2.level'], t)) : this.staticSend2;
      const pre = lanes['send2.pre'] ? valueAt(lanes['send2.pre'], t) : p['send2.pre'];
      out[TO_DELAY] = audible * (pre >= 0.5 ? level : level * fader);
    } else out[TO_DELAY] = 0;
  }

  private readonly panFrom = new Float64Array(4);

  /**
   * The pan matrix, gliding from `from` to the current gains over frames [offset, offset + frames)
   * of `chans` into this.panned[0, frames); outputs rounded to 32-bit float.
   */
  private pan(chans: Float32Array[], frames: number, from: Float64Array, offset = 0): void {
    const cur = this.current;
    const inL = chans[0];
    const pl = this.panned[0];
    const pr = this.panned[1];
    const a0 = from[0], b0 = from[1], c0 = from[2], d0 = from[3];
    const da = (cur[PAN_A] - a0) / frames, dc = (cur[PAN_C] - c0) / frames;
    if (chans.length === 1) {
      for (let i = 0; i < frames; i++) {
        pl[i] = inL[offset + i] * (a0 + da * i);
        pr[i] = inL[offset + i] * (c0 + dc * i);
      }
      return;
    }
    const inR = chans[1];
    const db = (cur[PAN_B] - b0) / frames, dd = (cur[PAN_D] - d0) / frames;
    for (let i = 0; i < frames; i++) {
      const l = inL[offset + i];
      const r = inR[offset + i];
      pl[i] = l * (a0 + da * i) + r * (b0 + db * i);
      pr[i] = l * (c0 + dc * i) + r * (d0 + dd * i);
    }
  }
}

/** One block of a one-pole glide; snaps when the rest is far below audibility (so it settles). */
function approach(from: number, to: number, fraction: number): number {
  const next = from + (to - from) * fraction;
  return fraction >= 1 || Math.abs(to - next) <= 1e-6 * Math.max(1e-3, Math.abs(to)) ? to : next;
}

function scale(data: Float32Array, frames: number, from: number, to: number, offset = 0): void {
  if (from === to) {
    if (from === 1) return;
    for (let i = 0; i < frames; i++) data[offset + i] *= from;
    return;
  }
  const d = (to - from) / frames;
  for (let i = 0; i < frames; i++) data[offset + i] *= from + d * i;
}

function addScaled(into: Float32Array[], from: Float32Array[], g0: number, g1: number, o: number, frames: number): void {
  if (into.length === 0) return;
  const d = (g1 - g0) / frames;
  for (let c = 0; c < 2; c++) {
    const dst = into[c];
    const src = from[c];
    if (d === 0) for (let i = 0; i < frames; i++) dst[o + i] += g0 * src[i];
    else for (let i = 0; i < frames; i++) dst[o + i] += (g0 + d * i) * src[i];
  }
}
