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

  /** The update `change` makes in `doc`, as a y-websocket client sends it. */
  function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
    let update: Uint8Array | undefined;
    const grab = (u: Uint8Array) => { update = u; };
    doc.on('update', grab);
    change();
    doc.off('update', grab);
    return update!;
  }
  const replicaOf = (doc: Y.Doc) => {
    const d = new Y.Doc();
    Y.applyUpdate(d, Y.encodeStateAsUpdate(doc));
    return d;
  };

  it('relays a client\'s update message to the others byte for byte, as it was sent', async () => {
    const s = shared;
    const id = await createSession(s);
    const b = client(s.wsUrl, id, s.owner);
    await b.synced;
    b.doc.getMap('mix').set('gain', 0);
    const room = (await s.server.rooms.peek(id))!;
    await waitFor(() => room.doc.getMap('mix').get('gain') === 0);
    // Two members set the same fader at once. Each update deletes the value both saw, so the second
    // repeats a delete the server already made; Yjs' own encoding of what it changed would differ.
    const [x, y, expected] = [replicaOf(room.doc), replicaOf(room.doc), replicaOf(room.doc)];
    const updates = [updateOf(x, () => x.getMap('mix').set('gain', 1)), updateOf(y, () => y.getMap('mix').set('gain', 2))];
    for (const u of updates) Y.applyUpdate(expected, u);
    const frames = updates.map(encodeUpdate);
    const peer = rawSocket(`${s.wsUrl}/${id}`, s.owner);
    cleanups.push(() => peer.ws.terminate());
    await peer.opened;
    await waitFor(() => peer.messages.length > 0, 5000, 'the peer joined');
    const sender = rawSocket(`${s.wsUrl}/${id}`, s.owner);
    cleanups.push(() => sender.ws.terminate());
    await sender.opened;
    for (const f of frames) sender.ws.send(f);
    const received = (f: Uint8Array) => peer.messages.some((m) => Buffer.from(f).equals(m));
    await waitFor(() => frames.every(received), 5000, 'both frames at the peer');
    // Everyone ends where Yjs puts the two concurrent writes.
    await waitFor(() => b.doc.getMap('mix').get('gain') === expected.getMap('mix').get('gain'));
    expect(room.doc.getMap('mix').toJSON()).toEqual(expected.getMap('mix').toJSON());
  });

  it('an update parked for a missing dependency reaches the others (and the log) only once the server can integrate it', async () => {
    const s = shared;
    const id = await createSession(s);
    const peer = client(s.wsUrl, id, s.owner);
    const other = client(s.wsUrl, id, s.owner);
    await Promise.all([peer.synced, other.synced]);
    const room = (await s.server.rooms.peek(id))!;
    const x = replicaOf(room.doc);
    const first = updateOf(x, () => x.getArray<number>('a').push([1]));
    const y = replicaOf(x);
    const second = updateOf(y, () => y.getArray<number>('a').push([2]));

    // The second writer's item sits after the first's, which the server does not have: Yjs parks it
    // (and the sender is told to resync, 4312).
    const early = rawSocket(`${s.wsUrl}/${id}`, s.owner);
    cleanups.push(() => early.ws.terminate());
    await early.opened;
    early.ws.send(encodeUpdate(second));
    expect((await early.closed).code).toBe(WS_CLOSE.resync);
    expect(room.doc.store.pendingStructs).not.toBeNull();
    // Everything the server sent the peer until now has arrived once this later edit has.
    other.doc.getMap('m').set('marker', 1);
    await waitFor(() => peer.doc.getMap('m').get('marker') === 1);
    expect(peer.doc.store.pendingStructs).toBeNull();
    expect(peer.doc.getArray('a').toJSON()).toEqual([]);

    const late = rawSocket(`${s.wsUrl}/${id}`, s.owner);
    cleanups.push(() => late.ws.terminate());
    await late.opened;
    late.ws.send(encodeUpdate(first));
    await waitFor(() => peer.doc.getArray('a').length === 2, 5000, 'both items at the peer');
    expect(peer.doc.getArray('a').toJSON()).toEqual([1, 2]);
    expect(peer.doc.store.pendingStructs).toBeNull();
    expect(room.doc.store.pendingStructs).toBeNull();
    await room.flush();
    const stored = new Y.Doc();
    for (const r of await s.server.db.prisma.docUpdate.findMany({ where: { sessionId: id }, orderBy: { id: 'asc' } })) Y.applyUpdate(stored, r.data);
    expect(stored.getArray('a').toJSON()).toEqual([1, 2]);
    expect(stored.store.pendingStructs).toBeNull();
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
