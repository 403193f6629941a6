import * as Y from 'yjs';
import type { SqlExecutor } from '../db/sql.js';
import type { PrismaClient } from '../generated/prisma/client.js';

/** The persistent side of a session's Yjs document: an append-only log of updates. */
export class UpdateLog {
  constructor(
    private readonly prisma: PrismaClient,
    /**
     * The same database's pool, for the hot insert (appendMany, 20 times a second per busy
     * process): Prisma's createMany compiled and interpreted a query plan for every call, ~10 % of
     * the server's CPU in bench:soak; one plain parameterized INSERT on the same pool (same
     * bounded checkout and retries, see db/open.ts) costs a fraction of that.
     */
    private readonly sql: SqlExecutor | null = null,
  ) {}

  async sessionExists(sessionId: string): Promise<boolean> {
    return (await this.prisma.mixSession.count({ where: { id: sessionId } })) > 0;
  }

  async load(sessionId: string): Promise<Uint8Array[]> {
    const rows = await this.prisma.docUpdate.findMany({ where: { sessionId }, orderBy: { id: 'asc' }, select: { data: true } });
    return rows.map((r) => r.data);
  }

  async append(sessionId: string, update: Uint8Array): Promise<void> {
    await this.prisma.docUpdate.create({ data: { sessionId, data: update as Uint8Array<ArrayBuffer> } });
  }

  /** One statement for many sessions' rows (see WriteBatcher). */
  async appendMany(rows: { sessionId: string; update: Uint8Array }[]): Promise<void> {
    if (rows.length === 0) return;
    if (!this.sql) {
      await this.prisma.docUpdate.createMany({ data: rows.map((r) => ({ sessionId: r.sessionId, data: r.update as Uint8Array<ArrayBuffer> })) });
      return;
    }
    // One statement, so the rows commit together (as createMany's did); Buffers go as binary parameters.
    const params: unknown[] = [];
    const values = rows.map((r, i) => {
      params.push(r.sessionId, Buffer.from(r.update.buffer, r.update.byteOffset, r.update.byteLength));
      return `($${2 * i + 1}, $${2 * i + 2})`;
    });
    await this.sql.query(`INSERT INTO doc_update (session_id, data) VALUES ${values.join(', ')}`, params);
  }

  async count(sessionId: string): Promise<number> {
    return this.prisma.docUpdate.count({ where: { sessionId } });
  }

  /**
   * Replaces the rows with one row of the state they add up to (squashUpdatesInTurns). Reads and
   * squashes outside any transaction (the squash is CPU work in slices, which would otherwise hold
   * the embedded database's only connection), then in one transaction inserts the squashed row and
   * deletes exactly the ids that were read (not "everything ≤ max id": with PostgreSQL sequences, an
   * id below our max can belong to a transaction that commits after our read, and that row must
   * survive untouched). Rows are never changed, only appended or deleted by a compaction, so reading
   * them first is safe: should another process compact the same rows meanwhile, both squashed rows
   * stay and hold the same content twice, which Yjs applies as once.
   */
  async compact(sessionId: string): Promise<{ before: number; after: number }> {
    const rows = await this.prisma.docUpdate.findMany({ where: { sessionId }, orderBy: { id: 'asc' }, select: { id: true, data: true } });
    if (rows.length <= 1) return { before: rows.length, after: rows.length };
    const merged = await squashUpdatesInTurns(rows.map((r) => r.data));
    return this.prisma.$transaction(async (tx) => {
      await tx.docUpdate.create({ data: { sessionId, data: merged as Uint8Array<ArrayBuffer> } });
      await tx.docUpdate.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
      return { before: rows.length, after: await tx.docUpdate.count({ where: { sessionId } }) };
    });
  }
}

/**
 * The state a list of updates adds up to, as one update with what was deleted garbage-collected:
 * the updates applied in order to a scratch document (gc on, as every room's document is) and
 * encoded again. Y.mergeUpdates keeps every deleted item's content, so a log compacted with it
 * kept every fader move ever made (~40 bytes each: 1 MB after 25k moves, where the state is
 * under 1 KB) and re-merging that row on every compaction took hundreds of milliseconds of the
 * server's only thread (bench:soak's worst event-loop windows); merging thousands of small
 * updates at once is also far slower than applying them. Nothing is dropped: updates Yjs cannot
 * integrate yet (a gap in a writer's clock, a delete of an unknown item) stay pending in the
 * scratch document and encodeStateAsUpdate writes them out with the rest. Applied in slices of
 * `perTurn` updates, yielding to the event loop between them: 200 rows are 10–30 ms of CPU on a
 * loaded machine, which in one piece showed in the event-loop delay of every fader move.
 */
export async function squashUpdatesInTurns(updates: Uint8Array[], perTurn = 20): Promise<Uint8Array> {
  const doc = new Y.Doc({ gc: true });
  try {
    for (let i = 0; i < updates.length; i += perTurn) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      doc.transact(() => {
        for (const update of updates.slice(i, i + perTurn)) Y.applyUpdate(doc, update);
      });
    }
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
