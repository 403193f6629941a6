import type { FxReturnState } from '../model/mix-model';
import { dbToGain } from '../model/params';
import { BiquadCascade } from '../dsp/biquad';
import { DelayKernel } from '../dsp/delay';
import { REVERB_SEND_SPREAD, reverbImpulseResponse } from '../dsp/reverb-ir';
import { StereoMatrix } from '../graph/nodes';
import { filterSections } from './channel';
import { BusGainCurve, type BusGainLanes } from './bus-automation';
import { BusChainDsp, type ChainLanes } from './master-automation';
import { MAX_PREDELAY_SECONDS, ReverbIrCache, ReverbRoomSchedule, type ReverbInstance, type ReverbRoomLanes } from './reverb-room';

type OfflineCtor = typeof OfflineAudioContext;

/**
 * What every FX return shares after its effect (as graph/fx-returns.ts ReturnTail): EQ → fader,
 * the fader (and mute) following their lanes when `lanes` is given.
 */
class ReturnTail {
  private readonly eq: BiquadCascade;
  private readonly gain: number;
  private readonly curve: BusGainCurve | null;
  private gains = new Float32Array(0);
  /** `eq` false: the EQ runs elsewhere (a BusChainDsp playing its lanes). */
  constructor(fx: FxReturnState, sampleRate: number, lanes: BusGainLanes | null, eq = true) {
    this.eq = new BiquadCascade(eq ? filterSections(fx.params, sampleRate, false) : []);
    this.gain = dbToGain(fx.params['return.gain']);
    this.curve = lanes ? new BusGainCurve(lanes, sampleRate) : null;
  }
  get silent(): boolean {
    return this.gain === 0 && !this.curve;
  }
  /** EQs `signal` in place and adds it, at the return's level at song frame `songFrame` on, into `into`. */
  mixInto(signal: Float32Array[], into: Float32Array[], frames: number, songFrame: number): void {
    this.eq.process(signal, frames);
    if (this.curve) {
      if (this.gains.length < frames) this.gains = new Float32Array(frames);
      const g = this.gains;
      this.curve.fill(g, 0, songFrame, frames);
      for (let c = 0; c < 2; c++) {
        const s = signal[c];
        const o = into[c];
        for (let i = 0; i < frames; i++) o[i] += g[i] * s[i];
      }
      return;
    }
    const g = this.gain;
    for (let c = 0; c < 2; c++) {
      const s = signal[c];
      const o = into[c];
      for (let i = 0; i < frames; i++) o[i] += g * s[i];
    }
  }
}

/**
 * The reverb return for renders: the very nodes of live playback (send spread → DelayNode
 * pre-delay → ConvolverNode with the synthesised IR), rendered natively segment by segment. Convolution
 * is linear and time-invariant, so rendering each segment from silence with its whole tail
 * (pre-delay + IR) and overlap-adding the tails gives the continuous result — while only one
 * segment and one tail are ever in memory. The return EQ and fader follow in JS (ReturnTail).
 */
export class OfflineReverb {
  private readonly ir: AudioBuffer | null;
  private readonly room: ReverbRoomSchedule | null = null;
  private readonly irs: ReverbIrCache<AudioBuffer> | null = null;
  private readonly predelaySeconds: number;
  private readonly tailFrames: number;
  /** Output not yet handed on: [0, frames) of the current segment plus the tails reaching beyond. */
  private readonly pending: Float32Array[];
  private readonly tail: ReturnTail;

  constructor(
    fx: FxReturnState,
    private readonly sampleRate: number,
    segmentFrames: number,
    private readonly Offline: OfflineCtor,
    lanes: BusGainLanes | null = null,
    /** Lanes of the return EQ: it plays as a BusChainDsp (as the live EQ worklet after the convolver). */
    chainLanes: ChainLanes | null = null,
    /** Lanes of the room (decay, damping, size, pre-delay): stepped convolvers (reverb-room.ts). */
    roomLanes: ReverbRoomLanes | null = null,
  ) {
    const p = fx.params;
    const toBuffer = (channels: Float32Array[]) => {
      const ir = new AudioBuffer({ length: channels[0].length, numberOfChannels: 2, sampleRate });
      channels.forEach((data, c) => ir.copyToChannel(data as Float32Array<ArrayBuffer>, c));
      return ir;
    };
    this.predelaySeconds = p['reverb.predelay'] / 1000;
    if (roomLanes) {
      this.room = new ReverbRoomSchedule(p, roomLanes, sampleRate);
      this.irs = new ReverbIrCache(sampleRate, toBuffer);
      this.ir = null;
      this.tailFrames = this.room.maxTailFrames;
    } else {
      const channels = reverbImpulseResponse(sampleRate, { decaySeconds: p['reverb.decay'], dampingHz: p['reverb.damping'], size: p['reverb.size'] });
      this.ir = toBuffer(channels);
      this.tailFrames = Math.ceil(this.predelaySeconds * sampleRate) + channels[0].length + 1;
    }
    this.pending = [0, 1].map(() => new Float32Array(segmentFrames + this.tailFrames));
    this.eq = chainLanes ? new BusChainDsp(sampleRate, 'eq', p, chainLanes) : null;
    this.tail = new ReturnTail(fx, sampleRate, lanes, !this.eq);
  }

  private readonly eq: BusChainDsp | null;

  get silent(): boolean {
    return this.tail.silent;
  }

  /**
   * Convolves one segment of the send bus (left untouched), song frames from `songFrame`, into
   * the pending output. With room lanes, each convolver instance fed in the segment renders its
   * part of the send, heard at its fade gains (reverb-room.ts).
   */
  async addSegment(input: Float32Array[], frames: number, songFrame = 0): Promise<void> {
    if (!input.some((c) => hasSignal(c, frames))) return; // silence in, nothing added
    if (!this.room) {
      await this.convolve(input, 0, frames, frames + this.tailFrames, this.ir!, this.predelaySeconds, null, 0);
      return;
    }
    const fade = this.room.fadeFrames;
    for (const inst of this.room.instancesFedIn(songFrame, songFrame + frames)) {
      const a = Math.max(0, inst.feedFrom - songFrame);
      const b = Math.min(frames, inst.feedTo - songFrame);
      if (b <= a || !input.some((c) => hasSignal(c.subarray(a, b), b - a))) continue;
      // Its output matters until its fade-out ends: no tail rendered beyond.
      const end = Math.min(frames + this.tailFrames, inst.fadeOut + fade - songFrame);
      await this.convolve(input, a, b, end, this.irs!.get(inst), inst.room.predelayMs / 1000, inst, songFrame);
    }
  }

  /**
   * Renders input frames [a, b) through spread → pre-delay → convolver into pending frames
   * [a, end), at the instance's fade gains (all at 1 without one).
   */
  private async convolve(input: Float32Array[], a: number, b: number, end: number, ir: AudioBuffer, predelaySeconds: number, inst: ReverbInstance | null, songFrame: number): Promise<void> {
    const ctx = new this.Offline(2, end - a, this.sampleRate);
    // The source plays on in silence until the pre-delay line has let out the last input: in
    // node-web-audio-api a DelayNode whose source has ended loses the stereo image of what it
    // still holds (measured: −14 dB null against one piece, offline/reverb-room.test.ts).
    const length = Math.min(end - a, b - a + Math.ceil(predelaySeconds * this.sampleRate) + 256);
    const buffer = new AudioBuffer({ length, numberOfChannels: 2, sampleRate: this.sampleRate });
    // Written through the channel views: no extra copy on the platform side.
    input.forEach((data, c) => buffer.getChannelData(c).set(data.subarray(a, b)));
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    const predelay = ctx.createDelay(Math.max(MAX_PREDELAY_SECONDS, predelaySeconds + 0.01));
    predelay.delayTime.value = predelaySeconds;
    const convolver = ctx.createConvolver();
    convolver.normalize = false;
    convolver.buffer = ir;
    const spread = new StereoMatrix(ctx, REVERB_SEND_SPREAD);
    src.connect(spread.input);
    spread.output.connect(predelay).connect(convolver).connect(ctx.destination);
    src.start(0);
    const rendered = await ctx.startRendering();
    const fade = this.room?.fadeFrames ?? 0;
    const room = this.room;
    for (let c = 0; c < 2; c++) {
      const out = rendered.getChannelData(c);
      const acc = this.pending[c];
      if (!inst || !room) {
        for (let i = 0; i < out.length; i++) acc[a + i] += out[i];
        continue;
      }
      // Gain 1 between the fades: only the fades are evaluated per frame.
      const at = songFrame + a;
      for (let i = 0; i < out.length; i++) {
        const n = at + i;
        // Float32 gains, as the live GainNodes get them.
        acc[a + i] += (n >= inst.fadeIn + fade && n < inst.fadeOut ? 1 : Math.fround(room.gainAt(inst.index, n))) * out[i];
      }
    }
  }

  /** Hands on the first `frames` of the pending output, song frames from `songFrame` (through EQ and fader into `into`). */
  takeInto(into: Float32Array[], frames: number, songFrame: number): void {
    const now = this.pending.map((c) => c.subarray(0, frames));
    this.eq?.process(now, frames, songFrame);
    this.tail.mixInto(now, into, frames, songFrame);
    for (const c of this.pending) {
      c.copyWithin(0, frames);
      c.fill(0, c.length - frames);
    }
  }
}

/**
 * The delay return for renders: the delay kernel on the send bus, then EQ and fader. With lanes
 * of the effect or the EQ (`chainLanes`), kernel and EQ run as a BusChainDsp, as the live
 * 'mixroom-delay' worklet runs them then.
 */
export class OfflineDelay {
  private readonly kernel: DelayKernel | null;
  private readonly chain: BusChainDsp | null;
  private readonly tail: ReturnTail;
  constructor(fx: FxReturnState, timeSeconds: number, sampleRate: number, lanes: BusGainLanes | null = null, chainLanes: ChainLanes | null = null, tempo = 120) {
    const p = fx.params;
    this.chain = chainLanes ? new BusChainDsp(sampleRate, 'delay', p, chainLanes, tempo) : null;
    this.kernel = this.chain ? null : new DelayKernel(sampleRate, 2, { timeSeconds, feedback: p['delay.feedback'] / 100, highcutHz: p['delay.highcut'] });
    this.tail = new ReturnTail(fx, sampleRate, lanes, !this.chain);
  }
  get silent(): boolean {
    return this.tail.silent;
  }
  /** Runs the send bus through the delay (in place) and adds the return, song frames from `songFrame`, into `into`. */
  processInto(bus: Float32Array[], into: Float32Array[], frames: number, songFrame: number): void {
    const views = bus.map((c) => c.subarray(0, frames));
    if (this.chain) this.chain.process(views, frames, songFrame);
    else this.kernel!.process(views, frames);
    this.tail.mixInto(views, into, frames, songFrame);
  }
}

function hasSignal(data: Float32Array, frames: number): boolean {
  for (let i = 0; i < frames; i++) if (data[i] !== 0) return true;
  return false;
}
