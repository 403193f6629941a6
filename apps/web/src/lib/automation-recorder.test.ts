import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { MixModel, initializeMix } from '@mixroom/engine';
import { AutomationRecorder, RETURN_SECONDS } from './automation-recorder';

const KEY = 'ch:lead/gain';
const scope = { kind: 'channel' as const, channelId: 'lead' };

function setup(mode: string) {
  const doc = new Y.Doc();
  initializeMix(doc, [{ id: 'lead', name: 'Lead', stemId: 's1' }]);
  const model = new MixModel(doc);
  model.automation.setMode(scope, mode);
  let position: number | null = 10;
  const rec = new AutomationRecorder(model, () => position);
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
    expect(pts[0]).toMatchObject({ t: 10, v: -1 });
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
});
