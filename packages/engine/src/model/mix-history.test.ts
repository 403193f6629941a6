import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MixModel, initializeMix } from './mix-model';
import { describeParamKeys } from './mix-history';

const CHANNELS = [
  { id: 'bass', name: 'Bass', stemId: 's1' },
  { id: 'keys', name: 'Keys', stemId: 's2' },
];

/** Two replicas joined like two browsers through the server: every update reaches the other with a remote origin. */
function twoPeople() {
  const a = new Y.Doc();
  initializeMix(a, CHANNELS);
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a), 'server');
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'server' && Y.applyUpdate(b, u, 'server'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'server' && Y.applyUpdate(a, u, 'server'));
  return { A: new MixModel(a), B: new MixModel(b) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gain = (m: MixModel, ch: string) => m.getChannelParam(ch, 'gain');

describe('MixHistory: undo and redo of your own moves', () => {
  it('a fader drag is one step: undo returns to where it started, redo to where it ended, for both people', () => {
    const { A, B } = twoPeople();
    const history = A.createHistory();
    let notified = 0;
    history.subscribe(() => notified++);
    for (let db = -0.5; db >= -12; db -= 0.5) A.setChannelGain('bass', db);
    history.endGesture();
    // 24 moves of one drag: the buttons hear of the new step once, not once per move.
    expect(notified).toBe(1);
    expect(history.getSnapshot()).toMatchObject({ canUndo: true, canRedo: false, undoKeys: ['ch:bass/gain'] });
    expect(history.undo()).toEqual(['ch:bass/gain']);
    expect([gain(A, 'bass'), gain(B, 'bass')]).toEqual([0, 0]);
    expect(history.getSnapshot()).toMatchObject({ canUndo: false, canRedo: true, redoKeys: ['ch:bass/gain'] });
    history.redo();
    expect([gain(A, 'bass'), gain(B, 'bass')]).toEqual([-12, -12]);
    history.destroy();
  });

  it('touching another control starts a new step at once; so does letting go and grabbing the same one again', () => {
    const { A } = twoPeople();
    const history = A.createHistory();
    A.setChannelGain('bass', -6);
    A.setMute('keys', true);
    A.setChannelGain('bass', -9);
    history.endGesture();
    A.setChannelGain('bass', -10);
    expect(history.undo()).toEqual(['ch:bass/gain']);
    expect(gain(A, 'bass')).toBe(-9);
    expect(history.undo()).toEqual(['ch:bass/gain']);
    expect(gain(A, 'bass')).toBe(-6);
    expect(history.undo()).toEqual(['ch:keys/mute']);
    expect(A.getChannelParam('keys', 'mute')).toBe(0);
    expect(history.undo()).toEqual(['ch:bass/gain']);
    expect(gain(A, 'bass')).toBe(0);
    expect(history.getSnapshot().canUndo).toBe(false);
    history.destroy();
  });

  it('moves of one control further apart than the capture window are separate steps', async () => {
    const { A } = twoPeople();
    const history = A.createHistory({ captureMs: 30 });
    A.setChannelGain('bass', -3);
    await wait(60);
    A.setChannelGain('bass', -6);
    history.undo();
    expect(gain(A, 'bass')).toBe(-3);
    history.destroy();
  });

  it('a held drag stays one step through pauses longer than the capture window (a loaded page stalls between pointer events)', async () => {
    const { A, B } = twoPeople();
    const history = A.createHistory({ captureMs: 30 });
    A.setChannelGain('bass', -1);
    history.beginGesture(); // a new grab: not merged into the nudge just before
    A.setChannelGain('bass', -2);
    await wait(60);
    A.setChannelGain('bass', -6);
    await wait(60);
    A.setChannelGain('bass', -8);
    history.endGesture();
    expect(history.undo()).toEqual(['ch:bass/gain']);
    expect([gain(A, 'bass'), gain(B, 'bass')]).toEqual([-1, -1]);
    // Released: the window applies again between keyboard nudges.
    A.setChannelGain('bass', -3);
    await wait(60);
    A.setChannelGain('bass', -4);
    history.undo();
    expect(gain(A, 'bass')).toBe(-3);
    history.destroy();
  });

  it("undo never touches the other person's moves, and never overwrites a control they moved since", () => {
    const { A, B } = twoPeople();
    const history = A.createHistory();
    A.setChannelGain('bass', -6);
    history.endGesture();
    B.setChannelGain('keys', -4); // another control: stays
    A.setChannelGain('keys', -8);
    history.endGesture();
    B.setChannelGain('keys', -2); // B moves the control A moved last: B's value is newer
    expect(history.getSnapshot().undoKeys).toEqual(['ch:keys/gain']);
    history.undo();
    expect([gain(A, 'keys'), gain(B, 'keys')]).toEqual([-2, -2]);
    // Nothing visible changed, but the redo button still names the control.
    expect(history.getSnapshot().redoKeys).toEqual(['ch:keys/gain']);
    history.undo();
    expect([gain(A, 'bass'), gain(B, 'bass')]).toEqual([0, 0]);
    expect([gain(A, 'keys'), gain(B, 'keys')]).toEqual([-2, -2]);
    // B's own moves were never on A's stack.
    expect(history.getSnapshot().canUndo).toBe(false);
    history.destroy();
  });

  it('undo restores a value the other person had set before your move', () => {
    const { A, B } = twoPeople();
    B.setChannelGain('bass', -5);
    const history = A.createHistory();
    A.setChannelGain('bass', -20);
    history.undo();
    expect([gain(A, 'bass'), gain(B, 'bass')]).toEqual([-5, -5]);
    history.redo();
    expect([gain(A, 'bass'), gain(B, 'bass')]).toEqual([-20, -20]);
    history.destroy();
  });

  it('a change of many controls in one transaction (reset, apply a delivery target) is one step; a new move clears redo', () => {
    const { A } = twoPeople();
    const history = A.createHistory();
    A.setChannelGain('bass', -3);
    history.endGesture();
    A.doc.transact(() => {
      A.setChannelGain('bass', 0);
      A.setParam({ kind: 'master' }, 'limiter.on', 1);
      A.setParam({ kind: 'master' }, 'limiter.ceiling', -2);
    });
    expect(history.getSnapshot().undoKeys.length).toBe(3);
    expect(describeParamKeys(history.getSnapshot().undoKeys, A)).toBe('3 controls');
    history.undo();
    expect(gain(A, 'bass')).toBe(-3);
    expect(A.getMasterParam('limiter.ceiling')).not.toBe(-2);
    expect(history.getSnapshot().canRedo).toBe(true);
    A.setPan('keys', 0.5);
    expect(history.getSnapshot().canRedo).toBe(false);
    history.destroy();
  });

  it('the first move ever made by a replica can be undone and redone without losing its later moves', () => {
    const { A, B } = twoPeople();
    const history = A.createHistory();
    A.setChannelGain('bass', -7); // creates A's own register array
    history.endGesture();
    A.setChannelGain('keys', -9);
    history.undo();
    history.undo();
    expect([gain(A, 'bass'), gain(A, 'keys')]).toEqual([0, 0]);
    history.redo();
    history.redo();
    expect([gain(A, 'bass'), gain(A, 'keys'), gain(B, 'bass'), gain(B, 'keys')]).toEqual([-7, -9, -7, -9]);
    A.setChannelGain('bass', -1);
    expect(gain(B, 'bass')).toBe(-1);
    history.destroy();
  });

  it('names a step for the undo button', () => {
    const { A } = twoPeople();
    expect(describeParamKeys(['ch:bass/gain'], A)).toBe('Bass Fader');
    expect(describeParamKeys(['master/limiter.ceiling'], A)).toMatch(/^Master /);
    expect(describeParamKeys(['fx:reverb/return.mute'], A)).toMatch(/^Reverb /);
    expect(describeParamKeys([], A)).toBe('');
  });
});
