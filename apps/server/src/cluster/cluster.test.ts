// Two server processes behind one address: each has its own Redis connections, its own
// in-memory rooms and sockets, and nothing in common but PostgreSQL and Redis, as two
// processes on two machines would (they run in one Node process here only to share the test).
import { randomUUID } from 'node:crypto';
import {
  EVENTS, REVIEW_EVENTS, WS_CLOSE,
  type AccessChangedPayload, type CommentInfo, type JoinAck, type Presence, type SharedTransportStateMessage, type SignInEndedPayload, type TransportAck,
} from '@mixroom/protocol';
import { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeWav } from '@mixroom/engine';
import { createMixroomServer } from '../app.js';
import {
  addMember, connectClient, connectIo, cookieFrom, createSession, fetchAs, postgres, quietLogger, rawSocket, SKIP_PG, signUp, BARE_YJS, startServer,
  waitFor, type TestDatabase, type TestServer, type TestUser,
} from '../test-support.js';
import { encodeFrame } from './redis-fanout.js';

const REDIS_URL = process.env.MIXROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SKIP_REDIS = process.env.MIXROOM_SKIP_REDIS === '1';

describe.skipIf(SKIP_PG || SKIP_REDIS)('two server processes sharing PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let one: TestServer;
  let two: TestServer;
  let redis: Redis;
  const prefix = `mixroom-test-${randomUUID().slice(0, 8)}:`;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect().catch((err: Error) => {
      throw new Error(`Redis at ${REDIS_URL} is unreachable (${err.message}); start it or set MIXROOM_SKIP_REDIS=1`);
    });
    database = await postgres.create();
    const config = { ...database.config, redisUrl: REDIS_URL, redisPrefix: prefix };
    one = await startServer(config, BARE_YJS);
    two = await startServer(config, BARE_YJS);
  });

  afterAll(async () => {
    for (const c of cleanups) c();
    await one?.server.close();
    await two?.server.close();
    await database?.cleanup();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const yClient = (s: TestServer, sessionId: string, user: TestUser) => {
    const c = connectClient(s.wsUrl, sessionId, user);
    cleanups.push(c.destroy);
    return c;
  };
  const io = (s: TestServer, user: TestUser): Socket => {
    const sock = connectIo(s.url, user);
    cleanups.push(() => sock.close());
    return sock;
  };
  const join = async (sock: Socket, sessionId: string, name: string) => {
    const ack = (await sock.timeout(5000).emitWithAck(EVENTS.join, { sessionId, name, color: '#336699' })) as JoinAck;
    if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
    return ack;
  };
  const rowsOf = (sessionId: string) => one.server.db.prisma.docUpdate.count({ where: { sessionId } });

  it('a mix change made on one process reaches a client of the other at once, and is stored once', async () => {
    const id = await createSession(one);
    const a = yClient(one, id, one.owner);
    const b = yClient(two, id, one.owner);
    await Promise.all([a.synced, b.synced]);
    await Promise.all([one.server.rooms.peek(id)!.then((r) => r.flush()), two.server.rooms.peek(id)!.then((r) => r.flush())]);
    const rowsBefore = await rowsOf(id);

    a.doc.getMap('mix').set('Bass.gain', -3);
    await waitFor(() => b.doc.getMap('mix').get('Bass.gain') === -3, 5000, 'A → B');
    b.doc.getMap('mix').set('Keys.pan', 0.25);
    await waitFor(() => a.doc.getMap('mix').get('Keys.pan') === 0.25, 5000, 'B → A');

    await Promise.all([one.server.rooms.peek(id)!.then((r) => r.flush()), two.server.rooms.peek(id)!.then((r) => r.flush())]);
    // Each update is written by the process that accepted it, not once per process.
    expect((await rowsOf(id)) - rowsBefore).toBe(2);
    const stored = new Y.Doc();
    for (const row of await one.server.db.prisma.docUpdate.findMany({ where: { sessionId: id } })) Y.applyUpdate(stored, row.data);
    expect(stored.getMap('mix').toJSON()).toMatchObject({ 'Bass.gain': -3, 'Keys.pan': 0.25 });
  });

  it('a comment posted through one process reaches review subscribers on the other', async () => {
    const id = await createSession(one);
    const sock = io(two, one.owner);
    const seen: CommentInfo[] = [];
    sock.on(REVIEW_EVENTS.comment, (c: CommentInfo) => seen.push(c));
    expect(((await sock.timeout(5000).emitWithAck(REVIEW_EVENTS.subscribe, { sessionId: id })) as { ok: boolean }).ok).toBe(true);
    const res = await fetchAs(one.owner, `${one.url}/api/sessions/${id}/comments`, { method: 'POST', body: JSON.stringify({ body: 'Snare too loud here', atSec: 0 }) });
    expect(res.status).toBe(201);
    await waitFor(() => seen.length === 1, 5000, 'the comment event on the other process');
    expect(seen[0].body).toBe('Snare too loud here');
  });

  it('presence spans processes: who is here, and which control each one holds', async () => {
    const id = await createSession(one);
    const ana = io(one, one.owner);
    const ben = io(two, one.owner);
    const anaSees: Presence[] = [];
    ana.on(EVENTS.presence, (p: Presence) => anaSees.push(p));
    const benSees: Presence[] = [];
    ben.on(EVENTS.presence, (p: Presence) => benSees.push(p));
    const anaJoin = await join(ana, id, 'Ana');
    const benJoin = await join(ben, id, 'Ben');
    expect(benJoin.ok && benJoin.peers.map((p) => p.name)).toEqual(['Ana']);
    await waitFor(() => anaSees.some((p) => p.name === 'Ben'), 5000, 'Ana hearing Ben arrive');
    ana.emit(EVENTS.presenceUpdate, { control: 'Bass:gain' });
    await waitFor(() => benSees.some((p) => anaJoin.ok && p.peerId === anaJoin.peerId && p.control === 'Bass:gain'), 5000, 'Ben seeing Ana hold the Bass fader');
  });

  it('removing a member on one process closes their connections on the other at once', async () => {
    const id = await createSession(one);
    const guest = await signUp(one.url, 'Guest');
    await addMember(one, id, guest, 'artist');
    const ws = rawSocket(`${two.wsUrl}/${id}`, guest);
    await ws.opened;
    const sock = io(two, guest);
    const changed: AccessChangedPayload[] = [];
    sock.on(EVENTS.accessChanged, (p: AccessChangedPayload) => changed.push(p));
    const disconnected = new Promise<string>((resolve) => sock.on('disconnect', (reason) => resolve(reason)));
    await join(sock, id, 'Guest');
    // Reading through process two caches the guest's role there.
    expect((await fetchAs(guest, `${two.url}/api/sessions/${id}/comments`)).status).toBe(200);

    expect((await fetchAs(one.owner, `${one.url}/api/sessions/${id}/members/${guest.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await ws.closed).toEqual({ code: WS_CLOSE.removed, reason: 'you were removed from this session' });
    expect(await disconnected).toBe('io server disconnect');
    expect(changed).toEqual([{ sessionId: id, role: null }]);
    await waitFor(async () => (await fetchAs(guest, `${two.url}/api/sessions/${id}/comments`)).status === 404, 2000, 'process two to refuse the removed member');
  });

  it('signing out on one process ends the sign-in on the other at once', async () => {
    const user = await signUp(one.url, 'Leaver');
    const signIn = await fetch(`${one.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: 'correct horse battery' }) });
    expect(signIn.status).toBe(200);
    const session = { ...user, cookie: cookieFrom(signIn) };
    // Process two now answers this sign-in from memory.
    expect((await fetchAs(session, `${two.url}/api/auth/me`)).status).toBe(200);
    const sock = io(two, session);
    const ended = new Promise<SignInEndedPayload>((resolve) => sock.on(EVENTS.signInEnded, resolve));
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));

    expect((await fetchAs(session, `${one.url}/api/auth/signout`, { method: 'POST' })).status).toBe(204);
    expect((await ended).reason).toBe('signed_out');
    await waitFor(async () => (await fetchAs(session, `${two.url}/api/auth/me`)).status === 401, 2000, 'process two to forget the sign-in');
  });

  it('listen together: commands sent to both processes are ordered into one sequence that everyone sees', async () => {
    const id = await createSession(one);
    await one.server.db.prisma.stem.create({
      data: { id: `st-${id}`, sessionId: id, name: 'Drums', fileHash: 'a'.repeat(64), fileName: 'd.wav', mimeType: 'audio/wav', sizeBytes: 1, sampleRate: 48000, channels: 2, durationSec: 60, position: 0 },
    });
    const ana = io(one, one.owner);
    const ben = io(two, one.owner);
    const anaStates: SharedTransportStateMessage[] = [];
    const benStates: SharedTransportStateMessage[] = [];
    ana.on(EVENTS.transportState, (s: SharedTransportStateMessage) => anaStates.push(s));
    ben.on(EVENTS.transportState, (s: SharedTransportStateMessage) => benStates.push(s));
    await join(ana, id, 'Ana');
    await join(ben, id, 'Ben');
    const command = (sock: Socket, payload: unknown) => sock.timeout(5000).emitWithAck(EVENTS.transportCommand, payload) as Promise<TransportAck>;
    const acks = await Promise.all(
      Array.from({ length: 6 }, (_, i) => [command(ana, { kind: 'seek', position: i }), command(ben, { kind: 'seek', position: 30 + i })]).flat(),
    );
    const seqs = acks.map((a) => (a.ok ? a.state.seq : -1)).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await waitFor(() => anaStates.length === 12 && benStates.length === 12, 5000, 'every state at both clients');
    expect(new Set(anaStates.map((s) => s.seq)).size).toBe(12);
    const last = (acks.find((a) => a.ok && a.state.seq === 12) as { state: SharedTransportStateMessage }).state;
    for (const sock of [ana, ben]) {
      const got = (await sock.timeout(5000).emitWithAck(EVENTS.transportGet, {})) as TransportAck;
      expect(got.ok && got.state).toEqual(last);
    }
  });

  it('Yjs awareness spans processes: a state set on one reaches the other, a process that opens the session later gets it, and leaving removes it', async () => {
    type State = { user?: { name: string } } | undefined;
    const nameAt = (c: ReturnType<typeof yClient>, clientId: number) => (c.provider.awareness.getStates().get(clientId) as State)?.user?.name;
    const id = await createSession(one);
    const a = yClient(one, id, one.owner);
    await a.synced;
    // Set before process two holds the session at all: two must ask for it when it opens it.
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' });
    await waitFor(async () => (await one.server.rooms.peek(id))?.awareness.getStates().has(a.doc.clientID) === true, 5000, 'A on process one');
    expect(two.server.rooms.peek(id)).toBeUndefined();
    const b = yClient(two, id, one.owner);
    await b.synced;
    await waitFor(() => nameAt(b, a.doc.clientID) === 'Ada', 5000, "A's state at B (late join)");
    b.provider.awareness.setLocalStateField('user', { name: 'Bo' });
    await waitFor(() => nameAt(a, b.doc.clientID) === 'Bo', 5000, "B's state at A");
    a.provider.awareness.setLocalStateField('user', { name: 'Ada L.' });
    await waitFor(() => nameAt(b, a.doc.clientID) === 'Ada L.', 5000, "A's change at B");
    a.destroy();
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), 5000, "A's state removed at B");
    // Garbage on the bus is dropped.
    await redis.publish(`${prefix}doc:${id}`, encodeFrame(3, 'intruder', new Uint8Array([0xff, 0xff, 0xff])));
    b.provider.awareness.setLocalStateField('user', { name: 'Bo B.' });
    expect((await fetchAs(one.owner, `${two.url}/api/auth/me`)).status).toBe(200);
  });

  it('a process that lost its Redis subscription for a moment catches up on what it missed', async () => {
    const id = await createSession(one);
    const a = yClient(one, id, one.owner);
    const b = yClient(two, id, one.owner);
    await Promise.all([a.synced, b.synced]);
    const clients = await redis.client('LIST') as string;
    const listener = clients.split('\n').find((line) => line.includes(`name=${two.server.redisClientName}:sub `));
    expect(listener).toBeDefined();
    const clientId = /\bid=(\d+)/.exec(listener!)![1];
    await redis.client('KILL', 'ID', clientId);
    // Published while process two is not listening: pub/sub keeps nothing for it.
    a.doc.getMap('mix').set('Lead.mute', true);
    await waitFor(() => b.doc.getMap('mix').get('Lead.mute') === true, 10_000, 'process two to catch up after reconnecting');
    // And the link works both ways again.
    b.doc.getMap('mix').set('Lead.mute', false);
    await waitFor(() => a.doc.getMap('mix').get('Lead.mute') === false, 5000, 'B → A after the reconnect');
  });

  it('malformed messages on the bus are logged and dropped; the processes keep serving', async () => {
    const id = await createSession(one);
    const a = yClient(one, id, one.owner);
    const b = yClient(two, id, one.owner);
    await Promise.all([a.synced, b.synced]);
    await redis.publish(`${prefix}doc:${id}`, Buffer.from([1]));
    await redis.publish(`${prefix}doc:${id}`, encodeFrame(1, 'intruder', new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02])));
    await redis.publish(`${prefix}doc:${id}`, encodeFrame(2, 'intruder', new Uint8Array([0xff, 0xff, 0xff])));
    await redis.publish(`${prefix}membership`, '{"source":"x","value":{"sessionId":42}}');
    await redis.publish(`${prefix}sign-in-ended`, 'not json');
    a.doc.getMap('mix').set('Arp.gain', -6);
    await waitFor(() => b.doc.getMap('mix').get('Arp.gain') === -6, 5000, 'A → B after the garbage');
    expect((await fetchAs(one.owner, `${two.url}/api/auth/me`)).status).toBe(200);
  });

  it('an MP3 encoded by one process is served by the other without encoding it again', async () => {
    const id = await createSession(one);
    const tone = [0, 1].map(() => Float32Array.from({ length: 48000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 48000)));
    const posted = await fetchAs(one.owner, `${one.url}/api/sessions/${id}/versions?source=upload`, {
      method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(encodeWav(tone, 48000, { bitDepth: 24, dither: 'none' })),
    });
    expect(posted.status).toBe(201);
    const version = (await posted.json()) as { id: string };
    const download = (s: TestServer) => fetchAs(one.owner, `${s.url}/api/sessions/${id}/versions/${version.id}/download?format=mp3`);
    const first = await download(one);
    expect(first.status).toBe(200);
    const mp3 = Buffer.from(await first.arrayBuffer());
    // Without its source WAV, process two can only answer with the recorded encode.
    const source = (await one.server.db.prisma.version.findUniqueOrThrow({ where: { id: version.id } })).fileHash;
    await one.server.blobs.delete(source);
    const second = await download(two);
    expect(second.status).toBe(200);
    expect(Buffer.from(await second.arrayBuffer()).equals(mp3)).toBe(true);
  });

  it('refuses to start, with a clear message, when REDIS_URL points nowhere', async () => {
    const db = await postgres.create();
    try {
      await expect(createMixroomServer({ ...db.config, redisUrl: 'redis://127.0.0.1:1' }, { logger: quietLogger, seed: false })).rejects.toThrow(
        /cannot connect to Redis \(REDIS_URL=redis:\/\/127\.0\.0\.1:1\)/,
      );
    } finally {
      await db.cleanup();
    }
  });
});
