// Issue 19 item 8: under load, requests and compactions must never fail with 500 because the
// database had no free slot. Every slot is held by an open transaction (what a burst of slow
// requests does), then the same API a user calls is asked for more.
import * as Y from 'yjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpdateLog } from '../sync/update-log.js';
import { assertPostgresReachable, createSession, databaseKinds, fetchAs, holdEveryDbSlot, SKIP_PG, startServer, type TestDatabase, type TestServer } from '../test-support.js';

const WAIT = { waitMs: 1_500, attempts: 2, retryDelayMs: 20 };

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

describe.each(databaseKinds)('database busy ($name)', (kind) => {
  let db: TestDatabase | undefined;
  let s: TestServer | undefined;
  const releases: (() => void)[] = [];
  afterEach(async () => {
    for (const r of releases.splice(0)) r();
    await s?.server.close();
    await db?.cleanup();
    s = db = undefined;
  });

  async function holdEverySlot(server: TestServer['server']): Promise<() => void> {
    const release = await holdEveryDbSlot(server);
    releases.push(release);
    return release;
  }

  it('answers 503 with Retry-After and plain words when no slot frees up, and works again after', async () => {
    db = await kind.create();
    s = await startServer({ ...db.config, databaseWait: WAIT });
    const release = await holdEverySlot(s.server);

    const res = await fetchAs(s.owner, `${s.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'Busy night' }) });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('database_busy');
    expect(body.error.message).toMatch(/busy.*try again/i);
    expect(body.error.message).not.toMatch(/prisma|transaction|P20\d\d/i);

    // A transaction (what compaction and every REST write use) fails the same recognisable way.
    await expect(s.server.db.prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`)).rejects.toThrow(/busy/);

    release();
    const again = await fetchAs(s.owner, `${s.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'Busy night' }) });
    expect(again.status).toBe(201);
  });

  it('retries a request and a compaction that found the database busy, and they succeed once a slot frees', async () => {
    db = await kind.create();
    s = await startServer({ ...db.config, databaseWait: { ...WAIT, attempts: 3 } });
    const sessionId = await createSession(s);
    const log = new UpdateLog(s.server.db.prisma, s.server.db.sql);
    const doc = new Y.Doc();
    const appended: Promise<void>[] = [];
    doc.on('update', (u: Uint8Array) => appended.push(log.append(sessionId, u)));
    for (let i = 0; i < 5; i++) doc.getMap('m').set(`k${i}`, i);
    await Promise.all(appended);
    const rowsBefore = await log.count(sessionId);
    expect(rowsBefore).toBeGreaterThan(1);

    // The first retry of anything frees the slots: the request must then get through.
    let retries = 0;
    s.server.db.onRetry(() => {
      if (retries++ === 0) for (const r of releases.splice(0)) r();
    });
    await holdEverySlot(s.server);
    const res = await fetchAs(s.owner, `${s.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'Second take' }) });
    expect(res.status).toBe(201);
    expect(retries).toBeGreaterThan(0);

    retries = 0;
    await holdEverySlot(s.server);
    const compacted = await log.compact(sessionId);
    expect(retries).toBeGreaterThan(0);
    expect(compacted).toEqual({ before: rowsBefore, after: 1 });
  });
});
