import { describe, expect, it } from 'vitest';
import { laneFromPoints, valueAt, type AutomationPoint } from './automation';
import { copyRange, drawStroke, offsetRange, pasteClip, pencilPoints, scaleRange, setSegmentShape, snapTime } from './automation-edit';
import { CHANNEL_PARAMS } from './params';

const GAIN = CHANNEL_PARAMS.gain;
const PAN = CHANNEL_PARAMS.pan;
const p = (t: number, v: number, shape: AutomationPoint['shape'] = 'linear'): AutomationPoint => ({ t, v, shape });
const at = (pts: AutomationPoint[], t: number) => valueAt(laneFromPoints(pts, GAIN), t);

describe('automation edits', () => {
  it('snaps to the beat and the bar of the session tempo', () => {
    expect(snapTime(1.13, 120)).toBeCloseTo(1.0, 9);
    expect(snapTime(1.3, 120)).toBeCloseTo(1.5, 9);
    expect(snapTime(3.1, 120, 'bar')).toBeCloseTo(4, 9);
    expect(snapTime(0.7, 90)).toBeCloseTo(2 / 3, 9);
    expect(snapTime(-1, 120)).toBe(0);
  });

  it('pencil: a freehand stroke becomes a thinned curve (a straight drag is two points) that replaces what lay under it', () => {
    const straight = Array.from({ length: 200 }, (_, i) => ({ t: 1 + i * 0.01, v: -i * 0.05 }));
    const pts = pencilPoints(straight, GAIN);
    expect(pts.length).toBe(2);
    const wavy = Array.from({ length: 200 }, (_, i) => ({ t: 1 + i * 0.01, v: -6 + 6 * Math.sin(i / 10) }));
    const thinned = pencilPoints(wavy, GAIN);
    expect(thinned.length).toBeGreaterThan(5);
    expect(thinned.length).toBeLessThan(100);
    for (const s of wavy) expect(Math.abs(at(thinned, s.t) - s.v)).toBeLessThanOrEqual(GAIN.step / 2 + 1e-9);
    const drawn = drawStroke([p(0, 0), p(2, -3), p(5, 0)], wavy, GAIN);
    expect(drawn[0]).toEqual(p(0, 0));
    expect(drawn[drawn.length - 1]).toEqual(p(5, 0));
    expect(drawn.some((q) => q.t === 2)).toBe(false);
  });

  it('scale and offset change only the range: the curve outside it stays where it was', () => {
    const ride = [p(0, 0), p(2, -10), p(4, -2), p(6, -8), p(8, 0)];
    const half = scaleRange(ride, 1, 7, 50, 'mean', GAIN);
    const zero = scaleRange(ride, 1, 7, 50, 'zero', GAIN);
    const up = offsetRange(ride, 1, 7, 3, GAIN);
    for (const edited of [half, zero, up]) {
      for (const t of [0, 0.5, 0.99, 7.01, 7.5, 8]) expect(at(edited, t)).toBeCloseTo(at(ride, t), 2);
    }
    expect(at(up, 4)).toBeCloseTo(1, 6);
    expect(at(zero, 2)).toBeCloseTo(-5, 6);
    // Around the mean: the swing between 2 s and 4 s halves.
    expect(at(half, 4) - at(half, 2)).toBeCloseTo((at(ride, 4) - at(ride, 2)) / 2, 6);
    // Clamped to the parameter's range.
    expect(Math.max(...offsetRange(ride, 1, 7, 40, GAIN).map((q) => q.v))).toBe(GAIN.max);
  });

  it('a segment takes the shape chosen for it; copy and paste move a range to another time or lane of the same kind', () => {
    const ride = [p(0, 0), p(2, -12), p(4, 0)];
    const held = setSegmentShape(ride, 1, 'hold');
    expect(at(held, 1.9)).toBe(0);
    expect(setSegmentShape(ride, 3, 'exp')[1].shape).toBe('exp');
    const clip = copyRange(ride, 1, 3, GAIN);
    expect(clip.length).toBe(2);
    const pasted = pasteClip([p(0, -20), p(10, -20)], clip, 6, GAIN)!;
    for (const k of [0.25, 0.5, 1, 1.5, 1.75]) expect(at(pasted, 6 + k)).toBeCloseTo(at(ride, 1 + k), 2);
    expect(at(pasted, 5)).toBeCloseTo(-20, 6);
    expect(at(pasted, 9)).toBeCloseTo(-20, 6);
    // A gain range does not paste into a pan lane.
    expect(pasteClip([], clip, 0, PAN)).toBeNull();
    // Splitting a hold segment at a range edge keeps it a hold.
    const edged = offsetRange(held, 1, 1.5, 0, GAIN);
    expect(valueAt(laneFromPoints(edged, GAIN), 1.8)).toBe(0);
  });
});
