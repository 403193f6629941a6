import {
  DYNAMICS_PROCESSOR_NAME,
  type DynamicsKind,
  type DynamicsParamName,
  type DynamicsProcessorOptions,
  type GainReductionMessage,
} from '../dsp/dynamics-protocol';
import type { ParamSetter } from './smoothing';

const loaded = new WeakSet<BaseAudioContext>();

/**
 * Loads the dynamics processor (compressors + true-peak limiter) into a context. The browser
 * passes the URL of the bundled script (apps/web: /worklets/dynamics-processor.js); Node uses
 * installDynamicsWorklet() from '@mixroom/engine/node'. Until it is loaded, MixGraph runs
 * without compressors and limiter and says so in `graph.notes`.
 */
export async function loadDynamicsWorklet(ctx: BaseAudioContext, url: string): Promise<void> {
  if (loaded.has(ctx)) return;
  await ctx.audioWorklet.addModule(url);
  loaded.add(ctx);
}

export function hasDynamicsWorklet(ctx: BaseAudioContext): boolean {
  return loaded.has(ctx);
}

/** One 'mixroom-dynamics' node and the latest gain reduction it reported. */
export class DynamicsNode {
  readonly node: AudioWorkletNode;
  compressorReduction = 0;
  limiterReduction = 0;

  constructor(ctx: BaseAudioContext, kind: DynamicsKind, channelCount: number) {
    const processorOptions: DynamicsProcessorOptions = { kind, channelCount };
    const Ctor = (globalThis as unknown as { AudioWorkletNode: typeof AudioWorkletNode }).AudioWorkletNode;
    this.node = new Ctor(ctx, DYNAMICS_PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [channelCount],
      channelCount,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions,
    });
    this.node.port.onmessage = (e: MessageEvent<GainReductionMessage>) => {
      if (e.data?.type !== 'gain-reduction') return;
      this.compressorReduction = e.data.compressor;
      this.limiterReduction = e.data.limiter;
    };
  }

  set(name: DynamicsParamName, value: number, setter: ParamSetter, _immediate: boolean): void {
    const param = (this.node.parameters as unknown as Map<string, AudioParam>).get(name);
    // Dynamics settings are k-rate and smoothed inside the kernel: set them directly.
    if (param) setter.set(param, value, true);
  }

  /** Applies a compressor section ('comp' on channels, 'glue' on the master) from a params record. */
  applyCompressor(p: Record<string, number>, section: string, setter: ParamSetter, immediate: boolean): void {
    this.set('compOn', p[`${section}.on`], setter, immediate);
    this.set('threshold', p[`${section}.threshold`], setter, immediate);
    this.set('ratio', p[`${section}.ratio`], setter, immediate);
    this.set('attack', p[`${section}.attack`], setter, immediate);
    this.set('release', p[`${section}.release`], setter, immediate);
    this.set('knee', p[`${section}.knee`], setter, immediate);
    this.set('makeup', p[`${section}.makeup`], setter, immediate);
  }

  disconnect(): void {
    this.node.disconnect();
    this.node.port.onmessage = null;
    this.node.port.close?.();
  }
}
