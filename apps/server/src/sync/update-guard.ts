import * as Y from 'yjs';

/** Root of the mix model's channel structure (see @mixroom/engine's MixModel). */
export const CHANNELS_ROOT = 'channels';
/** Server-written: Yjs client id → user id of the member whose connection introduced it. */
export const CLIENT_OWNERS_ROOT = 'clientOwners';

/** What a client update would change, worked out from the decoded update and the room's doc without applying it. */
export interface UpdateFacts {
  /** Anything at all the doc does not have yet (new structs, or deletes of live or unknown items). */
  changes: boolean;
  /** Root types touched by new structs or by deletes of items that are still alive. */
  roots: Set<string>;
  /** Client ids under which the update writes structs the doc does not have yet, with the clock it reaches. */
  newClients: Map<number, number>;
  /** A new struct or delete refers to an item neither the doc nor the update has (it would be parked). */
  missing: boolean;
}

/**
 * A decoded item's parent is a root name, the id of the item holding its parent type, or null
 * (then it lives beside its origin / right origin). Ids are resolved in the update first, then
 * in the doc; a garbage-collected parent means the item would be discarded on integration.
 */
export function inspectUpdate(doc: Y.Doc, update: Uint8Array): UpdateFacts {
  const { structs, ds } = Y.decodeUpdate(update);
  const facts: UpdateFacts = { changes: false, roots: new Set(), newClients: new Map(), missing: false };
  const byClient = new Map<number, Y.Item[]>();
  for (const s of structs) {
    if (s instanceof Y.Item) {
      let list = byClient.get(s.id.client);
      if (!list) byClient.set(s.id.client, (list = []));
      list.push(s);
    }
  }
  const rootNames = new Map<Y.AbstractType<any>, string>();
  for (const [name, type] of doc.share) rootNames.set(type, name);

  // A root name; null: garbage-collected (the item would be discarded); undefined: unknown here.
  type Root = string | null | undefined;
  const GONE = null;
  const MISSING = undefined;
  const memo = new Map<Y.Item, Root>();

  const rootOfDocItem = (item: Y.Item): Root => {
    let type = item.parent as Y.AbstractType<any> | null;
    if (!(type instanceof Y.AbstractType)) return GONE;
    while (type._item) {
      const parent: unknown = type._item.parent;
      if (!(parent instanceof Y.AbstractType)) return GONE;
      type = parent;
    }
    return rootNames.get(type) ?? GONE;
  };
  const findInUpdate = (id: Y.ID): Y.Item | undefined => {
    const list = byClient.get(id.client);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid];
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s;
    }
    return undefined;
  };
  const rootOfId = (id: Y.ID, depth: number): Root => {
    if (id.clock < Y.getState(doc.store, id.client)) {
      const s = Y.getItem(doc.store, id);
      return s instanceof Y.Item ? rootOfDocItem(s) : GONE;
    }
    const own = findInUpdate(id);
    return own ? rootOfUpdateItem(own, depth + 1) : MISSING;
  };
  const rootOfUpdateItem = (item: Y.Item, depth: number): Root => {
    if (memo.has(item)) return memo.get(item);
    // Chains inside one update are bounded by its size; the bound only stops a crafted cycle.
    if (depth > 10_000) return MISSING;
    const parent = item.parent as unknown;
    let root: Root;
    if (typeof parent === 'string') root = parent;
    else if (parent instanceof Y.ID) root = rootOfId(parent, depth);
    else {
      const ref = item.origin ?? item.rightOrigin;
      root = ref ? rootOfId(ref, depth) : MISSING;
    }
    memo.set(item, root);
    return root;
  };

  for (const s of structs) {
    if (s instanceof Y.Skip) continue;
    const known = Y.getState(doc.store, s.id.client);
    const end = s.id.clock + s.length;
    if (end <= known) continue;
    facts.changes = true;
    facts.newClients.set(s.id.client, Math.max(facts.newClients.get(s.id.client) ?? 0, end));
    if (s.id.clock > known && !findInUpdate(Y.createID(s.id.client, known))) facts.missing = true;
    if (!(s instanceof Y.Item)) continue;
    const root = rootOfUpdateItem(s, 0);
    if (root === undefined) facts.missing = true;
    else if (root !== null) facts.roots.add(root);
  }

  for (const [client, ranges] of ds.clients) {
    const docStructs = doc.store.clients.get(client) ?? [];
    const known = Y.getState(doc.store, client);
    for (const { clock, len } of ranges) {
      const end = clock + len;
      if (clock < known && docStructs.length > 0) {
        for (let i = Y.findIndexSS(docStructs, clock); i < docStructs.length && docStructs[i].id.clock < end; i++) {
          const s = docStructs[i];
          // Re-sent deletes (every sync step 2 carries the whole delete set) change nothing.
          if (!(s instanceof Y.Item) || s.deleted) continue;
          facts.changes = true;
          const root = rootOfDocItem(s);
          if (root) facts.roots.add(root);
        }
      }
      for (let c = Math.max(clock, known); c < end; ) {
        const own = findInUpdate(Y.createID(client, c));
        facts.changes = true;
        if (!own) {
          facts.missing = true;
          break;
        }
        const root = rootOfUpdateItem(own, 0);
        if (root === undefined) facts.missing = true;
        else if (root !== null) facts.roots.add(root);
        c = own.id.clock + own.length;
      }
    }
  }
  return facts;
}
