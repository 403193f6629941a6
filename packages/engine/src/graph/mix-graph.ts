import type * as ToneNamespace from 'tone';
import { dbToGain } from '../model/params';
import type { MixState } from '../model/mix-model';
import type { FxBus } from '../model/params';
import { ChannelStrip, type ToneLib } from './channel-strip';
import { DynamicsNode, hasDynamicsWorklet } from './dynamics-node';
import { DelayReturn, ReverbReturn } from './fx-returns';
import { FourBandEq, gainNode } from './nodes';
import { ParamSetter } from './smoothing';
import { TransportFollower } from './transport-follower';
import type { StemPlayer } from './stem-player';
import { TruePeakLimiterKernel } from '../dsp/limiter';
import { LiveChannels } from '../live/live-channels';
import { GAIN_CHANNELS } from '../live/mix-protocol';
import { busAutomation, returnAudible, type BusAutomation } from '../offline/bus-automation';
import { masterChainAutomation, returnChainAutomation, type MasterChainLanes } from '../offline/master-automation';
import { reverbRoomAutomation } from '../offline/reverb-room';
import type { MasterChainMessage } from '../live/master-chain-live';

export type { ToneLib } from './channel-strip';
export { PARAM_SMOOTHING_SECONDS } from './smoothing';

export interface LevelReading {
  /** Peak of the last analysis window, dBFS (-Infinity for silence). */
  peakDb: number;
  /** RMS of the last analysis window, dBFS. */
  rmsDb: number;
}

/**
 * What the graph outputs: the whole mix, or one channel / one FX return alone as a stem
 * (post-fader and pan, before the master chain, which is then bypassed).
 */
export type MixFocus = { kind: 'mix' } | { kind: 'channel'; channelId: string } | { kind: 'fx'; bus: FxBus };

export interface ApplyOptions {
  /** Jump to the values instead of gliding (offline renders: the value holds from sample 0). */
  immediate?: boolean;
  focus?: MixFocus;
}

export interface MixGraphOptions {
  /** Per-channel level meters (live playback); offline renders skip them. */
  meters?: boolean;
  /**
   * Every channel strip in the 'mixroom-mix' worklet (live playback of streamed stems), instead
   * of a chain of native nodes and a stem player per channel.
   */
  live?: LiveChannels;
  /**
   * Live playback: work that would hold the page (a new reverb room's impulse response) is done
   * in steps, awaiting `pace` between them (see `ready`). Renders do it at once.
   */
  pace?: () => Promise<void>;
}

/**
 * The audio graph of a mix, built from the mix model and kept in step with it. The same class
 * drives live playback in the browser and offline renders in Node and in the browser.
 * Native nodes do the filtering, panning, gains and convolution; the compressors, the delay and
 * the true-peak limiter are the engine's own kernels in AudioWorklets ('mixroom-dynamics',
 * 'mixroom-delay'). Offline renders (render.ts) run the same definitions without this graph.
 *
 * channels (ChannelStrip) ─┬─ direct ────────────────────────────┐
 *                          ├─ send 1 → reverb return ─────────────┤
 *                          └─ send 2 → delay return ──────────────┴→ master sum → EQ →
 *   glue compressor → true-peak limiter → output gain (masterOutput) → destination
 */
export class MixGraph {
  private readonly ctx: BaseAudioContext;
  private readonly setter: ParamSetter;
  private readonly strips = new Map<string, ChannelStrip>();
  private readonly follower: TransportFollower;
  private readonly buffers = new Map<string, AudioBuffer>();
  private readonly masterSum: GainNode;
  private readonly masterEq: FourBandEq;
  private masterDynamics: DynamicsNode | null = null;
  private readonly masterGain: ToneNamespace.Gain;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Tone's Analyser is generic over its reading's type; a level reads either
  private readonly masterAnalyser: ToneNamespace.Analyser<any> | null;
  private readonly reverb: ReverbReturn;
  private readonly delay: DelayReturn;
  private readonly meters: boolean;
  readonly live: LiveChannels | null;
  private lastState: MixState | null = null;
  private gainSplitter: ChannelSplitterNode | null = null;
  private disposed = false;
  private rate = 1;
  /** Things the graph could not do as asked (e.g. no dynamics worklet), for the UI to show. */
  notes: string[] = [];

  constructor(
    private readonly Tone: ToneLib,
    output?: ToneNamespace.InputNode,
    options: MixGraphOptions = {},
  ) {
    this.ctx = Tone.getContext().rawContext as unknown as BaseAudioContext;
    this.setter = new ParamSetter(this.ctx);
    this.meters = options.meters ?? true;
    this.masterSum = gainNode(this.ctx);
    this.masterEq = new FourBandEq(this.ctx);
    this.masterGain = new Tone.Gain(1);
    this.masterSum.connect(this.masterEq.input);
    this.masterEq.output.connect(this.masterGain.input as unknown as AudioNode);
    this.masterAnalyser = this.meters ? new Tone.Analyser({ type: 'waveform', size: 2048, channels: 2 }) : null;
    if (this.masterAnalyser) this.masterGain.connect(this.masterAnalyser);
    if (output) this.masterGain.connect(output);
    else this.masterGain.toDestination();
    this.reverb = new ReverbReturn(this.ctx, this.masterSum, options.pace ?? null);
    this.delay = new DelayReturn(this.ctx, this.masterSum);
    this.live = options.live ?? null;
    if (this.live) {
      const out = LiveChannels.output;
      this.live.node.connect(this.masterSum, out.dry);
      this.live.node.connect(this.reverb.input, out.reverb);
      this.live.node.connect(this.delay.input, out.delay);
      // Automated bus gains: the worklet's control signals add to the gains' own values (0 then).
      this.gainSplitter = this.ctx.createChannelSplitter(GAIN_CHANNELS.length);
      this.live.node.connect(this.gainSplitter, out.gains);
      const params: Record<(typeof GAIN_CHANNELS)[number], AudioParam> = {
        reverb: this.reverb.faderGain,
        delay: this.delay.faderGain,
        master: (this.masterGain.input as unknown as GainNode).gain,
      };
      GAIN_CHANNELS.forEach((name, i) => this.gainSplitter!.connect(params[name], i));
    }
    this.follower = new TransportFollower(Tone, () => this.players());
  }

  private *players(): Iterable<Pick<StemPlayer, 'start' | 'stop'>> {
    const live = this.live;
    if (live) {
      yield { start: (time, position) => this.startLive(time, position), stop: (time) => live.stop(time) };
      return;
    }
    for (const strip of this.strips.values()) if (strip.player) yield strip.player;
  }

  private attach(strip: ChannelStrip, buffer: AudioBuffer | undefined): void {
    strip.attach(buffer, this.rate);
    if (strip.player) this.follower.join(strip.player);
  }

  /**
   * Live playback goes on from song position `position` (s) at context time `time`: what is
   * stepped ahead of the playhead (the reverb room's convolvers) is put in place for there before
   * it sounds, and the mix worklet starts there. The transport's starts come here; so does a
   * capture of the live output.
   */
  startLive(time: number, position: number, rate = this.rate): void {
    if (!this.live) return;
    this.reverb.roomCue(Math.round(position * this.ctx.sampleRate), time);
    this.live.start(time, position, rate);
  }

  /** Settles once the graph sounds as the last apply asked (work done in steps, see MixGraphOptions.pace, is done). */
  get ready(): Promise<void> {
    return this.reverb.irReady;
  }

  /** The node that carries the master bus signal, for meters or recorders. */
  get masterOutput(): ToneNamespace.Gain {
    return this.masterGain;
  }

  /** Samples by which the output lags the stems (the limiter's look-ahead); renders compensate. */
  get latencySamples(): number {
    return this.masterDynamics ? this.masterLatency : 0;
  }

  private masterLatency = 0;

  /** Provides (or replaces) the decoded audio of a stem. */
  setStemBuffer(stemId: string, buffer: AudioBuffer): void {
    this.buffers.set(stemId, buffer);
    for (const strip of this.strips.values()) if (strip.stemId === stemId) this.attach(strip, buffer);
  }

  hasStemBuffer(stemId: string): boolean {
    return this.buffers.has(stemId);
  }

  /** Longest loaded stem, in seconds: the length of the song. */
  get duration(): number {
    let d = 0;
    for (const b of this.buffers.values()) d = Math.max(d, b.duration);
    return d;
  }

  /**
   * Brings the graph in line with a mix state: creates and removes strips, and glides
   * every parameter to its new value. Cheap to call on every change: unchanged values
   * schedule nothing.
   */
  apply(state: MixState, options: ApplyOptions = {}): void {
    if (this.disposed) return;
    const immediate = options.immediate ?? false;
    const focus = options.focus ?? { kind: 'mix' };
    const set = this.setter;
    const notes: string[] = [];
    const seen = new Set<string>();
    if (this.live) this.live.apply(state, focus, { reverbOn: true, delayOn: true }, immediate);
    else for (const ch of state.channels) {
      seen.add(ch.id);
      let strip = this.strips.get(ch.id);
      if (!strip) {
        strip = new ChannelStrip(this.Tone, this.ctx, ch.stemId, { master: this.masterSum, sends: [this.reverb.input, this.delay.input] }, this.meters);
        this.strips.set(ch.id, strip);
        this.attach(strip, this.buffers.get(ch.stemId));
      } else if (strip.stemId !== ch.stemId) {
        strip.stemId = ch.stemId;
        this.attach(strip, this.buffers.get(ch.stemId));
      }
      const audible = focus.kind === 'channel' ? focus.channelId === ch.id && !ch.mute : ch.audible;
      const note = strip.apply(ch, audible, focus.kind !== 'fx', set, immediate);
      if (note) notes.push(note);
    }
    for (const [id, strip] of this.strips) {
      if (!seen.has(id)) {
        strip.dispose();
        this.strips.delete(id);
      }
    }
    // Bus lanes play only where the worklet can drive the native gains (live playback).
    const lanes: BusAutomation = this.live ? busAutomation(state, focus) : { reverb: null, delay: null, master: null };
    const fxAudible = (bus: FxBus) => (this.live ? returnAudible(state, bus, focus) : state.fx[bus].audible && (focus.kind === 'mix' || (focus.kind === 'fx' && focus.bus === bus)));
    const reverbChain = this.live ? { lanes: returnChainAutomation(state.automation, 'reverb'), status: this.live.status, room: reverbRoomAutomation(state.automation) } : null;
    this.reverb.apply(state.fx.reverb, fxAudible('reverb'), set, immediate, lanes.reverb !== null, reverbChain);
    const delayFed = state.channels.some((ch) => (ch.audible && dbToGain(ch.params['send2.level']) > 0) || state.automation?.[`ch:${ch.id}/send2.level`] !== undefined);
    const delayChain = this.live ? { lanes: returnChainAutomation(state.automation, 'delay'), status: this.live.status } : null;
    const delayNote = this.delay.apply(state.fx.delay, fxAudible('delay'), delayFed, state.master.params.tempo, set, immediate, lanes.delay !== null, delayChain);
    if (delayNote) notes.push(delayNote);
    // The master chain's lanes play live where the master worklet can run the chain on the song's frames.
    const chainLanes = this.live ? masterChainAutomation(state.automation, focus.kind === 'mix') : null;
    this.applyMaster(state, focus.kind === 'mix', immediate, notes, lanes.master !== null, chainLanes);
    this.live?.applyBuses(lanes, this.latencySamples);
    this.notes = notes;
    this.lastState = state;
  }

  private postedChain: { params: string; lanes: MasterChainLanes | null } = { params: '', lanes: null };

  /** Sends the master chain's lanes (and its static values) to the master worklet when they changed. */
  private applyMasterChain(p: Record<string, number>, lanes: MasterChainLanes | null): void {
    const d = this.masterDynamics;
    const status = this.live?.status;
    if (!d || !status) return;
    const prev = this.postedChain;
    const params = lanes ? JSON.stringify(p) : '';
    const same = prev.lanes === lanes || (!!prev.lanes && !!lanes && Object.keys(lanes).length === Object.keys(prev.lanes).length && Object.keys(lanes).every((k) => prev.lanes![k] === lanes[k]));
    if (same && params === prev.params) return;
    this.postedChain = { params, lanes };
    const msg: MasterChainMessage = { type: 'master-chain', params: { ...p }, lanes, status };
    d.post(msg);
  }

  private applyMaster(state: MixState, processing: boolean, immediate: boolean, notes: string[], automated: boolean, chainLanes: MasterChainLanes | null = null): void {
    const p = state.master.params;
    const set = this.setter;
    if (!this.masterDynamics && hasDynamicsWorklet(this.ctx)) {
      this.masterDynamics = new DynamicsNode(this.ctx, 'master', 2, {
        ...DynamicsNode.compressorValues(processing ? p : { ...p, 'glue.on': 0 }, 'glue'),
        limiterOn: processing ? p['limiter.on'] : 0,
        ceiling: p['limiter.ceiling'],
        limiterRelease: p['limiter.release'],
        drive: p['limiter.drive'],
      });
      this.masterEq.output.disconnect();
      this.masterEq.output.connect(this.masterDynamics.node).connect(this.masterGain.input as unknown as AudioNode);
      this.masterLatency = masterLimiterLatency(this.ctx.sampleRate);
    }
    // With lanes the master worklet plays the EQ too (as renders do): the native EQ goes flat.
    const chained = chainLanes !== null && this.masterDynamics !== null && this.live !== null;
    // Stems are taken before the master chain: its EQ, glue and limiter sit out, output at unity.
    this.masterEq.apply(processing && !chained ? p : { ...p, 'eq.on': 0 }, set, immediate || chained);
    if (this.masterDynamics) {
      const d = this.masterDynamics;
      d.applyCompressor(processing ? p : { ...p, 'glue.on': 0 }, 'glue', set, immediate);
      d.set('limiterOn', processing ? p['limiter.on'] : 0, set, immediate);
      d.set('ceiling', p['limiter.ceiling'], set, immediate);
      d.set('limiterRelease', p['limiter.release'], set, immediate);
      d.set('drive', p['limiter.drive'], set, immediate);
      this.applyMasterChain(p, chainLanes);
    } else if (processing && (p['glue.on'] >= 0.5 || p['limiter.on'] >= 0.5)) {
      notes.push('master: glue compressor and limiter not available (dynamics worklet not loaded)');
    }
    // With lanes, the worklet's control signal is the fader (MixGraph's constructor connects it).
    set.set(this.masterGain.gain as unknown as AudioParam, automated ? 0 : processing ? dbToGain(state.master.gain) : 1, automated || immediate);
  }

  get state(): MixState | null {
    return this.lastState;
  }

  /** Level of one channel after its fader (pre mute/solo is not metered separately). */
  readChannelLevel(channelId: string): LevelReading {
    if (this.live) return this.live.readLevel(channelId);
    const strip = this.strips.get(channelId);
    return strip?.analyser ? readLevel(strip.analyser) : { peakDb: -Infinity, rmsDb: -Infinity };
  }

  /** Level of the master bus output. */
  readMasterLevel(): LevelReading {
    return this.masterAnalyser ? readLevel(this.masterAnalyser) : { peakDb: -Infinity, rmsDb: -Infinity };
  }

  /** Gain reduction (dB, positive) of a channel's compressor over the last ~50 ms: the GR meter. */
  readGainReduction(channelId: string): number {
    if (this.live) return this.live.readGainReduction(channelId);
    return this.strips.get(channelId)?.comp?.compressorReduction ?? 0;
  }

  /** Gain reduction of the master glue compressor and limiter. */
  readMasterGainReduction(): { glue: number; limiter: number } {
    return { glue: this.masterDynamics?.compressorReduction ?? 0, limiter: this.masterDynamics?.limiterReduction ?? 0 };
  }

  /**
   * Plays every stem slightly faster or slower (e.g. 1.001) to close a small timing gap
   * without a jump; see planDriftCorrection. Reset to 1 before the transport restarts.
   */
  setPlaybackRate(rate: number): void {
    if (!Number.isFinite(rate) || rate <= 0 || rate === this.rate) return;
    this.rate = rate;
    this.live?.setRate(rate);
    for (const strip of this.strips.values()) if (strip.player) strip.player.playbackRate = rate;
  }

  get playbackRate(): number {
    return this.rate;
  }

  dispose(): void {
    this.disposed = true;
    this.follower.dispose();
    this.live?.dispose();
    for (const strip of this.strips.values()) strip.dispose();
    this.strips.clear();
    this.reverb.dispose();
    this.delay.dispose();
    this.gainSplitter?.disconnect();
    this.masterSum.disconnect();
    this.masterEq.disconnect();
    this.masterDynamics?.disconnect();
    this.masterGain.dispose();
    this.masterAnalyser?.dispose();
  }
}

function masterLimiterLatency(sampleRate: number): number {
  return new TruePeakLimiterKernel(sampleRate, 1, { on: true, ceilingDb: -1, releaseMs: 60 }).latency;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Tone's Analyser is generic over its reading's type; a level reads either
function readLevel(analyser: ToneNamespace.Analyser<any>): LevelReading {
  const value = analyser.getValue();
  const channels = (Array.isArray(value) ? value : [value]) as Float32Array[];
  let peak = 0;
  let sumSquares = 0;
  let n = 0;
  for (const data of channels) {
    for (let i = 0; i < data.length; i++) {
      const s = data[i];
      const a = Math.abs(s);
      if (a > peak) peak = a;
      sumSquares += s * s;
    }
    n += data.length;
  }
  const rms = n > 0 ? Math.sqrt(sumSquares / n) : 0;
  return { peakDb: peak > 0 ? 20 * Math.log10(peak) : -Infinity, rmsDb: rms > 0 ? 20 * Math.log10(rms) : -Infinity };
}
