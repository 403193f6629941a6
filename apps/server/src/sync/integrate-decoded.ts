import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import type { DecodedUpdate } from './update-guard.js';

/**
 * Applying a client update the guard has already decoded, without Y.applyUpdate decoding it a
 * second time (issue 19: the decode was paid twice for every fader move).
 *
 * Only for updates whose application is plain: the document has nothing parked, every struct is an
 * Item, each writer's structs start exactly at the document's clock for it (no overlap, no gap),
 * every reference (origin, right origin, parent) resolves in the document or in an item integrated
 * before it, and every delete falls on what the document then holds. For those, Yjs' own
 * readUpdate would integrate every struct and apply every delete, parking nothing: the plan below
 * replays its integration order (writers by descending id, a writer's pending dependency first)
 * and integrateDecoded does what it does per struct (getMissing, integrate) and per delete (split,
 * delete), through the same exported methods. Everything else — fresh GC or Skip structs, gaps,
 * updates that would park something or release what is parked, a writer named in two sections
 * (Yjs keeps only the last) — returns null, and the caller uses Y.applyUpdate as before.
 */
export function planIntegration(doc: Y.Doc, update: Uint8Array, decoded: DecodedUpdate): Y.Item[] | null {
  const store = doc.store;
  if (store.pendingStructs !== null || store.pendingDs !== null) return null;
  const byClient = new Map<number, { i: number; refs: Y.Item[] }>();
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) return null;
    let entry = byClient.get(s.id.client);
    if (!entry) byClient.set(s.id.client, (entry = { i: 0, refs: [] }));
    entry.refs.push(s);
  }
  // The update's first varuint is its number of writer sections: one per writer here, or Yjs would read it differently.
  if (decoding.readVarUint(decoding.createDecoder(update)) !== byClient.size) return null;

  const state = new Map<number, number>();
  for (const client of byClient.keys()) state.set(client, Y.getState(store, client));
  const plan: Y.Item[] = [];
  // Yjs' integrateStructs without the parking: highest writer id first, a missing dependency's writer pushed on a stack.
  const ids = [...byClient.keys()];
  if (ids.length > 1) ids.sort((a, b) => a - b);
  let current = nextTarget(byClient, ids);
  if (current) {
    const stack: Y.Item[] = [];
    let head = current.refs[current.i++];
    for (;;) {
      if (stateOf(store, state, head.id.client) !== head.id.clock) return null;
      const missing = missingWriter(store, state, head);
      if (missing === head.id.client) return null;
      if (missing !== null) {
        const target = byClient.get(missing);
        if (!target || target.i === target.refs.length) return null;
        stack.push(head);
        head = target.refs[target.i++];
        continue;
      }
      plan.push(head);
      state.set(head.id.client, head.id.clock + head.length);
      if (stack.length > 0) head = stack.pop()!;
      else if (current && current.i < current.refs.length) head = current.refs[current.i++];
      else {
        current = nextTarget(byClient, ids);
        if (!current) break;
        head = current.refs[current.i++];
      }
    }
  }
  for (const [client, ranges] of decoded.ds.clients) {
    const known = stateOf(store, state, client);
    // Yjs parks any range that starts at or reaches past the state (even an empty one).
    for (const { clock, len } of ranges) if (clock >= known || clock + len > known) return null;
  }
  return plan;
}

/** Integrates a plan from planIntegration and applies the update's deletes, inside `tr` (a remote transaction). */
export function integrateDecoded(tr: Y.Transaction, plan: Y.Item[], decoded: DecodedUpdate): void {
  const doc = tr.doc;
  const store = doc.store;
  for (const item of plan) {
    // Decoded apart from a document, an item under a root names it; Yjs' own reader looks it up.
    const parent = item.parent as unknown;
    if (typeof parent === 'string') item.parent = doc.get(parent);
    if (item.getMissing(tr, store) !== null) throw new Error(`planned item ${item.id.client}:${item.id.clock} lacks a dependency`);
    item.integrate(tr, 0);
  }
  for (const [client, ranges] of decoded.ds.clients) {
    const structs = store.clients.get(client);
    if (!structs) continue;
    for (const { clock, len } of ranges) deleteRange(tr, structs, client, clock, clock + len);
  }
}

function nextTarget(byClient: Map<number, { i: number; refs: Y.Item[] }>, ids: number[]): { i: number; refs: Y.Item[] } | null {
  while (ids.length > 0) {
    const target = byClient.get(ids[ids.length - 1])!;
    if (target.i < target.refs.length) return target;
    ids.pop();
  }
  return null;
}

function stateOf(store: Y.Doc['store'], state: Map<number, number>, client: number): number {
  return state.get(client) ?? Y.getState(store, client);
}

/** The writer of the first reference of `item` not integrated yet (as Item.getMissing sees it, but for its own writer too), or null. */
function missingWriter(store: Y.Doc['store'], state: Map<number, number>, item: Y.Item): number | null {
  if (item.origin && item.origin.clock >= stateOf(store, state, item.origin.client)) return item.origin.client;
  if (item.rightOrigin && item.rightOrigin.clock >= stateOf(store, state, item.rightOrigin.client)) return item.rightOrigin.client;
  const parent = item.parent as unknown;
  if (parent instanceof Y.ID && parent.clock >= stateOf(store, state, parent.client)) return parent.client;
  return null;
}

/** Yjs' readAndApplyDeleteSet for one range that lies within the document's state. */
function deleteRange(tr: Y.Transaction, structs: Array<Y.Item | Y.GC>, client: number, clock: number, end: number): void {
  let index = Y.findIndexSS(structs, clock);
  const first = structs[index];
  if (!first.deleted && first.id.clock < clock) {
    Y.getItemCleanStart(tr, Y.createID(client, clock));
    index++;
  }
  while (index < structs.length) {
    const struct = structs[index++];
    if (struct.id.clock >= end) break;
    if (struct instanceof Y.Item && !struct.deleted) {
      if (end < struct.id.clock + struct.length) Y.getItemCleanEnd(tr, tr.doc.store, Y.createID(client, end - 1));
      struct.delete(tr);
    }
  }
}
