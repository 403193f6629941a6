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
