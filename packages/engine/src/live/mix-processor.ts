/**
 * AudioWorklet processor 'mixroom-mix': every channel strip of the live mix in one node, on the
 * engine's own block DSP (LiveMixCore → ChannelDsp, the code offline renders run). Bundled to a
 * plain script by apps/web/scripts/build-worklets.mjs.
 */
import { LiveMixCore } from './mix-core';
import { MIX_PROCESSOR_NAME, type MixProcessorMessage } from './mix-protocol';

declare const sampleRate: number;
declare const currentFrame: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}

interface MixProcessorOptions {
  status: SharedArrayBuffer;
}

class MixProcessor extends AudioWorkletProcessor {
  private readonly core: LiveMixCore;

  constructor(options: { processorOptions: MixProcessorOptions }) {
    super(options);
    this.core = new LiveMixCore(sampleRate, options.processorOptions.status);
    this.port.onmessage = (e: MessageEvent<MixProcessorMessage | MixProcessorMessage[]>) => {
      const msgs = Array.isArray(e.data) ? e.data : [e.data];
      for (const m of msgs) this.core.receive(m);
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    this.core.process(outputs, currentFrame, outputs[0]?.[0]?.length ?? 128);
    return true;
  }
}

registerProcessor(MIX_PROCESSOR_NAME, MixProcessor);

interface CaptureOptions {
  /** Context frame of the first frame to keep, and how many. */
  startFrame: number;
  frames: number;
}

/**
 * 'mixroom-capture': keeps `frames` frames of its (stereo) input from context frame `startFrame`
 * on and posts them back: how tests hear exactly what live playback put out, frame-aligned.
 * The message is `{ channels, missedFrames }`: frames at the start that had passed before the
 * node first ran (a busy main thread made it too late), so a caller can try again.
 */
class CaptureProcessor extends AudioWorkletProcessor {
  private readonly opts: CaptureOptions;
  private readonly data: Float32Array[];
  private done = false;
  private missedFrames = -1;

  constructor(options: { processorOptions: CaptureOptions }) {
    super(options);
    this.opts = options.processorOptions;
    this.data = [new Float32Array(this.opts.frames), new Float32Array(this.opts.frames)];
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.done) return false;
    const input = inputs[0] ?? [];
    const n = input[0]?.length ?? 128;
    const { startFrame, frames } = this.opts;
    if (this.missedFrames < 0) this.missedFrames = Math.max(0, currentFrame - startFrame);
    for (let i = 0; i < n; i++) {
      const k = currentFrame + i - startFrame;
      if (k < 0 || k >= frames) continue;
      for (let c = 0; c < 2; c++) this.data[c][k] = input[Math.min(c, input.length - 1)]?.[i] ?? 0;
    }
    if (currentFrame + n >= startFrame + frames) {
      this.done = true;
      this.port.postMessage({ channels: this.data, missedFrames: this.missedFrames }, this.data.map((d) => d.buffer));
      return false;
    }
    return true;
  }
}

registerProcessor('mixroom-capture', CaptureProcessor);
