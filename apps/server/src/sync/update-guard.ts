import * as Y from 'yjs';

/** Root of the mix model's channel structure (see @mixroom/engine's MixModel). */
export const CHANNELS_ROOT = 'channels';
/** Server-written: Yjs client id → user id of the member whose connection introduced it. */
export const CLIENT_OWNERS_ROOT = 'clientOwners';

/** What is written where, as the mix's shape rules see it (see @mixroom/engine's mixWriteProblem). */
export interface ShapePlace {
  root: string;
  container?: { key: string | null; kind: ShapeContent['kind'] };
  key: string | null;
  writer: number;
}
export type ShapeContent = { kind: 'values'; values: readonly unknown[] } | { kind: 'map' } | { kind: 'array' } | { kind: 'other'; name: string };
/** Returns why a write does not fit the document's shape, or null. */
export type ShapeCheck = (place: ShapePlace, content: ShapeContent) => string | null;

/** An update as Y.decodeUpdate reads it: its structs (not integrated; a root parent is its name) and its delete set. */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/** What a client update would change, worked out from the decoded update and the room's doc without applying it. */
export interface UpdateFacts {
  /** The update as decoded for these checks; integrate-decoded.ts can apply it without decoding it again. */
  decoded: DecodedUpdate;
  /** Anything at all the doc does not have yet (new structs, or deletes of live or unknown items). */
  changes: boolean;
  /** Root types touched by new structs or by deletes of items that are still alive. */
  roots: Set<string>;
  /** Client ids under which the update writes structs the doc does not have yet, with the clock it reaches. */
  newClients: Map<number, number>;
  /** A new struct or delete refers to an item neither the doc nor the update has (it would be parked). */
  missing: boolean;
  /** The first new struct that does not fit the shape check, in plain words. */
  shapeProblem: string | null;
}

/** Where an item sits: its root, the key it has there or in its container, and that container (an item holding a nested type). */
interface Where {
  root: string;
  /** Key in the parent map (null: array element). */
  sub: string | null;
  /** For an item inside a nested type: that type's key in the root and its kind. */
  container?: { key: string | null; kind: ShapeContent['kind'] };
  /** Nested two or more levels below a root, or inside something that is not a type. */
  bad?: string;
}

const contentKind = (type: unknown): 'map' | 'array' | 'other' => (type instanceof Y.Map ? 'map' : type instanceof Y.Array ? 'array' : 'other');

/** The content of a new item as the shape rules see it; null for content that holds nothing (deleted). */
function shapeContent(c: Y.Item['content']): ShapeContent | null {
  if (c instanceof Y.ContentDeleted) return null;
  if (c instanceof Y.ContentAny) return { kind: 'values', values: c.arr };
  if (c instanceof Y.ContentType) {
    const kind = contentKind(c.type);
    return kind === 'other' ? { kind, name: `a ${c.type.constructor.name}` } : kind === 'map' ? { kind } : { kind };
  }
  const names: [unknown, string][] = [[Y.ContentString, 'text'], [Y.ContentBinary, 'binary data'], [Y.ContentJSON, 'JSON content'], [Y.ContentEmbed, 'an embed'], [Y.ContentFormat, 'text formatting'], [Y.ContentDoc, 'a subdocument']];
  return { kind: 'other', name: names.find(([k]) => c instanceof (k as typeof Y.ContentAny))?.[1] ?? 'unknown content' };
}

// A place; null: garbage-collected (the item would be discarded); undefined: unknown here.
type Place = Where | null | undefined;
const GONE = null;
const MISSING = undefined;
const DEEP = 'the mix document has nothing nested that deep';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types its shared types' event as any by default
type AnyType = Y.AbstractType<any>;

/** Root type → its name, per document; rebuilt when the document gains a root (doc.share only grows). */
const rootNamesByDoc = new WeakMap<Y.Doc, { size: number; names: Map<AnyType, string> }>();
function rootNamesOf(doc: Y.Doc): Map<AnyType, string> {
  let cached = rootNamesByDoc.get(doc);
  if (!cached || cached.size !== doc.share.size) {
    const names = new Map<AnyType, string>();
    for (const [name, type] of doc.share) names.set(type, name);
    rootNamesByDoc.set(doc, (cached = { size: doc.share.size, names }));
  }
  return cached.names;
}

/**
 * One update being inspected against a doc. Methods rather than closures made per call: this runs
 * for every client update, and the server runs under tsx, whose keepNames wraps every function
 * created in a call (a defineProperty each) — 1.4 % of the server's CPU in bench:soak.
 */
class Inspection {
  private readonly byClient = new Map<number, Y.Item[]>();
  private readonly memo = new Map<Y.Item, Place>();

  constructor(
    private readonly doc: Y.Doc,
    private readonly rootNames: Map<AnyType, string>,
    structs: Array<Y.Item | Y.GC | Y.Skip>,
  ) {
    for (const s of structs) {
      if (s instanceof Y.Item) {
        let list = this.byClient.get(s.id.client);
        if (!list) this.byClient.set(s.id.client, (list = []));
        list.push(s);
      }
    }
  }

  whereOfDocItem(item: Y.Item): Place {
    const type = item.parent as AnyType | null;
    if (!(type instanceof Y.AbstractType)) return GONE;
    if (!type._item) {
      const root = this.rootNames.get(type);
      return root === undefined ? GONE : { root, sub: item.parentSub };
    }
    const holder = type._item;
    const outer = holder.parent as unknown;
    if (!(outer instanceof Y.AbstractType)) return GONE;
    let top: AnyType = outer;
    while (top._item) {
      const p: unknown = top._item.parent;
      if (!(p instanceof Y.AbstractType)) return GONE;
      top = p;
    }
    const root = this.rootNames.get(top);
    if (root === undefined) return GONE;
    return { root, sub: item.parentSub, container: { key: holder.parentSub, kind: contentKind(type) }, bad: outer._item ? DEEP : undefined };
  }

  findInUpdate(client: number, clock: number): Y.Item | undefined {
    const list = this.byClient.get(client);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid];
      if (clock < s.id.clock) hi = mid - 1;
      else if (clock >= s.id.clock + s.length) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /** The item with `id`, from the doc or the update, and where it sits. */
  private lookup(id: Y.ID, depth: number): { item: Y.Item | null; where: Place } {
    if (id.clock < Y.getState(this.doc.store, id.client)) {
      const s = Y.getItem(this.doc.store, id);
      return s instanceof Y.Item ? { item: s, where: this.whereOfDocItem(s) } : { item: null, where: GONE };
    }
    const own = this.findInUpdate(id.client, id.clock);
    return own ? { item: own, where: this.whereOfUpdateItem(own, depth + 1) } : { item: null, where: MISSING };
  }

  whereOfUpdateItem(item: Y.Item, depth: number): Place {
    if (this.memo.has(item)) return this.memo.get(item);
    // Chains inside one update are bounded by its size; the bound only stops a crafted cycle.
    if (depth > 10_000) return MISSING;
    const parent = item.parent as unknown;
    let where: Place;
    if (typeof parent === 'string') where = { root: parent, sub: item.parentSub };
    else if (parent instanceof Y.ID) {
      const { item: holder, where: outer } = this.lookup(parent, depth);
      if (!outer || !holder) where = outer;
      else if (holder.content instanceof Y.ContentDeleted) where = GONE;
      else if (!(holder.content instanceof Y.ContentType)) where = { root: outer.root, sub: item.parentSub, bad: 'a value can only be nested in a map or an array' };
      else where = { root: outer.root, sub: item.parentSub, container: { key: outer.sub, kind: contentKind(holder.content.type) }, bad: outer.bad ?? (outer.container ? DEEP : undefined) };
    } else {
      const ref = item.origin ?? item.rightOrigin;
      where = ref ? this.lookup(ref, depth).where : MISSING;
    }
    this.memo.set(item, where);
    return where;
  }
}

/**
 * A decoded item's parent is a root name, the id of the item holding its parent type, or null
 * (then it lives beside its origin / right origin, in the same parent under the same key). Ids are
 * resolved in the update first, then in the doc; a garbage-collected parent means the item would
 * be discarded on integration.
 */
export function inspectUpdate(doc: Y.Doc, update: Uint8Array, shapeCheck?: ShapeCheck): UpdateFacts {
  const decoded = Y.decodeUpdate(update);
  const { structs, ds } = decoded;
  const facts: UpdateFacts = { decoded, changes: false, roots: new Set(), newClients: new Map(), missing: false, shapeProblem: null };
  const inspection = new Inspection(doc, rootNamesOf(doc), structs);

  for (const s of structs) {
    if (s instanceof Y.Skip) continue;
    const known = Y.getState(doc.store, s.id.client);
    const end = s.id.clock + s.length;
    if (end <= known) continue;
    facts.changes = true;
    facts.newClients.set(s.id.client, Math.max(facts.newClients.get(s.id.client) ?? 0, end));
    if (s.id.clock > known && !inspection.findInUpdate(s.id.client, known)) facts.missing = true;
    if (!(s instanceof Y.Item)) continue;
    const where = inspection.whereOfUpdateItem(s, 0);
    if (where === undefined) facts.missing = true;
    else if (where !== null) {
      facts.roots.add(where.root);
      if (shapeCheck && facts.shapeProblem === null) {
        const content = shapeContent(s.content);
        if (content) facts.shapeProblem = where.bad ?? shapeCheck({ root: where.root, key: where.sub, container: where.container, writer: s.id.client }, content);
      }
    }
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
          const where = inspection.whereOfDocItem(s);
          if (where) facts.roots.add(where.root);
        }
      }
      for (let c = Math.max(clock, known); c < end; ) {
        const own = inspection.findInUpdate(client, c);
        facts.changes = true;
        if (!own) {
          facts.missing = true;
          break;
        }
        const where = inspection.whereOfUpdateItem(own, 0);
        if (where === undefined) facts.missing = true;
        else if (where !== null) facts.roots.add(where.root);
        c = own.id.clock + own.length;
      }
    }
  }
  return facts;
}
