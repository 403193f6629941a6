import type { FxReturnState } from '../model/mix-model';
import { DELAY_NOTE_QUARTERS, dbToGain } from '../model/params';
import { REVERB_SEND_SPREAD, reverbImpulseResponse, reverbImpulseResponseSteps, type ReverbSettings } from '../dsp/reverb-ir';
import { MAX_DELAY_SECONDS } from '../dsp/delay';
import { DELAY_PROCESSOR_NAME, type DelayParamName } from '../dsp/dynamics-protocol';
import { hasDynamicsWorklet } from './dynamics-node';
import { FourBandEq, StereoMatrix, gainNode } from './nodes';
import type { ParamSetter } from './smoothing';
import type { ChainLanes } from '../offline/master-automation';
import type { MasterChainMessage } from '../live/master-chain-live';
import { MAX_PREDELAY_SECONDS, type ReverbRoomLanes } from '../offline/reverb-room';
import { ReverbRoomSlots } from './reverb-room-slots';

/** What every FX return shares after its effect: EQ → return fader → mute → master. */
class ReturnTail {
  readonly eq: FourBandEq;
  readonly fader: GainNode;
  readonly mute: GainNode;
  constructor(ctx: BaseAudioContext, master: AudioNode) {
    this.eq = new FourBandEq(ctx);
    this.fader = gainNode(ctx);
    this.mute = gainNode(ctx);
    this.eq.output.connect(this.fader).connect(this.mute).connect(master);
  }
  /**
   * `automated`: the fader and mute follow lanes, as the control signal the mix worklet puts
   * into the fader's gain (MixGraph connects it); their own values then stay out of the way.
   */
  /** `eqElsewhere`: the EQ plays in the effect's worklet (lanes): this one goes flat. */
  apply(fx: FxReturnState, audible: boolean, set: ParamSetter, immediate: boolean, automated = false, eqElsewhere = false): void {
    this.eq.apply(eqElsewhere ? { ...fx.params, 'eq.on': 0 } : fx.params, set, immediate || eqElsewhere);
    set.set(this.fader.gain, automated ? 0 : dbToGain(fx.params['return.gain']), automated || immediate);
    set.set(this.mute.gain, automated || audible ? 1 : 0, automated || immediate);
  }
  disconnect(): void {
    this.eq.disconnect();
    this.fader.disconnect();
    this.mute.disconnect();
  }
}

/**
 * Reverb return: send sum → spread (REVERB_SEND_SPREAD) → pre-delay → convolver (IR from
 * reverbImpulseResponse) → wet → ReturnTail. While live playback has room lanes, the spread feeds
 * ReverbRoomSlots (stepped, crossfaded convolvers, as renders play them) into `wet` instead.
 */
export class ReverbReturn {
  readonly input: GainNode;
  private readonly spread: StereoMatrix;
  private readonly predelay: DelayNode;
  private readonly convolver: ConvolverNode;
  private readonly wet: GainNode;
  private readonly tail: ReturnTail;
  private irKey = '';
  private room: ReverbRoomSlots | null = null;

  /** Settles once the convolver holds the room of the last apply (see `pace`). */
  irReady: Promise<void> = Promise.resolve();
  private disposed = false;

  /**
   * `pace`: the impulse response of a new room is made in steps, awaiting `pace` between them, and
   * swapped in when done (live playback: a 3 s room made at once held the page 0.1 s); without
   * it, at once (renders).
   */
  constructor(
    private readonly ctx: BaseAudioContext,
    master: AudioNode,
    private readonly pace: (() => Promise<void>) | null = null,
  ) {
    this.input = gainNode(ctx);
    this.spread = new StereoMatrix(ctx, REVERB_SEND_SPREAD);
    this.predelay = ctx.createDelay(MAX_PREDELAY_SECONDS);
    this.convolver = ctx.createConvolver();
    this.convolver.normalize = false;
    this.wet = gainNode(ctx);
    this.tail = new ReturnTail(ctx, master);
    this.input.connect(this.spread.input);
    this.spread.output.connect(this.predelay).connect(this.convolver).connect(this.wet).connect(this.tail.eq.input);
  }

  /** Room lanes (live): the slots take the send; without them the static convolver does again. */
  private applyRoom(params: Record<string, number>, lanes: ReverbRoomLanes | null, status: SharedArrayBuffer | null): void {
    if (lanes && status && !this.room && hasDynamicsWorklet(this.ctx)) {
      this.room = new ReverbRoomSlots(this.ctx, status, { poll: this.pollRoom });
      this.spread.output.disconnect(this.predelay);
      this.spread.output.connect(this.room.input);
      this.room.output.connect(this.wet);
    } else if (!lanes && this.room) {
      this.spread.output.disconnect(this.room.input);
      this.room.dispose();
      this.room = null;
      this.spread.output.connect(this.predelay);
    }
    if (this.room && lanes) this.room.set(params, lanes);
  }

  /** false: room slots are ticked by the caller (tests rendering offline: see roomTick). */
  pollRoom = true;

  /** Where the song is now (tests that render offline call it; live playback polls). */
  roomTick(songFrame: number): void {
    this.room?.tick(songFrame);
  }

  /** Playback goes on from song frame `songFrame` at context time `time` (a start, a seek, a loop's wrap). */
  roomCue(songFrame: number, time: number): void {
    this.room?.cue(songFrame, time);
  }

  private eqNode: AudioWorkletNode | null = null;
  private posted: { params: string; lanes: ChainLanes | null } = { params: '', lanes: null };

  /**
   * `chain`: lanes of the return EQ (live playback) and the mix worklet's status. They play in a
   * 'mixroom-delay' node of its own after the convolver (EQ only, the renders' BusChainDsp on the
   * song's frames); the native EQ goes flat meanwhile.
   */
  apply(
    fx: FxReturnState,
    audible: boolean,
    set: ParamSetter,
    immediate: boolean,
    automated = false,
    chain: { lanes: ChainLanes | null; status: SharedArrayBuffer; room?: ReverbRoomLanes | null } | null = null,
  ): void {
    const p = fx.params;
    this.applyRoom(p, chain?.room ?? null, chain?.status ?? null);
    if (chain?.lanes && !this.eqNode && hasDynamicsWorklet(this.ctx)) {
      this.eqNode = delayWorkletNode(this.ctx, { processorOptions: { eqOnly: true } });
      this.wet.disconnect();
      this.wet.connect(this.eqNode).connect(this.tail.eq.input);
    }
    if (this.eqNode && chain) this.posted = postChain(this.eqNode, this.posted, 'eq', p, 120, chain.lanes, chain.status);
    set.set(this.predelay.delayTime, p['reverb.predelay'] / 1000, immediate);
    const settings = { decaySeconds: p['reverb.decay'], dampingHz: p['reverb.damping'], size: p['reverb.size'] };
    const key = JSON.stringify(settings);
    if (key !== this.irKey) {
      this.irKey = key;
      if (this.pace) this.irReady = this.makeRoomPaced(key, settings, this.pace);
      else this.setRoom(reverbImpulseResponse(this.ctx.sampleRate, settings));
    }
    this.tail.apply(fx, audible, set, immediate, automated, this.eqNode !== null && !!chain?.lanes);
  }

  /** A new room is a new impulse response; ConvolverNode swaps it at a block boundary. */
  private setRoom(channels: Float32Array[]): void {
    const ir = this.ctx.createBuffer(2, channels[0].length, this.ctx.sampleRate);
    channels.forEach((data, c) => ir.copyToChannel(data as Float32Array<ArrayBuffer>, c));
    this.convolver.buffer = ir;
  }

  private async makeRoomPaced(key: string, settings: ReverbSettings, pace: () => Promise<void>): Promise<void> {
    const steps = reverbImpulseResponseSteps(this.ctx.sampleRate, settings);
    for (;;) {
      const r = steps.next();
      if (r.done) {
        if (key === this.irKey && !this.disposed) this.setRoom(r.value);
        return;
      }
      await pace();
      // A newer room took over meanwhile (a knob turned on): only the last one is made.
      if (key !== this.irKey || this.disposed) return;
    }
  }

  /** The return fader's gain, which the mix worklet's control signal drives when it has lanes. */
  get faderGain(): AudioParam {
    return this.tail.fader.gain;
  }

  get output(): AudioNode {
    return this.tail.mute;
  }

  dispose(): void {
    this.disposed = true;
    this.input.disconnect();
    this.spread.disconnect();
    this.predelay.disconnect();
    this.convolver.disconnect();
    this.wet.disconnect();
    this.room?.dispose();
    this.eqNode?.disconnect();
    this.tail.disconnect();
  }
}

/** A stereo node of the delay worklet's script: the delay itself, or an EQ-only stage after the reverb. */
function delayWorkletNode(ctx: BaseAudioContext, options: Pick<AudioWorkletNodeOptions, 'processorOptions' | 'parameterData'>): AudioWorkletNode {
  const Ctor = (globalThis as unknown as { AudioWorkletNode: typeof AudioWorkletNode }).AudioWorkletNode;
  return new Ctor(ctx, DELAY_PROCESSOR_NAME, {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [2],
    channelCount: 2,
    channelCountMode: 'explicit',
    channelInterpretation: 'speakers',
    ...options,
  });
}

/** Delay time in seconds: free (ms) or a note value at the session tempo. */
export function delaySeconds(p: Record<string, number>, tempoBpm: number): number {
  const note = Math.round(p['delay.sync']);
  const quarters = DELAY_NOTE_QUARTERS[note] ?? 0;
  const s = note > 0 && quarters > 0 ? (quarters * 60) / tempoBpm : p['delay.time'] / 1000;
  return Math.min(MAX_DELAY_SECONDS, Math.max(1 / 1000, s));
}

/**
 * Delay return: send sum → delay kernel ('mixroom-delay' AudioWorklet: delay line ⟲ high-cut →
 * feedback, dsp/delay.ts) → ReturnTail. The worklet node is created once the dynamics worklet
 * script is loaded into the context (it registers both processors); until then the return is
 * silent and says so. Offline renders run the same kernel on the main thread (offline/render-plan.ts).
 */
export class DelayReturn {
  readonly input: GainNode;
  private node: AudioWorkletNode | null = null;
  private readonly tail: ReturnTail;

  constructor(private readonly ctx: BaseAudioContext, master: AudioNode) {
    this.input = gainNode(ctx);
    this.tail = new ReturnTail(ctx, master);
  }

  private posted: { params: string; lanes: ChainLanes | null } = { params: '', lanes: null };

  /**
   * Returns a note when the delay is fed (`used`) but cannot play (worklet not loaded).
   * `chain`: lanes of the effect or the EQ (live playback) and the mix worklet's status, which
   * the delay worklet reads the song's frames from to play them as renders do.
   */
  apply(
    fx: FxReturnState,
    audible: boolean,
    used: boolean,
    tempoBpm: number,
    set: ParamSetter,
    immediate: boolean,
    automated = false,
    chain: { lanes: ChainLanes | null; status: SharedArrayBuffer } | null = null,
  ): string | null {
    const p = fx.params;
    const values: Record<DelayParamName, number> = { time: delaySeconds(p, tempoBpm), feedback: p['delay.feedback'] / 100, highcut: p['delay.highcut'] };
    let note: string | null = null;
    if (!this.node && hasDynamicsWorklet(this.ctx)) {
      this.node = delayWorkletNode(this.ctx, { parameterData: values });
      this.input.connect(this.node).connect(this.tail.eq.input);
    }
    if (this.node) {
      const params = this.node.parameters as unknown as Map<string, AudioParam>;
      // k-rate and glided inside the kernel: set directly.
      for (const name of Object.keys(values) as DelayParamName[]) set.set(params.get(name)!, values[name], true);
      if (chain) this.posted = postChain(this.node, this.posted, 'delay', fx.params, tempoBpm, chain.lanes, chain.status);
    } else if (audible && used) {
      note = 'delay: not available (dynamics worklet not loaded)';
    }
    this.tail.apply(fx, audible, set, immediate, automated, this.node !== null && !!chain?.lanes);
    return note;
  }

  /** The return fader's gain, which the mix worklet's control signal drives when it has lanes. */
  get faderGain(): AudioParam {
    return this.tail.fader.gain;
  }

  dispose(): void {
    this.input.disconnect();
    this.node?.disconnect();
    this.tail.disconnect();
  }
}

type Posted = { params: string; lanes: ChainLanes | null };

/** Sends a return's lanes (with its static values and the tempo) to its worklet when they changed; returns what is posted now. */
function postChain(node: AudioWorkletNode, prev: Posted, kind: 'delay' | 'eq', params: Record<string, number>, tempo: number, lanes: ChainLanes | null, status: SharedArrayBuffer): Posted {
  const key = lanes ? JSON.stringify({ params, tempo }) : '';
  const same = prev.lanes === lanes || (!!prev.lanes && !!lanes && Object.keys(lanes).length === Object.keys(prev.lanes).length && Object.keys(lanes).every((k) => prev.lanes![k] === lanes[k]));
  if (same && key === prev.params) return prev;
  const msg: MasterChainMessage = { type: 'master-chain', kind, tempo, params: { ...params }, lanes, status };
  node.port.postMessage(msg);
  return { params: key, lanes };
}
