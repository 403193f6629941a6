import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openDatabase, type Database } from '../db/open.js';
import { assertPostgresReachable, databaseKinds, quietLogger, SKIP_PG } from '../test-support.js';
import { UpdateLog } from './update-log.js';
import { WriteBatcher, type BatchSource } from './write-batcher.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

/** A room reduced to what the batcher sees: a doc whose updates are pending until committed. */
function sessionSource(sessionId: string) {
  const doc = new Y.Doc();
  const pending: Uint8Array[] = [];
  let commits = 0;
  let failures = 0;
  doc.on('update', (u: Uint8Array) => pending.push(u));
  const source: BatchSource = {
    sessionId,
    takeBatch: () => (pending.length ? Y.mergeUpdates(pending.splice(0)) : null),
    restoreBatch: (u) => { pending.unshift(u); failures++; },
    committed: () => { commits++; },
  };
  return { doc, source, get commits() { return commits; }, get failures() { return failures; }, get pending() { return pending.length; } };
}

async function storedText(log: UpdateLog, sessionId: string): Promise<string> {
  const doc = new Y.Doc();
  for (const u of await log.load(sessionId)) Y.applyUpdate(doc, u);
  return doc.getText('t').toString();
}

describe.each(databaseKinds)('WriteBatcher over $name', (kind) => {
  let db: Database | undefined;
  let cleanup: () => Promise<void> = async () => {};
  afterEach(async () => {
    await db?.close();
    await cleanup();
  });

  async function setup(sessionIds: string[]) {
    const database = await kind.create();
    cleanup = database.cleanup;
    db = await openDatabase(database.config);
    for (const id of sessionIds) await db.prisma.mixSession.create({ data: { id, title: id } });
    const log = new UpdateLog(db.prisma, db.sql);
    const batcher = new WriteBatcher(log, 60_000, quietLogger);
    return { prisma: db.prisma, log, batcher };
  }

  it('writes every dirty session in one window and keeps each session\'s updates', async () => {
    const { log, batcher } = await setup(['a', 'b']);
    const a = sessionSource('a');
    const b = sessionSource('b');
    a.doc.getText('t').insert(0, 'drums ');
    a.doc.getText('t').insert(6, 'up');
    b.doc.getText('t').insert(0, 'bass down');
    batcher.markDirty(a.source);
    batcher.markDirty(b.source);
    await batcher.flush();
    batcher.close();
    expect([a.commits, b.commits, a.pending, b.pending]).toEqual([1, 1, 0, 0]);
    // Two sessions, one row each: a's two updates were merged into one row.
    expect(await log.count('a')).toBe(1);
    expect(await storedText(log, 'a')).toBe('drums up');
    expect(await storedText(log, 'b')).toBe('bass down');
  });

  it('a session whose row cannot be written does not hold back the others, and keeps its updates', async () => {
    const { prisma, log, batcher } = await setup(['kept', 'gone']);
    const kept = sessionSource('kept');
    const gone = sessionSource('gone');
    kept.doc.getText('t').insert(0, 'vocal +1 dB');
    gone.doc.getText('t').insert(0, 'lost?');
    // Deleted while its room still had pending updates: its insert violates the foreign key.
    await prisma.mixSession.delete({ where: { id: 'gone' } });
    batcher.markDirty(kept.source);
    batcher.markDirty(gone.source);
    await batcher.flush();
    batcher.close();
    expect(await storedText(log, 'kept')).toBe('vocal +1 dB');
    expect(kept.commits).toBe(1);
    expect([gone.commits, gone.failures, gone.pending]).toEqual([0, 1, 1]);
  });
});
