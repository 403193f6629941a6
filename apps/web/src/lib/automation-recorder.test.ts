import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { MixModel, initializeMix, valueAt } from '@mixroom/engine';
import { AutomationRecorder, RETURN_SECONDS } from './automation-recorder';

const KEY = 'ch:lead/gain';
const scope = { kind: 'channel' as const, channelId: 'lead' };

function setup(mode: string, loopEnd: number | null = null) {
  const doc = new Y.Doc();
  initializeMix(doc, [{ id: 'lead', name: 'Lead', stemId: 's1' }]);
  const model = new MixModel(doc);
  model.automation.setMode(scope, mode);
  let position: number | null = 10;
  const rec = new AutomationRecorder(model, () => position, () => loopEnd);
  model.onChange((c) => c.local && c.params.size > 0 && rec.moved(c.params));
  return {
    model,
    rec,
    at: (t: number | null) => (position = t),
    /** A fader move at song time t. */
    move: (t: number, db: number) => {
      position = t;
      model.setChannelGain('lead', db);
      rec.tick();
    },
  };
}

describe('AutomationRecorder', () => {
  afterEach(() => vi.useRealTimers());

  it('Touch: records the ride while held, one point per move (flushed as it goes), then returns to the value before', () => {
    vi.useFakeTimers();
    const { model, rec, move } = setup('touch');
    rec.hold(KEY, true);
    // A ride with a bend in it, one move per flush.
    [-1, -3, -6, -6.5, -7, -12, -20].forEach((db, i) => move(10 + i * 0.1, db));
    expect(model.automation.points(KEY).length).toBeGreaterThan(3);
    expect(rec.recording.has(KEY)).toBe(true);
    rec.hold(KEY, false);
    expect(rec.recording.size).toBe(0);
    const pts = model.automation.points(KEY);
    // Punched in: the static value holds right up to the take (the song before it keeps its level).
    expect(pts[0]).toMatchObject({ t: 9.99, v: 0 });
    expect(pts[1]).toMatchObject({ t: 10, v: -1 });
    expect(pts.find((p) => Math.abs(p.t - 10.6) < 1e-9)?.v).toBe(-20);
    expect(pts[pts.length - 1].t).toBeCloseTo(10.6 + RETURN_SECONDS, 9);
    expect(pts[pts.length - 1].v).toBe(0);
    rec.dispose();
  });

  it('Read: moves change only the static value', () => {
    const { model, move } = setup('read');
    move(1, -6);
    expect(model.automation.points(KEY)).toEqual([]);
    expect(model.getChannelParam('lead', 'gain')).toBe(-6);
  });

  it('Latch: keeps the last value until playback stops; a take over an old curve leaves it intact around the take', () => {
    vi.useFakeTimers();
    const { model, rec, move, at } = setup('latch');
    model.automation.setPoints(KEY, [{ t: 0, v: -10, shape: 'linear' }, { t: 20, v: -10, shape: 'linear' }]);
    rec.hold(KEY, true);
    move(5, -3);
    move(5.2, -4);
    rec.hold(KEY, false);
    at(8);
    rec.tick();
    at(null); // stopped
    rec.tick();
    const pts = model.automation.points(KEY);
    expect(pts[0]).toMatchObject({ t: 0, v: -10 });
    expect(pts.some((p) => Math.abs(p.t - 4.99) < 1e-9 && Math.abs(p.v + 10) < 1e-6)).toBe(true);
    expect(pts.some((p) => p.t === 8 && p.v === -4)).toBe(true);
    expect(pts.some((p) => Math.abs(p.t - (8 + RETURN_SECONDS)) < 1e-9 && Math.abs(p.v + 10) < 1e-6)).toBe(true);
    expect(pts[pts.length - 1]).toMatchObject({ t: 20, v: -10 });
    rec.dispose();
  });

  it('a loop jump during a Latch take: the pass ends at the loop end, the take goes on from the loop start, no ramp across the jump', () => {
    vi.useFakeTimers();
    const { model, rec, move, at } = setup('latch', 20);
    at(null);
    model.setChannelGain('lead', -10);
    rec.hold(KEY, true);
    move(18, -6);
    move(19, -8);
    rec.hold(KEY, false);
    for (let t = 19.05; t < 19.96; t += 0.05) {
      at(t);
      rec.tick();
    }
    // Playback loops back to the start: the take goes on (Latch keeps its value), then a new move.
    at(0.02);
    rec.tick();
    expect(rec.recording.has(KEY)).toBe(true);
    at(0.5);
    rec.tick();
    move(1, -2);
    at(2);
    rec.tick();
    at(null);
    rec.tick();
    const lane = model.automation.lane(KEY)!;
    const pts = model.automation.points(KEY);
    // The first pass holds its last value right up to the loop end.
    expect(pts.some((p) => p.t === 20 && p.v === -8)).toBe(true);
    expect(valueAt(lane, 19.99)).toBeCloseTo(-8, 6);
    expect(valueAt(lane, 18.5)).toBeCloseTo(-7, 6);
    // The second pass starts at the latched value (no ramp from the loop end's value to it, none from 0 dB).
    expect(valueAt(lane, 0.02)).toBeCloseTo(-8, 6);
    expect(valueAt(lane, 0.5)).toBeCloseTo(-8, 6);
    expect(valueAt(lane, 1)).toBeCloseTo(-2, 6);
    expect(valueAt(lane, 2)).toBeCloseTo(-2, 6);
    // After the take, the lane returns to the static value the take started from, which holds up to the first pass.
    expect(valueAt(lane, 2 + RETURN_SECONDS)).toBeCloseTo(-10, 6);
    expect(valueAt(lane, 17.99)).toBeCloseTo(-10, 6);
    // Nothing between the two passes' ends was written (no segment joins 20 s to 0 s).
    expect(pts.every((p) => p.t <= 20)).toBe(true);
    rec.dispose();
  });

  it('a seek back during a Touch take while held: the take goes on from there, the first pass stays after it', () => {
    vi.useFakeTimers();
    const { model, rec, move, at } = setup('touch');
    rec.hold(KEY, true);
    move(10, -3);
    move(11, -5);
    move(12, -7);
    at(10.5);
    rec.tick();
    move(10.6, -1);
    rec.hold(KEY, false);
    const lane = model.automation.lane(KEY)!;
    expect(valueAt(lane, 10.6)).toBeCloseTo(-1, 6);
    // Released at 10.6: the lane returns to the first pass (still there from 11 s on), not to 0 dB.
    expect(valueAt(lane, 10.6 + RETURN_SECONDS)).toBeCloseTo(-4.4, 1);
    expect(valueAt(lane, 12)).toBeCloseTo(-7, 6);
    rec.dispose();
  });
});
