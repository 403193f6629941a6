import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

type DeleteSet = Y.Transaction['deleteSet'];

/**
 * What a room's own transactions changed since its last write batch, kept as where the changes
 * are rather than as their updates: per writer the clock range of its new structs, and the
 * transactions' delete sets. take() encodes that as ONE Yjs update, read from the document's
 * struct store the way Yjs' own encodeStateAsUpdate writes structs (writeStructs: the first one
 * from an offset, the rest whole) plus the merged delete sets — instead of Y.mergeUpdates of every
 * update of the window, which decoded them all again and was ~190 µs for 8 fader moves (4 % of
 * the server's busy time in bench:soak). Structs deleted since they were written are read as Yjs
 * keeps them (garbage-collected: no content), exactly what a compaction would write.
 * Only the room's own changes are recorded (not another process's, which that process persists).
 */
export class WindowChanges {
  private structs = new Map<number, { from: number; to: number }>();
  private deletes: DeleteSet[] = [];
  /** Updates recorded since the last take (for logs and tests). */
  count = 0;

  /** A transaction's new structs of `client`, clocks `from` ≤ c < `to`. */
  addStructs(client: number, from: number, to: number): void {
    if (to <= from) return;
    const range = this.structs.get(client);
    if (!range) this.structs.set(client, { from, to });
    else {
      range.from = Math.min(range.from, from);
      range.to = Math.max(range.to, to);
    }
  }

  addDeletes(ds: DeleteSet): void {
    if (ds.clients.size > 0) this.deletes.push(ds);
  }

  /** Everything recorded, as one update read from `store` (null when nothing was recorded); starts a new window. */
  take(store: Y.Doc['store']): Uint8Array | null {
    if (this.structs.size === 0 && this.deletes.length === 0) {
      this.count = 0;
      return null;
    }
    const encoder = new Y.UpdateEncoderV1();
    const clients = [...this.structs.keys()].sort((a, b) => b - a);
    encoding.writeVarUint(encoder.restEncoder, clients.length);
    for (const client of clients) {
      const { from, to } = this.structs.get(client)!;
      const list = store.clients.get(client)!;
      const start = Y.findIndexSS(list, from);
      let end = start + 1;
      while (end < list.length && list[end].id.clock < to) end++;
      encoding.writeVarUint(encoder.restEncoder, end - start);
      encoder.writeClient(client);
      encoding.writeVarUint(encoder.restEncoder, from);
      list[start].write(encoder, from - list[start].id.clock);
      for (let i = start + 1; i < end; i++) list[i].write(encoder, 0);
    }
    // The delete set as Yjs writes one (writeDeleteSet): writers by descending id, ranges sorted and merged.
    const ds = Y.mergeDeleteSets(this.deletes);
    encoding.writeVarUint(encoder.restEncoder, ds.clients.size);
    for (const [client, ranges] of [...ds.clients].sort((a, b) => b[0] - a[0])) {
      encoder.resetDsCurVal();
      encoding.writeVarUint(encoder.restEncoder, client);
      encoding.writeVarUint(encoder.restEncoder, ranges.length);
      for (const { clock, len } of ranges) {
        encoder.writeDsClock(clock);
        encoder.writeDsLen(len);
      }
    }
    this.structs = new Map();
    this.deletes = [];
    this.count = 0;
    return encoder.toUint8Array();
  }

  clear(): void {
    this.structs = new Map();
    this.deletes = [];
    this.count = 0;
  }
}
