/**
 * How a browser that is off the group's position gets back, without a jump where possible.
 *
 * Clock drift between a sound card and the server is tens of ppm: milliseconds over minutes.
 * That is corrected by playing very slightly faster or slower for a while: at most ±0.2 %
 * (≈3.5 cents, below what listeners notice as pitch), which closes 1 ms every half second.
 * A larger gap means something discontinuous happened (an audio dropout on a busy machine,
 * a suspended tab); the only fix is to re-align, which is a jump, but the dropout already was one.
 */
export type DriftCorrection = { action: 'none' } | { action: 'nudge'; playbackRate: number } | { action: 'realign' };

export interface DriftPolicy {
  /** Errors below this are left alone (measurement noise), seconds. */
  deadband: number;
  /** Errors above this re-align with a jump, seconds. */
  realignAbove: number;
  /** Largest deviation of the playback rate from 1. */
  maxRateDeviation: number;
  /** The nudge aims to close the error over about this long, seconds. */
  horizon: number;
}

// Drift alone never gets past a few ms once nudged, so anything beyond 12 ms is a discontinuity.
export const DEFAULT_DRIFT_POLICY: DriftPolicy = { deadband: 0.0015, realignAbove: 0.012, maxRateDeviation: 0.002, horizon: 2 };

/** `errorSeconds` > 0 means this browser is ahead of the group. */
export function planDriftCorrection(errorSeconds: number, policy: DriftPolicy = DEFAULT_DRIFT_POLICY): DriftCorrection {
  if (!Number.isFinite(errorSeconds)) return { action: 'realign' };
  const size = Math.abs(errorSeconds);
  if (size > policy.realignAbove) return { action: 'realign' };
  if (size < policy.deadband) return { action: 'none' };
  const deviation = Math.min(policy.maxRateDeviation, size / policy.horizon);
  return { action: 'nudge', playbackRate: errorSeconds > 0 ? 1 - deviation : 1 + deviation };
}
