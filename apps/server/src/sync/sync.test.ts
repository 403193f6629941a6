import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WS_CLOSE } from '@mixroom/protocol';
import { encodeUpdate } from './messages.js';
import { InProcessFanout } from './fanout.js';
import {
  assertPostgresReachable, connectClient, createSession, databaseKinds, rawSocket, SKIP_PG, BARE_YJS, startServer, waitFor,
  type TestDatabase, type TestUser,
} from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

describe.each(databaseKinds)('yjs sync over $name', (kind) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  async function setup(options: Parameters<typeof startServer>[1] = {}, db?: TestDatabase) {
    const database = db ?? (await kind.create());
    if (!db) cleanups.push(() => database.cleanup());
    const s = await startServer(database.config, { ...options, sync: { ...options.sync, shapeCheck: null } });
    let closed = false;
    cleanups.push(async () => { if (!closed) await s.server.close(); });
    return { ...s, database, close: async () => { closed = true; await s.server.close(); } };
  }
  function client(wsUrl: string, sessionId: string, user: TestUser) {
    const c = connectClient(wsUrl, sessionId, user);
    cleanups.push(c.destroy);
    return c;
  }
  // Most cases only need "a server"; sharing one per database keeps PGlite start-up cost down.
  // Every test works in its own session, so they cannot see each other's state.
  let shared: Awaited<ReturnType<typeof startServer>> & { cleanup(): Promise<void> };
  beforeAll(async () => {
    const database = await kind.create();
    shared = { ...(await startServer(database.config, BARE_YJS)), cleanup: database.cleanup };
  });
  afterAll(async () => {
    await shared?.server.close();
    await shared?.cleanup();
  });

  const rowCount = (s: { server: Awaited<ReturnType<typeof setup>>['server'] }, sessionId: string) => s.server.db.prisma.docUpdate.count({ where: { sessionId } });

  it('two clients converge on map and array edits; a late joiner gets the state', async () => {
    const s = shared;
    const id = await createSession(s);
    const a = client(s.wsUrl, id, s.owner);
    const b = client(s.wsUrl, id, s.owner);
    await Promise.all([a.synced, b.synced]);

    a.doc.getMap('mix').set('gain', 0.5);
    b.doc.getArray<string>('markers').push(['verse']);
    a.doc.getArray<string>('markers').push(['chorus']);
    await waitFor(() => b.doc.getMap('mix').get('gain') === 0.5 && a.doc.getArray('markers').length === 2 && b.doc.getArray('markers').length === 2);
    expect(a.doc.getArray('markers').toJSON()).toEqual(b.doc.getArray('markers').toJSON());

    const late = client(s.wsUrl, id, s.owner);
    await late.synced;
    expect(late.doc.getMap('mix').get('gain')).toBe(0.5);
    expect(late.doc.getArray('markers').toJSON()).toEqual(a.doc.getArray('markers').toJSON());
  });

  it('keeps the state across a server restart on the same data (flush on close loses nothing)', async () => {
    const database = await kind.create();
    cleanups.push(() => database.cleanup());
    // Long flush delay: every update is still only in memory when close() starts.
    const first = await setup({ sync: { flushDelayMs: 60_000 } }, database);
    const id = await createSession(first);
    const a = client(first.wsUrl, id, first.owner);
    await a.synced;
    const ymap = a.doc.getMap<number>('faders');
    for (let i = 0; i < 50; i++) ymap.set(`ch${i % 5}`, i);
    await waitFor(async () => (await first.server.rooms.peek(id))?.doc.getMap('faders').get('ch4') === 49);
    expect(await rowCount(first, id)).toBe(0);
    a.destroy();
    await first.close();

    const second = await setup({}, database);
    const b = client(second.wsUrl, id, first.owner);
    await b.synced;
    expect(b.doc.getMap('faders').toJSON()).toEqual({ ch0: 45, ch1: 46, ch2: 47, ch3: 48, ch4: 49 });
    // Shutdown compacts: one row per session.
    expect(await rowCount(second, id)).toBe(1);
  });

  it('compaction reduces rows and keeps the state', async () => {
    const s = await setup({ sync: { flushDelayMs: 1, compactThreshold: 10_000, unloadGraceMs: 60_000 } });
    const id = await createSession(s);
    const a = client(s.wsUrl, id, s.owner);
    await a.synced;
    const arr = a.doc.getArray<number>('events');
    for (let i = 0; i < 30; i++) {
      arr.push([i]);
      await waitFor(async () => (await rowCount(s, id)) === i + 1, 5000, `row ${i + 1}`);
    }
    const room = await s.server.rooms.peek(id)!;
    await room.compact();
    expect(await rowCount(s, id)).toBe(1);
    const [row] = await s.server.db.prisma.docUpdate.findMany({ where: { sessionId: id } });
    const restored = new Y.Doc();
    Y.applyUpdate(restored, row.data);
    expect(restored.getArray('events').toJSON()).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('compacts automatically past the threshold', async () => {
    const s = await setup({ sync: { flushDelayMs: 1, compactThreshold: 5 } });
    const id = await createSession(s);
    const a = client(s.wsUrl, id, s.owner);
    await a.synced;
    for (let i = 0; i < 20; i++) {
      a.doc.getMap('m').set('v', i);
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(async () => (await s.server.rooms.peek(id))?.pendingCount === 0 && (await rowCount(s, id)) <= 5);
    const late = client(s.wsUrl, id, s.owner);
    await late.synced;
    expect(late.doc.getMap('m').get('v')).toBe(19);
  });

  it('unloads an idle session after the grace period and reloads it on demand', async () => {
    const s = await setup({ sync: { unloadGraceMs: 50 } });
    const id = await createSession(s);
    const a = client(s.wsUrl, id, s.owner);
    await a.synced;
    a.doc.getMap('m').set('k', 'v');
    await waitFor(async () => (await s.server.rooms.peek(id))?.doc.getMap('m').get('k') === 'v');
    a.destroy();
    await waitFor(() => s.server.rooms.peek(id) === undefined, 5000, 'unload');
    const b = client(s.wsUrl, id, s.owner);
    await b.synced;
    expect(b.doc.getMap('m').get('k')).toBe('v');
  });

  it('closes with 4404 for an unknown session', async () => {
    const s = shared;
    const sock = rawSocket(`${s.wsUrl}/nope-not-here`, s.owner);
    expect(await sock.closed).toEqual({ code: WS_CLOSE.unknownSession, reason: 'unknown session nope-not-here' });
  });

  it.each([
    ['a truncated varint', Buffer.from([0xff])],
    ['an unknown message type', Buffer.from([7, 1, 2])],
    ['an unknown sync message type', Buffer.from([0, 9, 0])],
    ['an update length past the end', Buffer.from([0, 2, 50, 1, 2, 3])],
    ['an update Yjs cannot decode', Buffer.from(encodeUpdate(new Uint8Array([5, 200, 200, 200, 200, 1, 9, 9])))],
  ])('a malformed message (%s) closes only that connection; the doc is unharmed', async (_label, bytes) => {
    const s = shared;
    const id = await createSession(s);
    const a = client(s.wsUrl, id, s.owner);
    const b = client(s.wsUrl, id, s.owner);
    await Promise.all([a.synced, b.synced]);
    a.doc.getMap('m').set('before', 1);
    await waitFor(() => b.doc.getMap('m').get('before') === 1);
    const room = await s.server.rooms.peek(id)!;
    const stateBefore = Y.encodeStateAsUpdate(room.doc);

    const bad = rawSocket(`${s.wsUrl}/${id}`, s.owner);
    await bad.opened;
    bad.ws.send(bytes);
    const closed = await bad.closed;
    expect(closed.code).toBe(WS_CLOSE.malformed);
    expect(closed.reason.length).toBeGreaterThan(0);

    expect(Y.encodeStateAsUpdate(room.doc)).toEqual(stateBefore);
    a.doc.getMap('m').set('after', 2);
    await waitFor(() => b.doc.getMap('m').get('after') === 2);
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
  });

  it('relays awareness between clients and removes it when a client leaves', async () => {
    const s = shared;
    const id = await createSession(s);
    const a = client(s.wsUrl, id, s.owner);
    const b = client(s.wsUrl, id, s.owner);
    await Promise.all([a.synced, b.synced]);
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' });
    await waitFor(() => (b.provider.awareness.getStates().get(a.doc.clientID) as { user?: { name: string } } | undefined)?.user?.name === 'Ada');
    a.provider.disconnect();
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), 5000, 'awareness removal');
  });

  it('fans updates out between two server instances sharing the database', async () => {
    if (kind.name === 'pglite') return; // PGlite is single-process by nature
    const database = await kind.create();
    cleanups.push(() => database.cleanup());
    const fanout = new InProcessFanout();
    const one = await setup({ fanout }, database);
    const two = await setup({ fanout }, database);
    const id = await createSession(one);
    const a = client(one.wsUrl, id, one.owner);
    const b = client(two.wsUrl, id, one.owner);
    await Promise.all([a.synced, b.synced]);
    a.doc.getMap('m').set('x', 1);
    await waitFor(() => b.doc.getMap('m').get('x') === 1);
    b.doc.getMap('m').set('y', 2);
    await waitFor(() => a.doc.getMap('m').get('y') === 2);
  });
});
