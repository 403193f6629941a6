import * as Y from 'yjs';
import { CLIENT_OWNERS_ROOT } from './update-guard.js';

/** Key of the table written before tables were numbered (read, then copied into a numbered one). */
const LEGACY_TABLE = 'table';
/**
 * Every process creates the binding tables under this Yjs client id, numbered by its clock: the
 * table `t<n>` is always the item (TABLE_WRITER, n), an empty map at a key never used before. Two
 * processes creating "the next table" at once therefore make the identical item, which Yjs merges
 * into one map, and the bindings each process writes into it meet there. (Tables created under
 * each process's own id raced: one replaced the other, and its bindings were lost.)
 */
export const TABLE_WRITER = 1;
const TABLE_KEY = /^t(\d+)$/;
const HOUR_MS = 3_600_000;
/** A binding's "last wrote" stamp is refreshed at most this often: one small write per client per day. */
const REFRESH_MS = 24 * HOUR_MS;
/** Default: bindings of clients that have not written for 30 days are dropped. */
export const DEFAULT_CLIENT_OWNER_IDLE_MS = 30 * 24 * HOUR_MS;

export interface ClientOwnerOptions {
  /** Bindings of clients that have not written for this long are pruned. */
  clientOwnerIdleMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * The server-written table "Yjs client id → account that introduced it" (issue 19: a member must
 * not write under another's client id). Every page load is a new client id, so the table grew
 * ~45 bytes per load for ever. Values carry the hour the client last wrote (`userId@hour`,
 * refreshed daily); bindings idle longer than `clientOwnerIdleMs` are pruned by replacing the
 * nested table with a fresh one, so the old one is deleted as a whole and garbage-collected
 * (deleting single keys of a Y.Map keeps each key as a tombstone).
 *
 * Pruning must not reopen the hijack: an id that has written to the document but has no binding
 * (pruned, or from before bindings existed) is retired: nobody may write under it any more. Its
 * real owner, back after a month, is told to reload and gets a fresh id.
 */
export class ClientOwners {
  private readonly root: Y.Map<unknown>;
  private readonly idleMs: number;
  private readonly now: () => number;
  private nextPruneCheck = 0;
  /**
   * bindingTable(doc), kept until the root's keys change (a new table, a pruned one, a flat entry):
   * it is read for every client update, and finding it scans the root's keys.
   */
  private cachedTable: Y.Map<string> | undefined | null = null;

  constructor(private readonly doc: Y.Doc, options: ClientOwnerOptions = {}) {
    this.root = doc.getMap(CLIENT_OWNERS_ROOT);
    this.idleMs = options.clientOwnerIdleMs ?? DEFAULT_CLIENT_OWNER_IDLE_MS;
    this.now = options.now ?? Date.now;
    this.root.observe(() => {
      this.cachedTable = null;
    });
  }

  private table(): Y.Map<string> | undefined {
    // Inside a transaction the observer has not run yet: look it up afresh.
    if (this.doc._transaction) return bindingTable(this.doc);
    if (this.cachedTable === null) this.cachedTable = bindingTable(this.doc);
    return this.cachedTable;
  }

  private raw(client: number): string | undefined {
    const id = String(client);
    const v = this.table()?.get(id) ?? this.root.get(id); // flat entries: written before the table
    return typeof v === 'string' ? v : undefined;
  }

  /** The account bound to `client`; 'retired' when it wrote here before but is bound to nobody now. */
  ownerOf(client: number): string | 'retired' | undefined {
    const raw = this.raw(client);
    if (raw !== undefined) return raw.split('@')[0];
    return Y.getState(this.doc.store, client) > 0 ? 'retired' : undefined;
  }

  /** Number of bindings (tests, metrics). */
  get size(): number {
    return (this.table()?.size ?? 0) + [...this.root.keys()].filter((k) => k !== LEGACY_TABLE && !TABLE_KEY.test(k)).length;
  }

  /**
   * Binds `claims` to `userId`, refreshes the stamps of `writers` (its own bound ids that wrote
   * now) when a day old, and prunes idle bindings (checked at most hourly). Writes only when
   * something changes; call inside no transaction of the sender's (the sender must receive it).
   */
  record(userId: string, claims: number[], writers: number[], origin: unknown): void {
    const now = this.now();
    const hour = Math.floor(now / HOUR_MS);
    const stale = writers.filter((c) => {
      const stamp = Number(this.raw(c)?.split('@')[1]);
      return !(stamp * HOUR_MS > now - REFRESH_MS);
    });
    const prune = now >= this.nextPruneCheck;
    if (claims.length === 0 && stale.length === 0 && !prune) return;
    const sets = [...claims, ...stale].map((c): [string, string] => [String(c), `${userId}@${hour}`]);
    const table = this.table();
    let keep: ((e: [string, string]) => boolean) | null = !table || !isNumbered(this.root, table) ? () => true : null;
    if (prune) {
      this.nextPruneCheck = now + HOUR_MS;
      const idle = ([, v]: [string, string]) => {
        const stamp = Number(v.split('@')[1]);
        return Number.isFinite(stamp) && stamp * HOUR_MS <= now - this.idleMs;
      };
      if (table && ([...table.entries()].some(idle) || this.hasFlat())) keep = (e) => !idle(e);
    }
    if (keep || !table) this.writeNewTable(table, keep ?? (() => true), sets, origin);
    else if (sets.length > 0) this.doc.transact(() => sets.forEach(([k, v]) => table.set(k, v)), origin);
  }

  private hasFlat(): boolean {
    return [...this.root.keys()].some((k) => k !== LEGACY_TABLE && !TABLE_KEY.test(k));
  }

  /**
   * Replaces every table with a new numbered one holding the bindings of `old` (and of flat
   * entries) that `keep` keeps, plus `sets`; the old tables are deleted, so they are
   * garbage-collected as a whole. Written in a scratch copy and applied as one update: the table
   * itself as every process would make it (see TABLE_WRITER), the rest under a fresh client id of
   * its own. Not under this doc's id: Yjs marks a transaction that applies an update as remote,
   * and a remote transaction holding the doc's own writes makes it drop its id as "used by
   * another client".
   */
  private writeNewTable(old: Y.Map<string> | undefined, keep: (e: [string, string]) => boolean, sets: Array<[string, string]>, origin: unknown): void {
    const hour = Math.floor(this.now() / HOUR_MS);
    const flat = [...this.root.entries()].filter(([k, v]) => k !== LEGACY_TABLE && !TABLE_KEY.test(k) && typeof v === 'string') as [string, string][];
    // Flat entries carry no stamp: they count from now (written at most an idle period ago, or by an older version).
    const entries = [...flat.map(([k, v]) => [k, `${v}@${hour}`] as [string, string]), ...(old?.entries() ?? [])].filter(keep);
    const scratch = new Y.Doc();
    const root = scratch.getMap(CLIENT_OWNERS_ROOT);
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(this.doc));
    const before = Y.encodeStateVector(scratch);
    // Only after the state is in: a doc that receives structs under its own id takes a new one.
    scratch.clientID = TABLE_WRITER;
    const key = `t${Y.getState(scratch.store, TABLE_WRITER)}`;
    const fresh = new Y.Map<string>();
    root.set(key, fresh);
    scratch.clientID = unusedClientId(this.doc);
    scratch.transact(() => {
      for (const k of [...root.keys()]) if (k !== key) root.delete(k);
      for (const [k, v] of [...entries, ...sets]) fresh.set(k, v);
    });
    const update = Y.encodeStateAsUpdate(scratch, before);
    scratch.destroy();
    Y.applyUpdate(this.doc, update, origin);
  }
}

/** A random Yjs client id nothing in `doc` has written under (nor the tables' writer). */
function unusedClientId(doc: Y.Doc): number {
  for (;;) {
    const id = crypto.getRandomValues(new Uint32Array(1))[0];
    if (id !== TABLE_WRITER && id !== doc.clientID && Y.getState(doc.store, id) === 0) return id;
  }
}

/** The document's current table of client-id bindings: the highest numbered one, else the legacy one. */
export function bindingTable(doc: Y.Doc): Y.Map<string> | undefined {
  const root = doc.getMap(CLIENT_OWNERS_ROOT);
  let best: Y.Map<string> | undefined;
  let bestN = -1;
  for (const [k, v] of root.entries()) {
    const m = TABLE_KEY.exec(k);
    if (m && v instanceof Y.Map && Number(m[1]) > bestN) {
      bestN = Number(m[1]);
      best = v as Y.Map<string>;
    }
  }
  if (best) return best;
  const legacy = root.get(LEGACY_TABLE);
  return legacy instanceof Y.Map ? (legacy as Y.Map<string>) : undefined;
}

function isNumbered(root: Y.Map<unknown>, table: Y.Map<string>): boolean {
  for (const [k, v] of root.entries()) if (v === table) return TABLE_KEY.test(k);
  return false;
}
