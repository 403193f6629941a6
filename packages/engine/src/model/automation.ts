// Automation lanes as plain data: breakpoints, curve shapes, evaluation. No Yjs here: the same
// code runs in the page, in the mix AudioWorklet and in offline renders.
import { GAIN_FLOOR_DB, dbToGain, gainToDb, type ParamDef } from './params';

/**
 * How a segment moves from its breakpoint to the next one:
 * - 'linear': a straight line in the parameter's own unit (a fader ramps evenly in dB);
 * - 'exp': a straight line in amplitude for dB parameters (the classic exponential/log gain
 *   fade: fast in dB near the loud end), geometric for log-taper ones (Hz, Q, ms, ratio);
 * - 'hold': stays at the breakpoint's value until the next one.
 * Switches and choices (mute, slopes) always hold.
 */
export const CURVE_SHAPES = ['linear', 'exp', 'hold'] as const;
export type CurveShape = (typeof CURVE_SHAPES)[number];
export const SHAPE_LINEAR = 0;
export const SHAPE_EXP = 1;
export const SHAPE_HOLD = 2;

/** How a lane's values interpolate, from its parameter's definition. */
export const LANE_LINEAR = 0;
export const LANE_DB = 1;
export const LANE_LOG = 2;
export const LANE_STEP = 3;

export interface AutomationPoint {
  /** Song time, seconds. */
  t: number;
  v: number;
  /** Shape of the segment from this point to the next. */
  shape: CurveShape;
}

/**
 * A lane ready to evaluate: breakpoints sorted by time in typed arrays (cheap to post to the
 * worklet, no objects on the audio thread).
 */
export interface AutomationLane {
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly s: Uint8Array;
  /** LANE_LINEAR, LANE_DB, LANE_LOG or LANE_STEP. */
  readonly kind: number;
}

export function laneKindOf(def: ParamDef): number {
  if (def.taper === 'toggle' || def.taper === 'choice') return LANE_STEP;
  if (def.unit === 'dB' && def.taper === 'fader') return LANE_DB;
  if (def.taper === 'log') return LANE_LOG;
  return LANE_LINEAR;
}

export function laneFromPoints(points: readonly AutomationPoint[], def: ParamDef): AutomationLane {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  return {
    t: Float64Array.from(sorted, (p) => p.t),
    v: Float64Array.from(sorted, (p) => p.v),
    s: Uint8Array.from(sorted, (p) => CURVE_SHAPES.indexOf(p.shape)),
    kind: laneKindOf(def),
  };
}

export function pointsOfLane(lane: AutomationLane): AutomationPoint[] {
  return Array.from(lane.t, (t, i) => ({ t, v: lane.v[i], shape: CURVE_SHAPES[lane.s[i]] ?? 'linear' }));
}

/** Index of the last breakpoint at or before `t` (−1 when `t` is before the first). */
export function pointIndexAt(lane: AutomationLane, t: number): number {
  let lo = 0;
  let hi = lane.t.length - 1;
  if (hi < 0 || t < lane.t[0]) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lane.t[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Value of segment i (from point i to i + 1) at fraction f ∈ [0, 1]. */
function segmentValue(lane: AutomationLane, i: number, f: number): number {
  const a = lane.v[i];
  const b = lane.v[i + 1];
  const shape = lane.s[i];
  if (shape === SHAPE_HOLD || lane.kind === LANE_STEP) return a;
  if (shape === SHAPE_EXP) {
    if (lane.kind === LANE_DB) {
      const g = dbToGain(a) + (dbToGain(b) - dbToGain(a)) * f;
      return g <= 0 ? GAIN_FLOOR_DB : Math.max(GAIN_FLOOR_DB, gainToDb(g));
    }
    if (lane.kind === LANE_LOG && a > 0 && b > 0) return a * Math.pow(b / a, f);
  }
  return a + (b - a) * f;
}

/** The lane's value at song time `t` (seconds): the first value before it, the last after it. */
export function valueAt(lane: AutomationLane, t: number): number {
  const n = lane.t.length;
  if (n === 0) return NaN;
  const i = pointIndexAt(lane, t);
  if (i < 0) return lane.v[0];
  if (i >= n - 1) return lane.v[n - 1];
  const span = lane.t[i + 1] - lane.t[i];
  return segmentValue(lane, i, span > 0 ? (t - lane.t[i]) / span : 1);
}

/**
 * Fills out[0..frames) with the lane's value at each frame of a block that starts at song time
 * `startSeconds`: walks the breakpoints once (no search per sample), allocates nothing.
 */
export function renderLaneBlock(lane: AutomationLane, startSeconds: number, sampleRate: number, out: Float32Array, frames = out.length): void {
  const n = lane.t.length;
  if (n === 0) return;
  let i = pointIndexAt(lane, startSeconds);
  for (let k = 0; k < frames; k++) {
    const t = startSeconds + k / sampleRate;
    while (i + 1 < n && lane.t[i + 1] <= t) i++;
    if (i < 0) out[k] = lane.v[0];
    else if (i >= n - 1) out[k] = lane.v[n - 1];
    else {
      const span = lane.t[i + 1] - lane.t[i];
      out[k] = segmentValue(lane, i, span > 0 ? (t - lane.t[i]) / span : 1);
    }
  }
}

/**
 * Drops breakpoints that the curve without them would pass within `tolerance` of (a recorded
 * ride is hundreds of moves a second; most lie on the line between their neighbours). Keeps the
 * first and last, and every point where the shape is not linear. Greedy, one pass, O(n).
 */
export function thinPoints(points: readonly AutomationPoint[], tolerance: number): AutomationPoint[] {
  // One point per time: the last written wins.
  const byTime: AutomationPoint[] = [];
  for (const p of [...points].sort((a, b) => a.t - b.t)) {
    if (byTime.length > 0 && byTime[byTime.length - 1].t === p.t) byTime[byTime.length - 1] = p;
    else byTime.push(p);
  }
  if (byTime.length <= 2) return byTime;
  const out: AutomationPoint[] = [byTime[0]];
  let anchor = 0;
  for (let j = 1; j < byTime.length - 1; j++) {
    const a = byTime[anchor];
    const next = byTime[j + 1];
    // Can the segment anchor → next stand in for every point since the anchor, j included?
    let fits = a.shape === 'linear' && byTime[j].shape === 'linear';
    for (let k = anchor + 1; k <= j && fits; k++) {
      const q = byTime[k];
      const line = a.v + ((next.v - a.v) * (q.t - a.t)) / (next.t - a.t);
      if (Math.abs(line - q.v) > tolerance) fits = false;
    }
    if (!fits) {
      out.push(byTime[j]);
      anchor = j;
    }
  }
  out.push(byTime[byTime.length - 1]);
  return out;
}

/** The curve with [from, to] replaced by `points` (which should lie in it). */
export function replaceRange(existing: readonly AutomationPoint[], from: number, to: number, points: readonly AutomationPoint[]): AutomationPoint[] {
  return [...existing.filter((p) => p.t < from || p.t > to), ...points].sort((a, b) => a.t - b.t);
}
