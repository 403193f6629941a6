import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MixModel, initializeMix } from '@mixroom/engine';
import { WindowChanges } from './window-changes.js';

/** A document (gc on, like a room's) whose every transaction is recorded as the room records it, and also kept as its update. */
function recorded() {
  const doc = new Y.Doc({ gc: true });
  const window = new WindowChanges();
  let updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
    for (const [client, clock] of tr.afterState) window.addStructs(client, tr.beforeState.get(client) ?? 0, clock);
    window.addDeletes(tr.deleteSet);
    window.count++;
    updates.push(u);
  });
  return {
    doc,
    /** The window as one update, and the window's updates as the batcher merged them before. */
    take() {
      const taken = window.take(doc.store);
      const merged = updates.length > 0 ? Y.mergeUpdates(updates) : null;
      updates = [];
      return { taken, merged };
    },
  };
}

/** Content of every root (typed as in `typed`), state vector and delete set. */
function stateOf(d: Y.Doc, typed: Y.Doc) {
  const json = Object.fromEntries([...typed.share].map(([name, type]) => [name, d.get(name, type.constructor as any).toJSON()]));
  return { json, sv: Y.encodeStateVector(d), ds: [...Y.createDeleteSetFromStructStore(d.store).clients].sort((a, b) => a[0] - b[0]) };
}

describe('WindowChanges', () => {
  it('fader moves: each window is one small update, and the rows load to the live state (as merged updates did)', () => {
    const source = recorded();
    initializeMix(source.doc, Array.from({ length: 5 }, (_, i) => ({ id: `c${i}`, name: `Ch ${i}`, stemId: `s${i}` })));
    // Five writers, as five browsers: their updates applied to the room's doc.
    const writers = Array.from({ length: 5 }, () => new Y.Doc());
    for (const w of writers) Y.applyUpdate(w, Y.encodeStateAsUpdate(source.doc));
    const models = writers.map((w) => new MixModel(w));
    writers.forEach((w) => w.on('update', (u: Uint8Array) => Y.applyUpdate(source.doc, u)));
    const rows: Uint8Array[] = [];
    const oldRows: Uint8Array[] = [];
    for (let i = 0; i < 400; i++) {
      models[i % 5].setChannelGain(`c${i % 5}`, -30 + i * 0.01);
      if (i % 8 === 7 || i === 399) {
        const { taken, merged } = source.take();
        rows.push(taken!);
        oldRows.push(merged!);
      }
    }
    expect(source.take().taken).toBeNull();
    const loaded = new Y.Doc();
    for (const r of rows) Y.applyUpdate(loaded, r);
    const loadedOld = new Y.Doc();
    for (const r of oldRows) Y.applyUpdate(loadedOld, r);
    expect(stateOf(loaded, source.doc)).toEqual(stateOf(source.doc, source.doc));
    expect(stateOf(loaded, source.doc)).toEqual(stateOf(loadedOld, source.doc));
    expect(new MixModel(loaded).getChannelParam('c3', 'gain')).toBeCloseTo(-30 + 398 * 0.01);
    expect(loaded.store.pendingStructs).toBeNull();
    // Not bigger than the merge (which keeps each overwritten value's content).
    expect(rows.slice(1).reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(oldRows.slice(1).reduce((n, r) => n + r.length, 0));
  });

  it('text and arrays: runs split and merged across windows, deletes inside earlier windows', () => {
    const source = recorded();
    const text = source.doc.getText('t');
    const arr = source.doc.getArray<number>('a');
    const map = source.doc.getMap<unknown>('m');
    let seed = 7;
    const r = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rows: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) {
      const pick = Math.floor(r() * 6);
      if (pick === 0) text.insert(Math.floor(r() * (text.length + 1)), 'xyz'.slice(0, 1 + Math.floor(r() * 3)));
      else if (pick === 1 && text.length > 0) { const at = Math.floor(r() * text.length); text.delete(at, Math.min(text.length - at, 1 + Math.floor(r() * 5))); }
      else if (pick === 2) arr.insert(Math.floor(r() * (arr.length + 1)), [i, i + 1]);
      else if (pick === 3 && arr.length > 0) arr.delete(Math.floor(r() * arr.length), 1);
      else if (pick === 4) map.set(`k${i % 3}`, new Y.Map([['v', i]]));
      else source.doc.transact(() => { text.insert(0, 'ab'); if (arr.length > 0) arr.delete(0, 1); map.delete(`k${i % 3}`); });
      if (r() < 0.2) rows.push(source.take().taken ?? new Uint8Array([0, 0]));
    }
    rows.push(source.take().taken ?? new Uint8Array([0, 0]));
    const loaded = new Y.Doc();
    for (const row of rows) Y.applyUpdate(loaded, row);
    expect(stateOf(loaded, source.doc)).toEqual(stateOf(source.doc, source.doc));
    expect(loaded.store.pendingStructs).toBeNull();
    expect(loaded.store.pendingDs).toBeNull();
  });
});
