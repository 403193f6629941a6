import type { StemInput } from '../offline/stem-source';
import type { MixState } from '../model/mix-model';
import { measureLoudness, type LoudnessResult } from '../loudness/measure';
import { limiterLatency, masterDynamics, withoutMasterDynamics } from './dynamics-passes';
import type { ToneLib } from './mix-graph';
import { renderMixDetailed } from './render';
import { masterDynamicsWithLanes } from '../offline/master-automation';

export interface MasterTarget {
  /** Integrated loudness to land on, LUFS. */
  integratedLufs: number;
  /** True-peak ceiling, dBTP: becomes the limiter's ceiling. */
  truePeakCeilingDbtp: number;
}

export interface LoudnessFigures {
  integrated: number;
  range: number;
  truePeak: number;
}

/** The master settings that reach the target, and what they did. */
export interface MasterToTargetResult {
  /** Parameters to write to the master: limiter on, its ceiling and drive, the output gain. */
  params: { 'limiter.on': 1; 'limiter.ceiling': number; 'limiter.drive': number; gain: number };
  before: LoudnessFigures;
  after: LoudnessFigures;
  /** Level change from the previous master settings, in LU (after − before integrated). */
  gainChangeDb: number;
  /** The most the limiter had to pull down a peak, dB. */
  maxGainReductionDb: number;
  /** after.integrated within the tolerance of the target (false when the drive range ran out). */
  reached: boolean;
  iterations: number;
}

export interface MasterToTargetOptions {
  sampleRate?: number;
  /** LU; default 0.5 (what the issue asks), the search itself aims at 0.1. */
  toleranceLu?: number;
  onProgress?: (fraction: number, stage: string) => void;
}

const MAX_DRIVE_DB = 24;
const MIN_DRIVE_DB = -24;
const MAX_ITERATIONS = 8;
const AIM_LU = 0.1;

const figures = (r: LoudnessResult): LoudnessFigures => ({ integrated: r.integrated, range: r.range, truePeak: r.truePeak });

/**
 * "Master to target": renders the mix once up to the master's dynamics, then searches the gain
 * into the true-peak limiter (drive, −24…+24 dB: up, or down before the limiter) that lands
 * the rendered master on the target's integrated loudness with its true peak at the ceiling or
 * below. Limiting lowers loudness as the drive rises, so the search measures, corrects and
 * measures again (a few passes of the limiter over the song; the graph itself renders once).
 * The same three passes as renderMix, so the result is what a bounce of the new settings gives.
 */
export async function masterToTarget(
  Tone: ToneLib,
  state: MixState,
  stems: ReadonlyMap<string, StemInput>,
  target: MasterTarget,
  options: MasterToTargetOptions = {},
): Promise<MasterToTargetResult> {
  const sampleRate = options.sampleRate ?? 48000;
  const tolerance = options.toleranceLu ?? 0.5;
  const progress = options.onProgress ?? (() => undefined);
  if (!Number.isFinite(target.integratedLufs) || !Number.isFinite(target.truePeakCeilingDbtp)) throw new RangeError('target loudness and ceiling must be numbers');

  progress(0, 'rendering the mix');
  const { audio } = await renderMixDetailed(Tone, withoutMasterDynamics(state), stems, {
    sampleRate,
    onProgress: (f) => progress(0.6 * f, 'rendering the mix'),
  });
  const length = audio.length;
  const latency = limiterLatency(sampleRate);
  // What reaches the master's dynamics; masterDynamics wants `latency` samples of tail.
  const pre = [0, 1].map((c) => {
    const x = new Float32Array(length + latency);
    x.set(audio.getChannelData(Math.min(c, audio.numberOfChannels - 1)));
    return x;
  });
  // Lanes of the glue compressor or the limiter play here (the pre-render left them out).
  const through = (s: MixState) => masterDynamicsWithLanes(s, pre.map((x) => x.slice()), length, sampleRate) ?? masterDynamics(s, pre.map((x) => x.slice()), length, sampleRate);

  const before = figures(measureLoudness(through(state), sampleRate));
  if (!Number.isFinite(before.integrated)) throw new Error('the mix is silent: nothing to master');

  const ceiling = Math.min(0, target.truePeakCeilingDbtp);
  // One knob for the search: the gain into the limiter (`limiter.drive`), up or down. Turning down
  // before the limiter means nothing is limited that fits under the ceiling once turned down (as
  // an output gain after it, a −11 dB R128 master still lost 2.7 dB of peaks to the limiter).
  // Only beyond the drive's range does the output gain take the rest.
  const settingsFor = (x: number) => {
    const drive = Math.min(MAX_DRIVE_DB, Math.max(MIN_DRIVE_DB, x));
    const gain = Math.min(0, x - MIN_DRIVE_DB);
    const params = { ...state.master.params, 'limiter.on': 1, 'limiter.ceiling': ceiling, 'limiter.drive': drive, gain };
    return { drive, gain, state: { ...state, master: { gain, params } } };
  };
  // Start from the loudness without the master's own output gain and drive.
  const base = figures(measureLoudness(through(settingsFor(0).state), sampleRate));
  let x = round1(target.integratedLufs - base.integrated);
  let after = base;
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    progress(0.6 + (0.4 * iterations) / MAX_ITERATIONS, 'finding the level');
    after = figures(measureLoudness(through(settingsFor(x).state), sampleRate));
    const miss = target.integratedLufs - after.integrated;
    if (Math.abs(miss) <= AIM_LU) break;
    const next = round1(Math.min(MAX_DRIVE_DB, x + miss));
    if (next === x) break; // out of drive
    x = next;
  }
  iterations++;
  const chosen = settingsFor(x);
  // Peak reduction needed = how far the driven signal's true peak rises above the ceiling.
  const unlimited = { ...chosen.state, master: { gain: 0, params: { ...chosen.state.master.params, 'limiter.on': 0 } } };
  const drivenPeak = measureLoudness(through(unlimited), sampleRate).truePeak + chosen.drive;
  progress(1, 'done');
  return {
    params: { 'limiter.on': 1, 'limiter.ceiling': ceiling, 'limiter.drive': round1(chosen.drive), gain: round1(chosen.gain) },
    before,
    after,
    gainChangeDb: after.integrated - before.integrated,
    maxGainReductionDb: Math.max(0, drivenPeak - ceiling),
    reached: Math.abs(target.integratedLufs - after.integrated) <= tolerance,
    iterations,
  };
}

const round1 = (v: number) => Math.round(v * 100) / 100;
