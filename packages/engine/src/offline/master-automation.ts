import { DELAY_NOTE_QUARTERS, DELAY_PARAMS, EQ_BAND_TYPES, EQ_PARAMS, MASTER_PARAMS, dbToGain, type FxBus } from '../model/params';
import { LANE_LOG, LANE_STEP, pointIndexAt, valueAt, type AutomationLane } from '../model/automation';
import { BiquadCascade, biquadCoefficientsInto, type BiquadCoefficients } from '../dsp/biquad';
import { CompressorKernel, type CompressorSettings } from '../dsp/compressor';
import { TruePeakLimiterKernel, type LimiterSettings } from '../dsp/limiter';
import { DelayKernel, MAX_DELAY_SECONDS, MAX_SLIDE } from '../dsp/delay';
import { compressorSettings, isDynamicsLane } from '../graph/dynamics-passes';
import type { MixState } from '../model/mix-model';
import { AUTOMATION_GRID, TONE_SMOOTHING_SECONDS, filterSections } from './channel';
import { frameOfTime } from './frames';

export { frameOfTime };

/**
 * Master parameters of the chain (EQ → glue compressor → true-peak limiter) that automation
 * plays; the output fader is a bus gain stage of its own (bus-automation.ts), the tempo is not
 * audio. Continuous ones follow the channel tone pattern (grid, one-pole of TONE_SMOOTHING_SECONDS,
 * gliding filter coefficients); switches (eq.on, the band switches, glue.on, limiter.on) hold
 * and flip on the exact frame of their breakpoint.
 */
export const MASTER_CHAIN_AUTOMATION_PARAMS: readonly string[] = [
  ...Object.keys(EQ_PARAMS),
  ...Object.keys(MASTER_PARAMS).filter((id) => id !== 'gain' && id !== 'tempo'),
];

/**
 * FX return parameters, besides the fader and mute, that a BusChainDsp plays: the delay's effect
 * (time, sync, feedback, high cut) and its return EQ, and the reverb's return EQ. The reverb's
 * room (decay, size, damping, pre-delay) plays as stepped, crossfaded convolvers (reverb-room.ts).
 */
export const RETURN_CHAIN_AUTOMATION_PARAMS: { readonly [B in FxBus]: readonly string[] } = {
  reverb: Object.keys(EQ_PARAMS),
  delay: [...Object.keys(DELAY_PARAMS).filter((id) => !id.startsWith('return.')), ...Object.keys(EQ_PARAMS)],
};

export type MasterChainLanes = Readonly<Record<string, AutomationLane>>;
export type ChainLanes = MasterChainLanes;

function lanesOf(automation: Readonly<Record<string, AutomationLane>> | undefined, prefix: string, ids: readonly string[]): ChainLanes | null {
  if (!automation) return null;
  let out: Record<string, AutomationLane> | null = null;
  for (const id of ids) {
    const lane = automation[`${prefix}${id}`];
    if (lane && lane.t.length > 0) (out ??= {})[id] = lane;
  }
  return out;
}

/** The master chain's lanes out of a mix state's automation (null: none, or a stem is rendered before the master). */
export function masterChainAutomation(automation: Readonly<Record<string, AutomationLane>> | undefined, mixOut: boolean): MasterChainLanes | null {
  return mixOut ? lanesOf(automation, 'master/', MASTER_CHAIN_AUTOMATION_PARAMS) : null;
}

/** An FX return's effect and EQ lanes (null: none). */
export function returnChainAutomation(automation: Readonly<Record<string, AutomationLane>> | undefined, bus: FxBus): ChainLanes | null {
  return lanesOf(automation, `fx:${bus}/`, RETURN_CHAIN_AUTOMATION_PARAMS[bus]);
}

const G = AUTOMATION_GRID;
const BANDS = EQ_BAND_TYPES.length;
const IDENTITY: BiquadCoefficients[] = Array.from({ length: BANDS }, () => [1, 0, 0, 0, 0]);
/** Per band: its switch, frequency, gain and Q keys (made once: no strings built per grid step). */
const BAND_KEYS = Array.from({ length: BANDS }, (_, b) => ['on', 'freq', 'gain', 'q'].map((k) => `eq${b + 1}.${k}`));

/**
 * The master chain as block DSP, in place: EQ → glue compressor → true-peak limiter (its
 * look-ahead delays the output by `latency`). The same class runs in offline renders
 * (offline/stream.ts) and, when the master has lanes, in the live master worklet
 * (live/master-chain-live.ts), fed the song frame of every block, so both play the same samples.
 * Without lanes it is exactly the static chain renders always ran (only the stages that are on).
 * With lanes every stage is present (the limiter's latency does not change when its switch
 * flips), the EQ is four fixed sections whose coefficients glide across each grid interval, and
 * the compressor and limiter are retuned at each grid point. Sub-blocks go through a scratch
 * buffer of one grid interval: nothing is allocated while processing.
 */
export class BusChainDsp {
  private readonly eq: BiquadCascade;
  /** The delay return's effect (kind 'delay'): before the EQ. */
  private readonly delay: DelayKernel | null;
  /** Delay in samples at the start and end of grid interval k (slides, never jumps). */
  private delayK = 0;
  private delayK1 = 0;
  private glue: CompressorKernel | null;
  private limiter: TruePeakLimiterKernel | null;
  private params: Record<string, number>;
  private lanes: {
    contIds: string[];
    cont: AutomationLane[];
    log: boolean[];
    /** Smoothed values (log for log lanes) at the start and the end of grid interval k. */
    atK: Float64Array;
    atK1: Float64Array;
    swIds: string[];
    sw: AutomationLane[];
    timeLane: AutomationLane | undefined;
    syncLane: AutomationLane | undefined;
  } | null = null;
  private delayFeedbackK = 0;
  private delayFeedbackK1 = 0;
  /** Working values: the static params with the automated ones written over them. */
  private work: Record<string, number>;
  private k = -1;
  private switchAt = Infinity;
  private nextSwitch = -Infinity;
  private readonly coefFrom = new Float64Array(BANDS * 5);
  private readonly coefTo = new Float64Array(BANDS * 5);
  private readonly coefHeld = new Float64Array(BANDS * 5);
  private readonly scratch = [new Float32Array(G), new Float32Array(G)];
  private readonly glueSettings: CompressorSettings;
  private readonly limiterSettings: LimiterSettings = { on: true, ceilingDb: -1, releaseMs: 60, driveDb: 0 };
  private readonly alpha: number;

  constructor(
    private readonly sampleRate: number,
    /** 'master': EQ → glue → limiter; 'delay': delay kernel → EQ; 'eq': a return's EQ alone (the reverb's). */
    private readonly kind: 'master' | 'delay' | 'eq',
    params: Record<string, number>,
    lanes: MasterChainLanes | null,
    /** The session tempo (a synced delay's time). */
    private readonly tempo = 120,
  ) {
    this.params = params;
    this.delay = kind === 'delay' ? new DelayKernel(sampleRate, 2, { timeSeconds: delaySecondsOf(params['delay.time'], params['delay.sync'], tempo), feedback: params['delay.feedback'] / 100, highcutHz: params['delay.highcut'] }) : null;
    this.work = { ...params };
    this.alpha = 1 - Math.exp(-G / (TONE_SMOOTHING_SECONDS * sampleRate));
    this.glueSettings = compressorSettings(params, 'glue');
    this.setLanesOnly(lanes);
    const automated = this.lanes !== null;
    this.eq = new BiquadCascade(automated ? [] : filterSections(params, sampleRate, false));
    const master = kind === 'master';
    this.glue = master && (automated || params['glue.on'] >= 0.5) ? new CompressorKernel(sampleRate, compressorSettings(params, 'glue')) : null;
    this.limiter = master && (automated || params['limiter.on'] >= 0.5) ? new TruePeakLimiterKernel(sampleRate, 2, this.limiterFrom(params)) : null;
    if (automated) this.eq.retune(IDENTITY);
  }

  /** Samples by which the output lags the input (the limiter's look-ahead; 0 without a limiter). */
  get latency(): number {
    return this.limiter?.latency ?? 0;
  }

  get automated(): boolean {
    return this.lanes !== null;
  }

  /** Gain reduction (dB) of the glue compressor and the limiter since the last call. */
  readGainReduction(): { glue: number; limiter: number } {
    return { glue: this.glue?.readGainReduction() ?? 0, limiter: this.limiter?.readGainReduction() ?? 0 };
  }

  /** New static values (live edits); lanes keep overriding their own parameters. */
  configure(params: Record<string, number>): void {
    this.params = params;
    const automated = this.work;
    this.work = { ...params };
    if (this.lanes) {
      for (const id of [...this.lanes.contIds, ...this.lanes.swIds]) this.work[id] = automated[id] ?? params[id];
      this.k = -1;
      this.switchAt = Infinity;
      return;
    }
    this.eq.retune(filterSections(params, this.sampleRate, false));
    this.glue?.configure(compressorSettings(params, 'glue'));
    this.limiter?.configure(this.limiterFrom(params));
    this.delay?.configure({ timeSeconds: delaySecondsOf(params['delay.time'], params['delay.sync'], this.tempo), feedback: params['delay.feedback'] / 100, highcutHz: params['delay.highcut'] });
  }

  /** Plays these lanes (null: none); from the next frame on, snapped to them. Needs a chain made with lanes to add stages. */
  setLanes(lanes: MasterChainLanes | null): void {
    this.setLanesOnly(lanes);
    if (!this.lanes) this.configure(this.params);
    else {
      // A chain made without lanes gains the stages it left out (the limiter's latency may change then).
      if (this.kind === 'master') {
        this.glue ??= new CompressorKernel(this.sampleRate, compressorSettings(this.params, 'glue'));
        this.limiter ??= new TruePeakLimiterKernel(this.sampleRate, 2, this.limiterFrom(this.params));
      }
      if (this.eq.sections !== BANDS) this.eq.retune(IDENTITY);
    }
  }

  private setLanesOnly(lanes: MasterChainLanes | null): void {
    const ids = lanes ? Object.keys(lanes).filter((id) => lanes[id].t.length > 0) : [];
    this.k = -1;
    this.switchAt = Infinity;
    this.nextSwitch = -Infinity;
    if (ids.length === 0) {
      this.lanes = null;
      return;
    }
    // The delay time is not smoothed: its read position slides at a bounded rate instead (below).
    const contIds = ids.filter((id) => lanes![id].kind !== LANE_STEP && id !== 'delay.time');
    const swIds = ids.filter((id) => lanes![id].kind === LANE_STEP);
    this.lanes = {
      contIds,
      cont: contIds.map((id) => lanes![id]),
      log: contIds.map((id) => lanes![id].kind === LANE_LOG),
      atK: new Float64Array(contIds.length),
      atK1: new Float64Array(contIds.length),
      swIds,
      sw: swIds.map((id) => lanes![id]),
      timeLane: lanes!['delay.time'],
      syncLane: lanes!['delay.sync'],
    };
  }

  private limiterFrom(p: Record<string, number>): LimiterSettings {
    return { on: p['limiter.on'] >= 0.5, ceilingDb: p['limiter.ceiling'], releaseMs: p['limiter.release'], driveDb: p['limiter.drive'] };
  }

  /**
   * Processes `frames` frames of the stereo master sum in place; frame i is song frame
   * songFrame + i. `advance` false: the song is stopped at songFrame (the values there hold).
   */
  process(channels: Float32Array[], frames: number, songFrame: number, advance = true): void {
    if (!this.lanes) {
      this.delay?.process(channels, frames);
      this.eq.process(channels, frames);
      this.glue?.process(channels, frames);
      this.limiter?.process(channels, frames);
      return;
    }
    const [s0, s1] = this.scratch;
    const left = channels[0];
    const right = channels.length > 1 ? channels[1] : channels[0];
    for (let done = 0; done < frames; ) {
      const pos = advance ? songFrame + done : songFrame;
      const k = Math.floor(pos / G);
      if (k !== this.k) this.enterInterval(k);
      if (pos < this.switchAt || pos >= this.nextSwitch) this.evaluateSwitches(pos);
      const j0 = pos - k * G;
      const n = advance ? Math.min(frames - done, G - j0, this.nextSwitch - pos) : Math.min(frames - done, G);
      for (let i = 0; i < n; i++) {
        s0[i] = left[done + i];
        s1[i] = right[done + i];
      }
      if (this.delay) {
        // Stopped, the delay keeps running (its echoes ring out) at the time where the song stopped.
        const dd = advance ? this.delayK1 - this.delayK : 0;
        const df = advance ? this.delayFeedbackK1 - this.delayFeedbackK : 0;
        this.delay.processRamp(this.scratch, n, this.delayK, dd, this.delayFeedbackK, df, advance ? j0 : 0, G);
      }
      if (advance) this.eq.processGliding(this.scratch, n, this.coefFrom, this.coefTo, j0, G);
      else {
        const f = j0 / G;
        for (let i = 0; i < this.coefHeld.length; i++) this.coefHeld[i] = this.coefFrom[i] + (this.coefTo[i] - this.coefFrom[i]) * f;
        this.eq.processGliding(this.scratch, n, this.coefHeld, this.coefHeld, 0, G);
      }
      this.glue?.process(this.scratch, n);
      this.limiter?.process(this.scratch, n);
      for (let i = 0; i < n; i++) {
        left[done + i] = s0[i];
        if (right !== left) right[done + i] = s1[i];
      }
      done += n;
    }
  }

  /**
   * Grid interval k: smoothed values at its start (those the previous interval ended on; a jump
   * of the song snaps to the lanes) and one one-pole step on at its end. The compressor and
   * limiter take the values at the start, the EQ glides from start to end.
   */
  private enterInterval(k: number): void {
    const L = this.lanes!;
    const snap = this.k < 0 || k !== this.k + 1;
    if (snap) this.laneValues(k, L.atK);
    else L.atK.set(L.atK1);
    this.laneValues(k + 1, L.atK1);
    const a = this.alpha;
    for (let i = 0; i < L.atK1.length; i++) L.atK1[i] = L.atK[i] + (L.atK1[i] - L.atK[i]) * a;
    this.k = k;
    if (snap) this.switchAt = Infinity;
    if (this.delay) {
      // The read position slides towards the lane's time by at most MAX_SLIDE samples per sample (tape-like: no click).
      const d1 = this.delaySamplesAt(k + 1);
      this.delayK = snap ? this.delaySamplesAt(k) : this.delayK1;
      this.delayK1 = this.delayK + Math.max(-MAX_SLIDE * G, Math.min(MAX_SLIDE * G, d1 - this.delayK));
    }
    this.retune();
  }

  /** The delay (whole samples) at grid point k: the time lane's value, or the static time, synced as the switch says. */
  private delaySamplesAt(k: number): number {
    const L = this.lanes!;
    const t = (k * G) / this.sampleRate;
    const w = this.work;
    const time = L.timeLane ? valueAt(L.timeLane, t) : this.params['delay.time'];
    const sync = L.syncLane ? valueAt(L.syncLane, t) : w['delay.sync'];
    return this.delay!.delaySamples(delaySecondsOf(time, sync, this.tempo));
  }

  /** The continuous lanes at grid point k (log lanes as logarithms), into out. */
  private laneValues(k: number, out: Float64Array): void {
    const L = this.lanes!;
    const t = (k * G) / this.sampleRate;
    for (let i = 0; i < L.cont.length; i++) {
      const v = valueAt(L.cont[i], t);
      out[i] = L.log[i] ? Math.log(Math.max(1e-6, v)) : v;
    }
  }

  private load(values: Float64Array): void {
    const L = this.lanes!;
    for (let i = 0; i < L.contIds.length; i++) this.work[L.contIds[i]] = L.log[i] ? Math.exp(values[i]) : values[i];
  }

  /** Switch values at song frame pos, and the frame of the next breakpoint of any switch lane. */
  private evaluateSwitches(pos: number): void {
    const L = this.lanes!;
    const t = pos / this.sampleRate;
    let next = Infinity;
    let changed = this.switchAt === Infinity;
    for (let i = 0; i < L.sw.length; i++) {
      const lane = L.sw[i];
      const v = valueAt(lane, t);
      if (this.work[L.swIds[i]] !== v) changed = true;
      this.work[L.swIds[i]] = v;
      const j = pointIndexAt(lane, t) + 1;
      if (j < lane.t.length) next = Math.min(next, Math.max(pos + 1, frameOfTime(lane.t[j], this.sampleRate)));
    }
    this.switchAt = pos;
    this.nextSwitch = next;
    if (changed) this.retune();
  }

  /** EQ coefficients at both ends of the interval, and compressor/limiter settings, from the working values. */
  private retune(): void {
    const L = this.lanes!;
    const w = this.work;
    this.load(L.atK1);
    this.eqInto(this.coefTo);
    // Feedback glides across the interval; the high cut in the loop is retuned at each grid point.
    if (this.delay) this.delayFeedbackK1 = Math.min(0.95, Math.max(0, w['delay.feedback'] / 100));
    this.load(L.atK);
    this.eqInto(this.coefFrom);
    if (this.delay) {
      this.delayFeedbackK = Math.min(0.95, Math.max(0, w['delay.feedback'] / 100));
      this.delay.setHighcut(w['delay.highcut']);
    }
    if (this.kind !== 'master') return;
    const g = this.glueSettings;
    g.on = w['glue.on'] >= 0.5;
    g.thresholdDb = w['glue.threshold'];
    g.ratio = Math.max(1, w['glue.ratio']);
    g.attackMs = w['glue.attack'];
    g.releaseMs = w['glue.release'];
    g.kneeDb = Math.max(0, w['glue.knee']);
    g.makeupDb = w['glue.makeup'];
    this.glue?.configure(g);
    const l = this.limiterSettings;
    l.on = w['limiter.on'] >= 0.5;
    l.ceilingDb = w['limiter.ceiling'];
    l.releaseMs = w['limiter.release'];
    l.driveDb = w['limiter.drive'];
    this.limiter?.configure(l);
  }

  /** The four bands (a band that is off, or the whole EQ off, is an identity section at 0 dB). */
  private eqInto(out: Float64Array): void {
    const w = this.work;
    const eqOn = (w['eq.on'] ?? 1) >= 0.5;
    for (let b = 0; b < BANDS; b++) {
      const [on, freq, gain, q] = BAND_KEYS[b];
      biquadCoefficientsInto(out, b * 5, EQ_BAND_TYPES[b], w[freq], w[q], eqOn && w[on] >= 0.5 ? w[gain] : 0, this.sampleRate);
    }
  }
}

/** The master chain: EQ → glue compressor → true-peak limiter (BusChainDsp of kind 'master'). */
export class MasterChainDsp extends BusChainDsp {
  constructor(sampleRate: number, params: Record<string, number>, lanes: MasterChainLanes | null) {
    super(sampleRate, 'master', params, lanes);
  }
}

/** graph/fx-returns.ts delaySeconds (free time in ms, or a note value at the tempo), without the graph in the worklet's bundle. */
function delaySecondsOf(timeMs: number, sync: number, tempo: number): number {
  const note = Math.round(sync);
  const quarters = DELAY_NOTE_QUARTERS[note] ?? 0;
  const s = note > 0 && quarters > 0 ? (quarters * 60) / tempo : timeMs / 1000;
  return Math.min(MAX_DELAY_SECONDS, Math.max(1 / 1000, s));
}

/**
 * masterDynamics (graph/dynamics-passes.ts) when the glue compressor or the limiter have lanes
 * (null otherwise): they play as renders and live playback play them, the master chain with its
 * EQ flat (the pre-render had it), sample i being song frame i; `audio` holds `latency` extra samples.
 */
export function masterDynamicsWithLanes(state: MixState, audio: Float32Array[], length: number, sampleRate: number): Float32Array[] | null {
  const lanes = Object.entries(state.automation ?? {}).filter(([key, lane]) => isDynamicsLane(key) && lane.t.length > 0);
  if (lanes.length === 0) return null;
  const chain = new MasterChainDsp(sampleRate, { ...state.master.params, 'eq.on': 0 }, Object.fromEntries(lanes.map(([key, lane]) => [key.slice('master/'.length), lane])));
  const total = audio[0].length;
  const BLOCK = 4096;
  for (let i = 0; i < total; i += BLOCK) {
    const n = Math.min(BLOCK, total - i);
    chain.process(audio.map((ch) => ch.subarray(i, i + n)), n, i);
  }
  const g = dbToGain(state.master.gain);
  return audio.map((ch) => {
    const out = ch.slice(chain.latency, chain.latency + length);
    if (g !== 1) for (let i = 0; i < out.length; i++) out[i] *= g;
    return out;
  });
}
