/**
 * AudioWorklet processor 'mixroom-dynamics' (and, via ./delay-processor, 'mixroom-delay'): runs the engine's compressor kernel (and, on the
 * master, the true-peak limiter kernel) — the same TypeScript that the tests measure.
 * Bundled to a plain script: by apps/web/scripts/build-worklets.mjs for the browser, and by
 * src/node/worklets.ts (esbuild, at first use) for Node.
 */
import { CompressorKernel, type CompressorSettings } from '../compressor';
import { TruePeakLimiterKernel } from '../limiter';
import {
  DYNAMICS_PARAMS,
  DYNAMICS_PROCESSOR_NAME,
  type DynamicsParamName,
  type DynamicsProcessorOptions,
  type GainReductionMessage,
} from '../dynamics-protocol';
import { LiveMasterChain, type MasterChainMessage } from '../../live/master-chain-live';
// Registers 'mixroom-delay' from the same script, so loading the dynamics worklet loads both.
import './delay-processor';

declare const sampleRate: number;
declare const currentFrame: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}

type Params = Record<DynamicsParamName, Float32Array>;
const REPORT_SECONDS = 0.05;

class DynamicsProcessor extends AudioWorkletProcessor {
  static get parameterDescriptors() {
    return Object.entries(DYNAMICS_PARAMS).map(([name, defaultValue]) => ({ name, defaultValue, automationRate: 'k-rate' }));
  }

  private readonly kind: DynamicsProcessorOptions['kind'];
  private comp: CompressorKernel;
  private limiter: TruePeakLimiterKernel | null;
  private readonly channelCount: number;
  private started = false;
  private readonly last = new Float64Array(Object.keys(DYNAMICS_PARAMS).length).fill(NaN);
  private readonly names = Object.keys(DYNAMICS_PARAMS) as DynamicsParamName[];
  private sinceReport = 0;
  private readonly reportEvery = Math.round(sampleRate * REPORT_SECONDS);

  constructor(options: { processorOptions?: DynamicsProcessorOptions }) {
    super(options);
    const o = options.processorOptions ?? { kind: 'channel', channelCount: 2 };
    this.kind = o.kind;
    this.channelCount = o.channelCount;
    this.comp = new CompressorKernel(sampleRate, settingsFrom(DYNAMICS_PARAMS));
    this.limiter = o.kind === 'master' ? new TruePeakLimiterKernel(sampleRate, o.channelCount, { on: true, ceilingDb: -1, releaseMs: 60 }) : null;
    if (o.kind === 'master') {
      // While the master has lanes the whole chain (EQ included) runs as in renders, on the song's frames.
      this.port.onmessage = (e: MessageEvent<MasterChainMessage>) => {
        if (e.data?.type !== 'master-chain') return;
        if (!e.data.lanes) this.chain = null;
        else if (this.chain) this.chain.update(e.data);
        else this.chain = new LiveMasterChain(sampleRate, e.data);
      };
    }
  }

  private chain: LiveMasterChain | null = null;

  process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Params): boolean {
    this.configure(parameters);
    const input = inputs[0] ?? [];
    const output = outputs[0];
    const frames = output[0]?.length ?? 128;
    for (let c = 0; c < output.length; c++) {
      const src = input[Math.min(c, input.length - 1)];
      if (src) output[c].set(src);
      else output[c].fill(0);
    }
    if (this.chain) this.chain.process(output, frames, currentFrame);
    else {
      this.comp.process(output, frames);
      this.limiter?.process(output, frames);
    }
    this.sinceReport += frames;
    if (this.sinceReport >= this.reportEvery) {
      this.sinceReport = 0;
      const gr = this.chain?.dsp.readGainReduction();
      const msg: GainReductionMessage = {
        type: 'gain-reduction',
        compressor: gr ? gr.glue : this.comp.readGainReduction(),
        limiter: gr ? gr.limiter : (this.limiter?.readGainReduction() ?? 0),
      };
      this.port.postMessage(msg);
    }
    return true;
  }

  private configure(p: Params): void {
    let changed = false;
    for (let i = 0; i < this.names.length; i++) {
      const v = p[this.names[i]][0];
      if (v !== this.last[i]) {
        this.last[i] = v;
        changed = true;
      }
    }
    if (!changed) return;
    const v = Object.fromEntries(this.names.map((n, i) => [n, this.last[i]])) as Record<DynamicsParamName, number>;
    const limiterSettings = { on: v.limiterOn >= 0.5, ceilingDb: v.ceiling, releaseMs: v.limiterRelease, driveDb: v.drive };
    if (!this.started) {
      // The first settings a node plays with apply from its first sample (no bypass fade-in),
      // as in a render; later changes crossfade.
      this.started = true;
      this.comp = new CompressorKernel(sampleRate, settingsFrom(v));
      if (this.limiter) this.limiter = new TruePeakLimiterKernel(sampleRate, this.channelCount, limiterSettings);
      return;
    }
    this.comp.configure(settingsFrom(v));
    this.limiter?.configure(limiterSettings);
  }
}

function settingsFrom(v: Record<DynamicsParamName, number>): CompressorSettings {
  return {
    on: v.compOn >= 0.5,
    thresholdDb: v.threshold,
    ratio: Math.max(1, v.ratio),
    attackMs: v.attack,
    releaseMs: v.release,
    kneeDb: Math.max(0, v.knee),
    makeupDb: v.makeup,
  };
}

registerProcessor(DYNAMICS_PROCESSOR_NAME, DynamicsProcessor);
