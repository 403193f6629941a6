import type { FxReturnState } from '../model/mix-model';
import { DELAY_NOTE_QUARTERS, dbToGain } from '../model/params';
import { reverbImpulseResponse } from '../dsp/reverb-ir';
import { FourBandEq, gainNode } from './nodes';
import type { ParamSetter } from './smoothing';

const MAX_PREDELAY_SECONDS = 0.3;
const MAX_DELAY_SECONDS = 6;

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
  apply(fx: FxReturnState, audible: boolean, set: ParamSetter, immediate: boolean): void {
    this.eq.apply(fx.params, set, immediate);
    set.set(this.fader.gain, dbToGain(fx.params['return.gain']), immediate);
    set.set(this.mute.gain, audible ? 1 : 0, immediate);
  }
  disconnect(): void {
    this.eq.disconnect();
    this.fader.disconnect();
    this.mute.disconnect();
  }
}

/** Reverb return: send sum → pre-delay → convolver (IR from reverbImpulseResponse) → ReturnTail. */
export class ReverbReturn {
  readonly input: GainNode;
  private readonly predelay: DelayNode;
  private readonly convolver: ConvolverNode;
  private readonly tail: ReturnTail;
  private irKey = '';

  constructor(private readonly ctx: BaseAudioContext, master: AudioNode) {
    this.input = gainNode(ctx);
    this.predelay = ctx.createDelay(MAX_PREDELAY_SECONDS);
    this.convolver = ctx.createConvolver();
    this.convolver.normalize = false;
    this.tail = new ReturnTail(ctx, master);
    this.input.connect(this.predelay).connect(this.convolver).connect(this.tail.eq.input);
  }

  apply(fx: FxReturnState, audible: boolean, set: ParamSetter, immediate: boolean): void {
    const p = fx.params;
    set.set(this.predelay.delayTime, p['reverb.predelay'] / 1000, immediate);
    const settings = { decaySeconds: p['reverb.decay'], dampingHz: p['reverb.damping'], size: p['reverb.size'] };
    const key = JSON.stringify(settings);
    if (key !== this.irKey) {
      // A new room is a new impulse response; ConvolverNode swaps it at a block boundary.
      const channels = reverbImpulseResponse(this.ctx.sampleRate, settings);
      const ir = this.ctx.createBuffer(2, channels[0].length, this.ctx.sampleRate);
      channels.forEach((data, c) => ir.copyToChannel(data as Float32Array<ArrayBuffer>, c));
      this.convolver.buffer = ir;
      this.irKey = key;
    }
    this.tail.apply(fx, audible, set, immediate);
  }

  get output(): AudioNode {
    return this.tail.mute;
  }

  dispose(): void {
    this.input.disconnect();
    this.predelay.disconnect();
    this.convolver.disconnect();
    this.tail.disconnect();
  }
}

/** Delay time in seconds: free (ms) or a note value at the session tempo. */
export function delaySeconds(p: Record<string, number>, tempoBpm: number): number {
  const note = Math.round(p['delay.sync']);
  const quarters = DELAY_NOTE_QUARTERS[note] ?? 0;
  const s = note > 0 && quarters > 0 ? (quarters * 60) / tempoBpm : p['delay.time'] / 1000;
  return Math.min(MAX_DELAY_SECONDS, Math.max(1 / 1000, s));
}

/** Delay return: send sum → delay line ⟲ (high-cut → feedback) → ReturnTail. */
export class DelayReturn {
  readonly input: GainNode;
  private readonly delay: DelayNode;
  private readonly highcut: BiquadFilterNode;
  private readonly feedback: GainNode;
  private readonly tail: ReturnTail;

  constructor(ctx: BaseAudioContext, master: AudioNode) {
    this.input = gainNode(ctx);
    this.delay = ctx.createDelay(MAX_DELAY_SECONDS);
    this.highcut = ctx.createBiquadFilter();
    this.highcut.type = 'lowpass';
    this.feedback = gainNode(ctx, 0);
    this.tail = new ReturnTail(ctx, master);
    this.input.connect(this.delay).connect(this.highcut);
    this.highcut.connect(this.feedback).connect(this.delay);
    this.highcut.connect(this.tail.eq.input);
  }

  apply(fx: FxReturnState, audible: boolean, tempoBpm: number, set: ParamSetter, immediate: boolean): void {
    const p = fx.params;
    set.set(this.delay.delayTime, delaySeconds(p, tempoBpm), immediate);
    set.set(this.highcut.frequency, p['delay.highcut'], immediate);
    set.set(this.feedback.gain, p['delay.feedback'] / 100, immediate);
    this.tail.apply(fx, audible, set, immediate);
  }

  dispose(): void {
    this.input.disconnect();
    this.delay.disconnect();
    this.highcut.disconnect();
    this.feedback.disconnect();
    this.tail.disconnect();
  }
}
