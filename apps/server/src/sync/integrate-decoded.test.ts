import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mulberry32 } from '@mixroom/engine';
import { integrateDecoded, planIntegration } from './integrate-decoded.js';

/** Seeded, so a failure names a seed that replays it. */
const rng = mulberry32;

/** Applies `update` the way the room does: the decoded structs when planIntegration allows, else Y.applyUpdate. */
function applyDecoded(doc: Y.Doc, update: Uint8Array): boolean {
  const decoded = Y.decodeUpdate(update);
  const plan = planIntegration(doc, update, decoded);
  if (!plan) {
    Y.applyUpdate(doc, update);
    return false;
  }
  Y.transact(doc, (tr) => integrateDecoded(tr, plan, decoded), null, false);
  return true;
}

/** One random edit of `doc`: map sets and deletes, nested maps, array and text inserts and range deletes (which split items). */
function edit(doc: Y.Doc, r: () => number): void {
  const pick = Math.floor(r() * 7);
  const map = doc.getMap<unknown>('m');
  const arr = doc.getArray<number>('a');
  const text = doc.getText('t');
  switch (pick) {
    case 0: map.set(`k${Math.floor(r() * 4)}`, Math.floor(r() * 100)); break;
    case 1: map.delete(`k${Math.floor(r() * 4)}`); break;
    case 2: {
      let inner = map.get('nested');
      if (!(inner instanceof Y.Map)) map.set('nested', (inner = new Y.Map()));
      (inner as Y.Map<number>).set(`n${Math.floor(r() * 3)}`, Math.floor(r() * 100));
      break;
    }
    case 3: arr.insert(Math.floor(r() * (arr.length + 1)), [1, 2, 3].slice(0, 1 + Math.floor(r() * 3))); break;
    case 4: if (arr.length > 0) { const at = Math.floor(r() * arr.length); arr.delete(at, Math.min(arr.length - at, 1 + Math.floor(r() * 3))); } break;
    case 5: text.insert(Math.floor(r() * (text.length + 1)), 'abcdef'.slice(0, 1 + Math.floor(r() * 6))); break;
    default: if (text.length > 0) { const at = Math.floor(r() * text.length); text.delete(at, Math.min(text.length - at, 1 + Math.floor(r() * 4))); }
  }
}

describe('integrateDecoded', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('leaves a document exactly as Y.applyUpdate does, update after update (seed %i)', (seed) => {
    const r = rng(seed);
    // Three writers that see each other's edits late (so their updates refer to items the others
    // made, and deletes split runs), and two copies of the server: one fed with Y.applyUpdate, one the room's way.
    const writers = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const reference = new Y.Doc({ gc: true });
    const tested = new Y.Doc({ gc: true });
    const outbox: Uint8Array[][] = writers.map(() => []);
    writers.forEach((w, i) => w.on('update', (u: Uint8Array, origin: unknown) => { if (origin !== 'sync') outbox[i].push(u); }));
    let planned = 0;
    let total = 0;
    for (let step = 0; step < 300; step++) {
      const w = Math.floor(r() * writers.length);
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) edit(writers[w], r);
      if (r() < 0.4) continue;
      // Deliver: one writer's updates, sometimes merged with another's (an update with several
      // writers, one depending on the other), sometimes out of order (parked, then released).
      const from = Math.floor(r() * writers.length);
      let batch = outbox[from].splice(0);
      if (r() < 0.3) batch = batch.concat(outbox[(from + 1) % writers.length].splice(0));
      if (batch.length === 0) continue;
      if (r() < 0.1 && batch.length > 1) batch.reverse();
      const updates = r() < 0.5 ? [Y.mergeUpdates(batch)] : batch;
      for (const u of updates) {
        total++;
        Y.applyUpdate(reference, u);
        if (applyDecoded(tested, u)) planned++;
        expect(Y.encodeStateAsUpdate(tested)).toEqual(Y.encodeStateAsUpdate(reference));
      }
      // The server's state reaches every writer now and then.
      if (r() < 0.3) for (const wr of writers) Y.applyUpdate(wr, Y.encodeStateAsUpdate(reference, Y.encodeStateVector(wr)), 'sync');
    }
    expect(tested.toJSON()).toEqual(reference.toJSON());
    expect(Y.encodeStateVector(tested)).toEqual(Y.encodeStateVector(reference));
    // Most updates take the decoded path; the rest (parked, releasing, overlapping) go through Yjs.
    expect(planned).toBeGreaterThan(total / 2);
    expect(planned).toBeLessThan(total);
  });

  it('leaves to Yjs what it would park or release: a dependency missing, a gap, something already parked', () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    source.getArray<number>('a').push([1]);
    source.getArray<number>('a').push([2]);
    const doc = new Y.Doc();
    // The second push refers to the first: without it, Yjs parks it.
    expect(planIntegration(doc, updates[1], Y.decodeUpdate(updates[1]))).toBeNull();
    Y.applyUpdate(doc, updates[1]);
    expect(doc.store.pendingStructs).not.toBeNull();
    // Now the first would release the parked one: also Yjs' business.
    expect(planIntegration(doc, updates[0], Y.decodeUpdate(updates[0]))).toBeNull();
    Y.applyUpdate(doc, updates[0]);
    expect(doc.getArray('a').toJSON()).toEqual([1, 2]);

    // A writer named in two sections: Yjs reads only the last one, so the plan declines.
    const two = new Uint8Array([...[2], ...updates[0].subarray(1, updates[0].length - 1), ...updates[1].subarray(1)]);
    expect(planIntegration(new Y.Doc(), two, Y.decodeUpdate(two))).toBeNull();
  });
});
