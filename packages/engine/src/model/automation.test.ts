import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MixModel, initializeMix, paramKey } from './mix-model';
import { mixStateFromUpdate, diffMixStates } from './diff';
import { describeParamKeys } from './mix-history';
import { CHANNEL_PARAMS, dbToGain } from './params';
import { laneFromPoints, renderLaneBlock, thinPoints, valueAt, type AutomationPoint } from './automation';
import { CHUNK_SECONDS, POINT_BYTES } from './automation-store';

const CHANNELS = [
  { id: 'lead', name: 'Lead', stemId: 's1' },
  { id: 'bass', name: 'Bass', stemId: 's2' },
];
const LEAD_GAIN = paramKey({ kind: 'channel', channelId: 'lead' }, 'gain');
const LEAD_PAN = paramKey({ kind: 'channel', channelId: 'lead' }, 'pan');

function twoPeople(connected = true) {
  const a = new Y.Doc();
  initializeMix(a, CHANNELS);
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a), 'server');
  const queue: Array<[Y.Doc, Uint8Array]> = [];
  const relay = (to: Y.Doc) => (u: Uint8Array, origin: unknown) => {
    if (origin === 'server') return;
    if (connected) Y.applyUpdate(to, u, 'server');
    else queue.push([to, u]);
  };
  a.on('update', relay(b));
  b.on('update', relay(a));
  const flush = () => {
    for (const [to, u] of queue.splice(0)) Y.applyUpdate(to, u, 'server');
  };
  return { a, b, A: new MixModel(a), B: new MixModel(b), flush };
}

const p = (t: number, v: number, shape: AutomationPoint['shape'] = 'linear'): AutomationPoint => ({ t, v, shape });

describe('automation curves', () => {
  const gain = CHANNEL_PARAMS.gain;
  it('linear moves evenly in the unit, exp evenly in amplitude for gains, hold steps', () => {
    const lane = laneFromPoints([p(1, -20), p(3, 0, 'exp'), p(5, -6, 'hold'), p(6, -12)], gain);
    expect(valueAt(lane, 0)).toBe(-20);
    expect(valueAt(lane, 2)).toBeCloseTo(-10, 12);
    // Halfway in amplitude between 0 dB (1.0) and −6 dB (0.501).
    expect(dbToGain(valueAt(lane, 4))).toBeCloseTo((1 + dbToGain(-6)) / 2, 12);
    expect(valueAt(lane, 5.99)).toBe(-6);
    expect(valueAt(lane, 6)).toBe(-12);
    expect(valueAt(lane, 100)).toBe(-12);
    const freq = laneFromPoints([p(0, 100, 'exp'), p(1, 10000)], CHANNEL_PARAMS['hpf.freq']);
    expect(valueAt(freq, 0.5)).toBeCloseTo(1000, 9);
    const mute = laneFromPoints([p(0, 0), p(1, 1)], CHANNEL_PARAMS.mute);
    expect(valueAt(mute, 0.99)).toBe(0);
  });

  it('the block renderer gives every frame what valueAt gives', () => {
    const lane = laneFromPoints([p(0.001, -20), p(0.002, 0, 'exp'), p(0.003, -6, 'hold'), p(0.0035, -12)], gain);
    const out = new Float32Array(256);
    renderLaneBlock(lane, 0.0005, 48000, out);
    out.forEach((x, k) => expect(x).toBeCloseTo(valueAt(lane, 0.0005 + k / 48000), 4));
  });

  it('thinning keeps the shape of a ride within the tolerance and drops what lies on a line', () => {
    const ride = Array.from({ length: 1000 }, (_, i) => p(i / 100, i < 500 ? -10 + i * 0.01 : -5));
    const thin = thinPoints(ride, 0.05);
    expect(thin.length).toBeLessThan(6);
    const lane = laneFromPoints(thin, gain);
    for (const q of ride) expect(Math.abs(valueAt(lane, q.t) - q.v)).toBeLessThanOrEqual(0.05 + 1e-9);
  });
});

describe('automation in the mix document', () => {
  it('both people see a drawn lane; values are checked against the parameter', () => {
    const { A, B } = twoPeople();
    A.automation.setPoints(LEAD_GAIN, [p(1, -6), p(10, 0), p(12, 99)]);
    expect(B.automation.points(LEAD_GAIN).map((q) => [q.t, q.v])).toEqual([[1, -6], [10, 0], [12, 12]]);
    expect(Object.keys(B.getState().automation)).toEqual([LEAD_GAIN]);
    // Mode 'off' keeps the lane but it does not play.
    A.automation.setMode({ kind: 'channel', channelId: 'lead' }, 'off');
    expect(B.getState().automation).toEqual({});
    expect(A.automation.setPoints('ch:lead/nope', [p(0, 1)])).toBe(false);
  });

  it('garbage written into the document by a misbehaving client is ignored', () => {
    const { a, A } = twoPeople();
    const arr = new Y.Array<unknown>();
    a.getMap('automation').set('999', arr);
    arr.push([{ k: `${LEAD_GAIN}#0`, v: new Uint8Array(7), t: 1e9 }, { k: `${LEAD_PAN}#0`, v: 'x', t: 1e9 }]);
    expect(A.automation.points(LEAD_GAIN)).toEqual([]);
    expect(A.getState().automation).toEqual({});
  });

  it('concurrent writes by two people converge; edits of different passages both survive', () => {
    const { A, B, flush } = twoPeople(false);
    A.automation.replace(LEAD_GAIN, 0, 3, [p(0, -3), p(3, -6)]);
    B.automation.replace(LEAD_GAIN, 20, 25, [p(20, -10), p(25, 0)]);
    // The same passage at once: one of the two wins, the same one for both.
    A.automation.replace(LEAD_PAN, 0, 2, [p(0, -1), p(2, 1)]);
    B.automation.replace(LEAD_PAN, 0, 2, [p(1, 0.5)]);
    flush();
    const ga = A.automation.points(LEAD_GAIN);
    expect(ga).toEqual(B.automation.points(LEAD_GAIN));
    expect(ga.map((q) => q.t)).toEqual([0, 3, 20, 25]);
    expect(A.automation.points(LEAD_PAN)).toEqual(B.automation.points(LEAD_PAN));
    expect(A.automation.points(LEAD_PAN).length).toBeGreaterThan(0);
  });

  it('stays bounded: 100,000 recorded moves keep only the current curve', () => {
    const { a, A, B } = twoPeople();
    // Two people ride two faders over the same 60 s passage again and again (a take, another
    // take…): 100,000 moves written in flushes of 10, as the recorder does every ~100 ms.
    const rnd = mulberry32(7);
    let flushes = 0;
    const pending: AutomationPoint[][] = [[], []];
    for (let i = 0; i < 100_000; i++) {
      const who = i % 2;
      const t = ((i >> 1) % 3000) / 50; // 50 moves a second each, 60 s per take
      pending[who].push(p(t, Math.round((-30 + rnd() * 30) * 10) / 10));
      if (pending[who].length === 10) {
        const pts = pending[who];
        (who === 0 ? A : B).automation.replace(who === 0 ? LEAD_GAIN : 'ch:bass/gain', pts[0].t, pts[pts.length - 1].t, pts);
        pending[who] = [];
        flushes++;
      }
    }
    const bytes = Y.encodeStateAsUpdate(a).length;
    const live = A.automation.points(LEAD_GAIN).length + A.automation.points('ch:bass/gain').length;
    const curveBytes = live * POINT_BYTES;
    console.log(`100,000 moves in ${flushes} writes: ${live} breakpoints (${curveBytes} B of curve), document ${bytes} B`);
    expect(B.automation.points(LEAD_GAIN)).toEqual(A.automation.points(LEAD_GAIN));
    // The current curves plus a small, fixed overhead per piece — not the 100,000 moves.
    const pieces = 2 * Math.ceil(60 / CHUNK_SECONDS);
    expect(bytes).toBeLessThan(curveBytes * 1.2 + pieces * 100 + 2000);
    // A reloaded copy reads the same curve.
    expect(mixStateFromUpdate(Y.encodeStateAsUpdate(a)).automation[LEAD_GAIN].t.length).toBe(A.automation.points(LEAD_GAIN).length);
  });

  it('undo takes back your own automation edit, not the other person’s', () => {
    const { A, B } = twoPeople();
    const history = A.createHistory();
    A.automation.setPoints(LEAD_GAIN, [p(1, -6), p(5, 0)]);
    history.endGesture();
    B.automation.replace('ch:bass/gain', 0, 1, [p(0, -3)]);
    expect(history.getSnapshot().undoKeys).toEqual([`${LEAD_GAIN}#auto`]);
    expect(describeParamKeys(history.getSnapshot().undoKeys, A)).toBe('Lead Fader automation');
    history.undo();
    expect(B.automation.points(LEAD_GAIN)).toEqual([]);
    expect(A.automation.points('ch:bass/gain').length).toBe(1);
    history.redo();
    expect(B.automation.points(LEAD_GAIN).length).toBe(2);
    history.destroy();
  });

  it('a version’s changes name the automation changed, by control and time range', () => {
    const { a, A } = twoPeople();
    A.automation.setPoints(LEAD_GAIN, [p(60, -6), p(72, -3), p(100, 0)]);
    const v1 = mixStateFromUpdate(Y.encodeStateAsUpdate(a));
    A.automation.replace(LEAD_GAIN, 70, 101, [p(72, -1), p(100, -2)]);
    A.automation.setPoints(LEAD_PAN, [p(5, 0.5)]);
    const v2 = mixStateFromUpdate(Y.encodeStateAsUpdate(a));
    expect(diffMixStates(v1, v2)).toEqual(['Lead Fader automation changed 1:12–1:40', 'Lead Pan automation added 0:05–0:05']);
  });
});

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
