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

  constructor(private readonly doc: Y.Doc, options: ClientOwnerOptions = {}) {
    this.root = doc.getMap(CLIENT_OWNERS_ROOT);
    this.idleMs = options.clientOwnerIdleMs ?? DEFAULT_CLIENT_OWNER_IDLE_MS;
    this.now = options.now ?? Date.now;
  }

  private table(): Y.Map<string> | undefined {
    return bindingTable(this.doc);
  }

  private raw(client: number): string | undefined {
    const id = String(client);
    const v = this.table()?.get(id) ?? this.root.get(id); // flat entries: written before the table
    return typeof v === 'string' ? v : undefined;
  }

  /** A new, empty numbered table (see TABLE_WRITER), made as every process would make it. */
  private newTable(): Y.Map<string> {
    const scratch = new Y.Doc();
    const map = scratch.getMap(CLIENT_OWNERS_ROOT);
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(this.doc));
    // Only after the state is in: a doc that receives structs under its own id takes a new one.
    scratch.clientID = TABLE_WRITER;
    const n = Y.getState(scratch.store, TABLE_WRITER);
    map.set(`t${n}`, new Y.Map<string>());
    const update = Y.encodeStateAsUpdate(scratch, Y.encodeStateVector(this.doc));
    scratch.destroy();
    Y.applyUpdate(this.doc, update);
    return this.root.get(`t${n}`) as Y.Map<string>;
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
    this.doc.transact(() => {
      let table = this.table();
      if (!table || !isNumbered(this.root, table)) table = this.replaceTable(table, () => true);
      if (prune) {
        this.nextPruneCheck = now + HOUR_MS;
        table = this.pruned(table, now);
      }
      for (const c of [...claims, ...stale]) table.set(String(c), `${userId}@${hour}`);
    }, origin);
  }

  /** The table without idle bindings: the same one if none are idle, else a fresh copy. */
  private pruned(table: Y.Map<string>, now: number): Y.Map<string> {
    const idle = ([, v]: [string, string]) => {
      const stamp = Number(v.split('@')[1]);
      return Number.isFinite(stamp) && stamp * HOUR_MS <= now - this.idleMs;
    };
    if (![...table.entries()].some(idle) && !this.hasFlat()) return table;
    return this.replaceTable(table, (e) => !idle(e));
  }

  private hasFlat(): boolean {
    return [...this.root.keys()].some((k) => k !== LEGACY_TABLE && !TABLE_KEY.test(k));
  }

  /**
   * A new numbered table holding the bindings of `old` (and of flat entries) that `keep` keeps; the
   * old table and every other one are deleted, so they are garbage-collected as a whole.
   */
  private replaceTable(old: Y.Map<string> | undefined, keep: (e: [string, string]) => boolean): Y.Map<string> {
    const hour = Math.floor(this.now() / HOUR_MS);
    const flat = [...this.root.entries()].filter(([k, v]) => k !== LEGACY_TABLE && !TABLE_KEY.test(k) && typeof v === 'string') as [string, string][];
    // Flat entries carry no stamp: they count from now (written at most an idle period ago, or by an older version).
    const entries = [...flat.map(([k, v]) => [k, `${v}@${hour}`] as [string, string]), ...(old?.entries() ?? [])].filter(keep);
    const fresh = this.newTable();
    for (const k of [...this.root.keys()]) if (this.root.get(k) !== fresh) this.root.delete(k);
    for (const [k, v] of entries) fresh.set(k, v);
    return fresh;
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
