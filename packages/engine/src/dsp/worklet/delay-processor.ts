/**
 * AudioWorklet processor 'mixroom-delay': the delay return's kernel (dsp/delay.ts) for live
 * playback, the same code renders run on the main thread. Imported by dynamics-processor.ts so
 * one bundled script (one addModule) registers both processors.
 */
import { DelayKernel } from '../delay';
import { DELAY_WORKLET_PARAMS, DELAY_PROCESSOR_NAME, type DelayParamName } from '../dynamics-protocol';
import { LiveMasterChain, type MasterChainMessage } from '../../live/master-chain-live';
import { LiveReverbRoomGates, type ReverbRoomMessage } from '../../live/reverb-room-live';

declare const sampleRate: number;
declare const currentFrame: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}

type Params = Record<DelayParamName, Float32Array>;
const CHANNELS = 2;

class DelayProcessor extends AudioWorkletProcessor {
  static get parameterDescriptors() {
    return Object.entries(DELAY_WORKLET_PARAMS).map(([name, defaultValue]) => ({ name, defaultValue, automationRate: 'k-rate' }));
  }

  private readonly kernel = new DelayKernel(sampleRate, CHANNELS, { timeSeconds: DELAY_WORKLET_PARAMS.time, feedback: DELAY_WORKLET_PARAMS.feedback, highcutHz: DELAY_WORKLET_PARAMS.highcut });
  private last = { time: NaN, feedback: NaN, highcut: NaN };
  private started = false;
  /** While the return has effect or EQ lanes: kernel and EQ as renders run them, on the song's frames. */
  private chain: LiveMasterChain | null = null;

  /** A node that is a return's EQ (processorOptions.eqOnly): it passes its input through until its lanes arrive. */
  private readonly eqOnly: boolean;

  /** A node that puts out the reverb's convolver slot gates (processorOptions.roomGates): no audio. */
  private room: LiveReverbRoomGates | null = null;
  private readonly roomGates: boolean;

  constructor(options?: { processorOptions?: { eqOnly?: boolean; roomGates?: boolean } }) {
    super(options);
    this.eqOnly = options?.processorOptions?.eqOnly === true;
    this.roomGates = options?.processorOptions?.roomGates === true;
    this.port.onmessage = (e: MessageEvent<MasterChainMessage | ReverbRoomMessage>) => {
      if (e.data?.type === 'reverb-room') {
        if (this.room) this.room.update(e.data);
        else this.room = new LiveReverbRoomGates(sampleRate, e.data);
        return;
      }
      if (e.data?.type !== 'master-chain') return;
      if (!e.data.lanes) this.chain = null;
      else if (this.chain) this.chain.update(e.data);
      else this.chain = new LiveMasterChain(sampleRate, e.data);
    };
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][], p: Params): boolean {
    if (this.roomGates) {
      const out = outputs[0];
      if (this.room) this.room.process(out, out[0]?.length ?? 128, currentFrame);
      else for (const c of out) c.fill(0);
      return true;
    }
    const time = p.time[0];
    const feedback = p.feedback[0];
    const highcut = p.highcut[0];
    if (time !== this.last.time || feedback !== this.last.feedback || highcut !== this.last.highcut) {
      this.last = { time, feedback, highcut };
      this.kernel.configure({ timeSeconds: time, feedback, highcutHz: highcut });
      // The first settings of a fresh node apply at once; later changes glide.
      if (!this.started) this.kernel.jumpToTargets();
    }
    this.started = true;
    const input = inputs[0] ?? [];
    const output = outputs[0];
    const frames = output[0]?.length ?? 128;
    for (let c = 0; c < output.length; c++) {
      const src = input[Math.min(c, input.length - 1)];
      if (src) output[c].set(src);
      else output[c].fill(0);
    }
    if (this.chain) this.chain.process(output, frames, currentFrame);
    else if (!this.eqOnly) this.kernel.process(output, frames);
    return true;
  }
}

registerProcessor(DELAY_PROCESSOR_NAME, DelayProcessor);
