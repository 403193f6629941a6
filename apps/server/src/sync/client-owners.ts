import * as Y from 'yjs';
import { CLIENT_OWNERS_ROOT } from './update-guard.js';

/** Key in the CLIENT_OWNERS_ROOT map of the current table (a nested map, replaced when pruned). */
const TABLE = 'table';
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
    const t = this.root.get(TABLE);
    return t instanceof Y.Map ? (t as Y.Map<string>) : undefined;
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
    return (this.table()?.size ?? 0) + [...this.root.keys()].filter((k) => k !== TABLE).length;
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
      if (!table) this.root.set(TABLE, (table = new Y.Map<string>()));
      if (prune) {
        this.nextPruneCheck = now + HOUR_MS;
        table = this.pruned(table, now);
      }
      for (const c of [...claims, ...stale]) table.set(String(c), `${userId}@${hour}`);
    }, origin);
  }

  /** The table without idle bindings: the same one if none are idle, else a fresh copy. */
  private pruned(table: Y.Map<string>, now: number): Y.Map<string> {
    const flat = [...this.root.entries()].filter(([k, v]) => k !== TABLE && typeof v === 'string') as [string, string][];
    const all = [...flat, ...table.entries()];
    const nowHour = Math.floor(now / HOUR_MS);
    // Flat entries carry no stamp: they count from now (they were written at most an idle period ago or by the previous version).
    const keep = all.filter(([, v]) => {
      const stamp = Number(v.split('@')[1]);
      return !Number.isFinite(stamp) || stamp * HOUR_MS > now - this.idleMs;
    });
    if (keep.length === all.length && flat.length === 0) return table;
    const fresh = new Y.Map<string>();
    this.root.set(TABLE, fresh);
    for (const [k] of flat) this.root.delete(k);
    for (const [k, v] of keep) fresh.set(k, v.includes('@') ? v : `${v}@${nowHour}`);
    return fresh;
  }
}
