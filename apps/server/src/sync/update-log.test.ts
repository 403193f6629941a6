import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MixModel, initializeMix } from '@mixroom/engine';
import { squashUpdatesInTurns } from './update-log.js';

const record = (doc: Y.Doc) => {
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  return updates;
};

describe('squashUpdatesInTurns', () => {
  it('keeps the state and drops what fader moves deleted (Y.mergeUpdates kept every move)', async () => {
    const doc = new Y.Doc();
    const updates = record(doc);
    initializeMix(doc, [{ id: 'c0', name: 'Ch 0', stemId: 's0' }]);
    const model = new MixModel(doc);
    for (let i = 0; i < 500; i++) model.setChannelGain('c0', -30 + i * 0.01);
    const squashed = await squashUpdatesInTurns(updates, 7);
    expect(squashed.length).toBeLessThan(1000);
    expect(Y.mergeUpdates(updates).length).toBeGreaterThan(10_000);
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, squashed);
    expect(new MixModel(loaded).getChannelParam('c0', 'gain')).toBeCloseTo(-30 + 499 * 0.01);
    expect(Y.encodeStateVector(loaded)).toEqual(Y.encodeStateVector(doc));
    // Squashing again (the next compaction reads the squashed row and newer ones) changes nothing.
    const again = new Y.Doc();
    Y.applyUpdate(again, await squashUpdatesInTurns([squashed]));
    expect(Y.encodeStateAsUpdate(again)).toEqual(Y.encodeStateAsUpdate(loaded));
  });

  it('keeps updates that cannot be integrated yet (a gap in a writer\'s clock)', async () => {
    const doc = new Y.Doc();
    const updates = record(doc);
    const map = doc.getMap('settings');
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    // The row with 'b' is missing (another process's, not committed yet): 'c' builds on it.
    const squashed = await squashUpdatesInTurns([updates[0], updates[2]], 1);
    const later = new Y.Doc();
    Y.applyUpdate(later, squashed);
    expect(later.getMap('settings').toJSON()).toEqual({ a: 1 });
    Y.applyUpdate(later, updates[1]);
    expect(later.getMap('settings').toJSON()).toEqual({ a: 1, b: 2, c: 3 });
  });
});
