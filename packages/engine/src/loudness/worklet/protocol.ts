import type { LoudnessStatus } from '../meter';

/** Name the loudness AudioWorklet processor registers under. */
export const LOUDNESS_PROCESSOR_NAME = 'mixroom-loudness';

/** Sent to the processor's port. */
export type LoudnessProcessorMessage = { type: 'reset' };

/**
 * Posted by the processor about every 100 ms. Loudness in LUFS, range in LU, peaks in
 * dBTP/dBFS; −Infinity where nothing is measurable yet. `truePeak`, `samplePeak` and the
 * maxima hold the highest value since the last reset (peak-hold).
 */
export interface LiveLoudnessReading {
  type: 'reading';
  seq: number;
  /** AudioContext time of the reading, s. */
  time: number;
  momentary: number;
  shortTerm: number;
  integrated: number;
  range: number;
  truePeak: number;
  samplePeak: number;
  momentaryMax: number;
  shortTermMax: number;
  durationSeconds: number;
  status: LoudnessStatus;
}
