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

  /** `initial`: the settings the node starts with from its first sample (no glide from defaults). */
  constructor(ctx: BaseAudioContext, kind: DynamicsKind, channelCount: number, initial: Partial<Record<DynamicsParamName, number>> = {}) {
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
      parameterData: Object.fromEntries(Object.entries(initial).filter(([, v]) => Number.isFinite(v))) as Record<string, number>,
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

  /** The worklet's compressor params from a params record's section ('comp' or 'glue'). */
  static compressorValues(p: Record<string, number>, section: string): Partial<Record<DynamicsParamName, number>> {
    return {
      compOn: p[`${section}.on`],
      threshold: p[`${section}.threshold`],
      ratio: p[`${section}.ratio`],
      attack: p[`${section}.attack`],
      release: p[`${section}.release`],
      knee: p[`${section}.knee`],
      makeup: p[`${section}.makeup`],
    };
  }

  /** Applies a compressor section ('comp' on channels, 'glue' on the master) from a params record. */
  applyCompressor(p: Record<string, number>, section: string, setter: ParamSetter, immediate: boolean): void {
    for (const [name, value] of Object.entries(DynamicsNode.compressorValues(p, section))) this.set(name as DynamicsParamName, value!, setter, immediate);
  }

  /** A message to the processor (the master chain's lanes). */
  post(msg: unknown): void {
    this.node.port.postMessage(msg);
  }

  disconnect(): void {
    this.node.disconnect();
    this.node.port.onmessage = null;
    this.node.port.close?.();
  }
}
