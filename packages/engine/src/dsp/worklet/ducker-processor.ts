/**
 * AudioWorklet processor 'mixroom-ducker': the music on input 0, the received voices (summed to
 * mono by the graph) on input 1; output = the music ducked by SidechainDucker. The main thread
 * sends the depth and the "force" flag (talking oneself, a voice note playing) over the port and
 * reads the gain back (for the UI and the benchmark) — the envelope itself never waits for it.
 * Bundled by apps/web/scripts/build-worklets.mjs.
 */
import { DUCKER_REPORT_MS, SidechainDucker, type DuckerCommand, type DuckerReport } from '../sidechain-ducker';

declare const sampleRate: number;
declare const currentTime: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}

class DuckerProcessor extends AudioWorkletProcessor {
  private readonly ducker: SidechainDucker;
  private reported = 0;
  private sinceReport = 0;
  private readonly reportEvery = Math.round((sampleRate * DUCKER_REPORT_MS) / 1000);

  constructor(options: { processorOptions?: { depthDb?: number } }) {
    super(options);
    this.ducker = new SidechainDucker(sampleRate, options.processorOptions?.depthDb);
    this.port.onmessage = (e: MessageEvent<DuckerCommand>) => {
      if (e.data.type === 'depth') this.ducker.envelope.setDepth(e.data.depthDb);
      else if (e.data.type === 'force') this.ducker.force = e.data.on;
    };
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const music = inputs[0] ?? [];
    const out = outputs[0];
    const frames = out[0]?.length ?? 128;
    for (let c = 0; c < out.length; c++) {
      const src = music[Math.min(c, music.length - 1)];
      if (src) out[c].set(src);
      else out[c].fill(0);
    }
    const side = inputs[1]?.[0] ?? null;
    const gainDb = this.ducker.process(out, side, frames);
    this.sinceReport += frames;
    if (this.sinceReport >= this.reportEvery) {
      this.sinceReport = 0;
      if (Math.abs(gainDb - this.reported) >= 0.05 || (gainDb === 0) !== (this.reported === 0)) {
        this.reported = gainDb;
        const report: DuckerReport = { type: 'gain', gainDb, voice: this.ducker.voice, at: currentTime };
        this.port.postMessage(report);
      }
    }
    return true;
  }
}

registerProcessor('mixroom-ducker', DuckerProcessor);
