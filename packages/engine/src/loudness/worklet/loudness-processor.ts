/**
 * AudioWorklet processor 'mixroom-loudness': runs the engine's own streaming BS.1770 meter
 * (`createLoudnessMeter`, the same code `measureLoudness` uses offline) on whatever is
 * connected to its input, and posts a reading about every 100 ms. It is a sink: no outputs.
 *
 * Messages in (port): { type: 'reset' } — start over (integrated, LRA, peaks, maxima).
 * Messages out: LiveLoudnessReading (see ./protocol).
 *
 * Bundled to a plain script (apps/web/scripts/build-worklets.mjs); it must not import
 * anything that touches the DOM.
 */
import { createLoudnessMeter, type LoudnessReading } from '../meter';
import { LOUDNESS_PROCESSOR_NAME, type LiveLoudnessReading, type LoudnessProcessorMessage } from './protocol';

// The AudioWorkletGlobalScope is not in TypeScript's DOM lib.
declare const sampleRate: number;
declare const currentTime: number;
declare function registerProcessor(name: string, ctor: new (options?: unknown) => unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}

const CHANNELS = 2;
const REPORT_SECONDS = 0.1;

class LoudnessProcessor extends AudioWorkletProcessor {
  private readonly meter = createLoudnessMeter(sampleRate, CHANNELS);
  private readonly reading: LoudnessReading = this.meter.read();
  private readonly silence: Float32Array[] = [new Float32Array(128), new Float32Array(128)];
  private readonly frame: Float32Array[] = [this.silence[0], this.silence[1]];
  private readonly reportEvery = Math.round(sampleRate * REPORT_SECONDS);
  private sinceReport = 0;
  private seq = 0;
  private errors = 0;

  constructor(options?: unknown) {
    super(options);
    this.port.onmessage = (e: MessageEvent<LoudnessProcessorMessage>) => {
      if (e.data?.type === 'reset') {
        this.meter.reset();
        this.sinceReport = this.reportEvery; // report the cleared state at once
      }
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0] ?? [];
    let n = 128;
    if (input.length === 0) {
      // Nothing connected / inactive input: time still passes, as silence.
      this.frame[0] = this.silence[0];
      this.frame[1] = this.silence[1];
    } else {
      n = input[0].length;
      this.frame[0] = input[0];
      this.frame[1] = input.length > 1 ? input[1] : input[0];
    }
    try {
      this.meter.push(this.frame);
    } catch (e) {
      // A non-finite sample upstream: skip this quantum, but say so once in a while.
      if (this.errors++ % 1000 === 0) this.port.postMessage({ type: 'error', message: String((e as Error).message ?? e) });
    }
    this.sinceReport += n;
    if (this.sinceReport >= this.reportEvery) {
      this.sinceReport = 0;
      const r = this.meter.read(this.reading);
      const out: LiveLoudnessReading = {
        type: 'reading',
        seq: this.seq++,
        time: currentTime,
        momentary: r.momentary,
        shortTerm: r.shortTerm,
        integrated: r.integrated,
        range: r.range,
        truePeak: r.truePeak,
        samplePeak: r.samplePeak,
        momentaryMax: r.momentaryMax,
        shortTermMax: r.shortTermMax,
        durationSeconds: r.durationSeconds,
        status: r.status,
      };
      this.port.postMessage(out);
    }
    return true;
  }
}

registerProcessor(LOUDNESS_PROCESSOR_NAME, LoudnessProcessor);
