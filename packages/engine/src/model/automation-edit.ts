// Edits of an automation lane as pure functions on breakpoints: what the lane editor's tools do
// (pencil, range scale/offset, segment shapes, copy/paste, snap). No Yjs, no React.
import { laneFromPoints, replaceRange, thinPoints, valueAt, type AutomationPoint, type CurveShape } from './automation';
import type { ParamDef } from './params';

/** Beats per bar: sessions are in 4/4. */
export const BEATS_PER_BAR = 4;

/** `t` on the nearest beat (or bar) of the song at `tempo` bpm. */
export function snapTime(t: number, tempo: number, unit: 'beat' | 'bar' = 'beat'): number {
  const step = (60 / Math.max(1, tempo)) * (unit === 'bar' ? BEATS_PER_BAR : 1);
  return Math.max(0, Math.round(t / step) * step);
}

function clampTo(def: ParamDef, v: number): number {
  return Math.min(def.max, Math.max(def.min, v));
}

/**
 * A freehand stroke as breakpoints: one value per time (a stroke that turns back keeps its latest
 * pass), thinned to the points the curve needs (within half the parameter's step).
 */
export function pencilPoints(stroke: ReadonlyArray<{ t: number; v: number }>, def: ParamDef): AutomationPoint[] {
  const byTime = new Map<number, number>();
  for (const s of stroke) if (Number.isFinite(s.t) && Number.isFinite(s.v)) byTime.set(s.t, clampTo(def, s.v));
  const points = [...byTime].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v, shape: 'linear' as const }));
  return thinPoints(points, def.step / 2);
}

/** The lane with a pencil stroke drawn over it: what lay under the stroke is replaced. */
export function drawStroke(existing: readonly AutomationPoint[], stroke: ReadonlyArray<{ t: number; v: number }>, def: ParamDef): AutomationPoint[] {
  const drawn = pencilPoints(stroke, def);
  if (drawn.length === 0) return [...existing];
  return replaceRange(existing, drawn[0].t, drawn[drawn.length - 1].t, drawn);
}

/** How far inside a range its edge points sit: the curve outside is kept up to the edges. */
const EDGE = 0.001;

/**
 * The curve over [from, to] with breakpoints at its edges (the curve's own values there), so an
 * edit inside the range leaves the curve outside it as it was.
 */
function withEdges(points: readonly AutomationPoint[], from: number, to: number, def: ParamDef): AutomationPoint[] {
  if (points.length === 0 || !(to - from > 2 * EDGE)) return [...points];
  const lane = laneFromPoints(points, def);
  // An edge splits a segment: it takes the segment's shape, so the curve stays the same curve
  // (a split hold holds, a split exp segment is still linear in amplitude).
  const shapeAt = (t: number): CurveShape => {
    let shape: CurveShape = 'linear';
    for (const p of points) if (p.t <= t) shape = p.shape;
    return shape;
  };
  const edge = (t: number): AutomationPoint => ({ t, v: valueAt(lane, t), shape: shapeAt(t) });
  const out = points.filter((p) => !(p.t >= from - EDGE && p.t <= to + EDGE) || (p.t > from + EDGE && p.t < to - EDGE));
  out.push(edge(from - EDGE), edge(from + EDGE), edge(to - EDGE), edge(to + EDGE));
  return out.sort((a, b) => a.t - b.t);
}

/** Applies `fn` to the values of the breakpoints inside [from, to] (edges added first). */
function mapRange(points: readonly AutomationPoint[], from: number, to: number, def: ParamDef, fn: (v: number, inside: AutomationPoint[]) => number): AutomationPoint[] {
  const edged = withEdges(points, from, to, def);
  const inside = edged.filter((p) => p.t > from && p.t < to);
  return edged.map((p) => (p.t > from && p.t < to ? { ...p, v: clampTo(def, fn(p.v, inside)) } : p));
}

/**
 * Scales the curve inside [from, to] by `percent`: around the mean of its breakpoints ('mean':
 * 50 % halves the ride's swing) or toward 0 ('zero': 0 dB for gains, centre for pan).
 */
export function scaleRange(points: readonly AutomationPoint[], from: number, to: number, percent: number, about: 'mean' | 'zero', def: ParamDef): AutomationPoint[] {
  const k = percent / 100;
  return mapRange(points, from, to, def, (v, inside) => {
    const centre = about === 'zero' ? 0 : inside.reduce((s, p) => s + p.v, 0) / Math.max(1, inside.length);
    return centre + (v - centre) * k;
  });
}

/** Moves the curve inside [from, to] up or down by `delta` (dB for gains), clamped to the range. */
export function offsetRange(points: readonly AutomationPoint[], from: number, to: number, delta: number, def: ParamDef): AutomationPoint[] {
  return mapRange(points, from, to, def, (v) => v + delta);
}

/** The lane with the segment that plays at time `t` (from the breakpoint before it) in `shape`. */
export function setSegmentShape(points: readonly AutomationPoint[], t: number, shape: CurveShape): AutomationPoint[] {
  let index = -1;
  points.forEach((p, i) => {
    if (p.t <= t) index = i;
  });
  return points.map((p, i) => (i === index ? { ...p, shape } : p));
}

/** A copied range: its breakpoints relative to its start, and its length (seconds). */
export interface AutomationClip {
  length: number;
  points: AutomationPoint[];
  /** The unit of the lane it came from: it pastes only into lanes of the same kind. */
  unit: string;
}

export function copyRange(points: readonly AutomationPoint[], from: number, to: number, def: ParamDef): AutomationClip {
  const edged = withEdges(points, from, to, def).filter((p) => p.t > from && p.t < to);
  return { length: to - from, unit: def.unit, points: edged.map((p) => ({ ...p, t: p.t - from })) };
}

/** Pastes a clip at `at`: the lane over [at, at + length] becomes the clip. Null for a lane of another kind. */
export function pasteClip(points: readonly AutomationPoint[], clip: AutomationClip, at: number, def: ParamDef): AutomationPoint[] | null {
  if (clip.unit !== def.unit) return null;
  const to = at + clip.length;
  const edged = withEdges(points, at, to, def).filter((p) => !(p.t > at && p.t < to));
  return [...edged, ...clip.points.map((p) => ({ ...p, t: p.t + at, v: clampTo(def, p.v) }))].sort((a, b) => a.t - b.t);
}
