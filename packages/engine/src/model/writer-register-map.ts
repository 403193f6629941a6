import * as Y from 'yjs';

/**
 * A last-writer-wins key/value map laid out so that a long session stays small.
 *
 * Why not a plain Y.Map: every overwrite leaves a tombstone, and tombstones only merge
 * when they are clock-consecutive items of one client in one list. A user who drags two
 * faders alternately, or four users dragging at once, break that run, so a plain Y.Map
 * grows by ~9 bytes per move without bound (≈9 MB per million moves).
 *
 * Here each writer (Yjs client) appends only to its OWN Y.Array, deleting its previous
 * entry for the key. All of one writer's tombstones therefore form one clock-consecutive
 * run in one list and collapse into a single range, however writers interleave. The
 * value of a key is the entry with the highest Lamport timestamp (ties: writer id), so
 * every replica resolves concurrent writes identically.
 */
interface Entry {
  k: string;
  v: unknown;
  t: number;
}

interface Resolved {
  value: unknown;
  t: number;
  writer: string;
}

export type RegisterChangeListener = (changedKeys: Set<string>, transaction: Y.Transaction) => void;

export class WriterRegisterMap {
  private readonly root: Y.Map<Y.Array<Entry>>;
  private resolved = new Map<string, Resolved>();
  private maxTimestamp = 0;
  private readonly listeners = new Set<RegisterChangeListener>();

  constructor(
    private readonly doc: Y.Doc,
    name = 'params',
  ) {
    this.root = doc.getMap(name);
    this.rebuild();
    this.root.observeDeep((_events, transaction) => {
      const changed = this.rebuild();
      if (changed.size > 0) for (const l of this.listeners) l(changed, transaction);
    });
  }

  /** The shared type that holds every writer's entries (what an undo manager watches). */
  get sharedType(): Y.Map<Y.Array<Entry>> {
    return this.root;
  }

  /** True for the per-writer arrays themselves, as opposed to the entries in them. */
  isWriterArray(item: Y.Item): boolean {
    return item.parent === this.root && item.content instanceof Y.ContentType;
  }

  get(key: string): unknown {
    return this.resolved.get(key)?.value;
  }

  has(key: string): boolean {
    return this.resolved.has(key);
  }

  keys(): IterableIterator<string> {
    return this.resolved.keys();
  }

  entries(): Array<[string, unknown]> {
    return [...this.resolved].map(([k, r]) => [k, r.value]);
  }

  /** Who wrote the current value (the Yjs client id as a string). */
  writerOf(key: string): string | undefined {
    return this.resolved.get(key)?.writer;
  }

  set(key: string, value: unknown, origin: unknown = null): void {
    this.doc.transact(() => {
      const mine = this.ownArray();
      // Remove every stale entry for this key, ours and other writers', so live
      // entries never exceed one per key and other writers' arrays drain over time.
      this.root.forEach((arr) => deleteEntriesFor(arr, key));
      mine.push([{ k: key, v: value, t: this.maxTimestamp + 1 }]);
    }, origin);
  }

  onChange(listener: RegisterChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private ownArray(): Y.Array<Entry> {
    const id = String(this.doc.clientID);
    let arr = this.root.get(id);
    if (!arr) {
      arr = new Y.Array<Entry>();
      this.root.set(id, arr);
    }
    return arr;
  }

  /** Recomputes winners from all writers; returns the keys whose winning value changed. */
  private rebuild(): Set<string> {
    const next = new Map<string, Resolved>();
    let maxT = this.maxTimestamp;
    this.root.forEach((arr, writer) => {
      if (!(arr instanceof Y.Array)) return; // ignore garbage written by a misbehaving client
      for (const e of arr) {
        if (!isEntry(e)) continue;
        if (e.t > maxT) maxT = e.t;
        const cur = next.get(e.k);
        if (!cur || e.t > cur.t || (e.t === cur.t && writer > cur.writer)) {
          next.set(e.k, { value: e.v, t: e.t, writer });
        }
      }
    });
    const changed = new Set<string>();
    for (const [k, r] of next) {
      const old = this.resolved.get(k);
      if (!old || old.t !== r.t || old.writer !== r.writer) changed.add(k);
    }
    for (const k of this.resolved.keys()) if (!next.has(k)) changed.add(k);
    this.resolved = next;
    this.maxTimestamp = maxT;
    return changed;
  }
}

function isEntry(e: unknown): e is Entry {
  return typeof e === 'object' && e !== null && typeof (e as Entry).k === 'string' && typeof (e as Entry).t === 'number';
}

function deleteEntriesFor(arr: Y.Array<Entry>, key: string): void {
  if (!(arr instanceof Y.Array)) return;
  const items = arr.toArray();
  for (let i = items.length - 1; i >= 0; i--) {
    if (isEntry(items[i]) && items[i].k === key) arr.delete(i, 1);
  }
}
