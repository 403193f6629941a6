// Open connections end with their sign-in: at sign-out at once, at expiry on time, and when the
// database says the sign-in is gone (another process signed it out) within one sweep.
import { EVENTS, WS_CLOSE, type SignInEndedPayload } from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertPostgresReachable, connectIo, cookieFrom, createSession, databaseKinds, fetchAs, rawSocket, SKIP_PG, startServer,
  type TestDatabase, type TestServer, type TestUser,
} from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

/** A second, independent sign-in of the same account (another browser). */
async function signInAgain(url: string, user: TestUser): Promise<TestUser> {
  const res = await fetchAs(null, `${url}/api/auth/signin`, { method: 'POST', body: JSON.stringify({ email: user.email, password: 'correct horse battery' }) });
  expect(res.status).toBe(200);
  return { ...user, cookie: cookieFrom(res) };
}

/** A Yjs websocket and a joined socket.io connection of `user` in `sessionId`, with what ends them recorded. */
async function connectBoth(s: TestServer, sessionId: string, user: TestUser) {
  const ws = rawSocket(`${s.wsUrl}/${sessionId}`, user);
  await ws.opened;
  const io: Socket = connectIo(s.url, user);
  const ended: SignInEndedPayload[] = [];
  io.on(EVENTS.signInEnded, (p: SignInEndedPayload) => ended.push(p));
  const disconnected = new Promise<string>((resolve) => io.on('disconnect', (reason) => resolve(reason)));
  const ack = (await io.timeout(5000).emitWithAck(EVENTS.join, { sessionId, name: user.name, color: '#123456' })) as { ok: boolean };
  expect(ack.ok).toBe(true);
  return { ws, io, ended, disconnected };
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);

describe.each(databaseKinds)('connections end with their sign-in over $name', (kind) => {
  let database: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    database = await kind.create();
    // A slow sweep: the sign-out and expiry tests must pass without it.
    s = await startServer(database.config, { auth: { signInSweepMs: 60_000 } });
  });
  afterAll(async () => {
    await s?.server.close();
    await database?.cleanup();
  });

  it('signing out closes that sign-in\'s Yjs websocket and socket.io connection at once; another sign-in of the same account stays', async () => {
    const id = await createSession(s, 'Sign-out');
    const laptop = await signInAgain(s.url, s.owner);
    const phone = await signInAgain(s.url, s.owner);
    const onLaptop = await connectBoth(s, id, laptop);
    const onPhone = await connectBoth(s, id, phone);

    const t0 = Date.now();
    const out = await fetchAs(laptop, `${s.url}/api/auth/signout`, { method: 'POST' });
    expect(out.status).toBe(204);
    expect(await within(onLaptop.ws.closed, 2000, 'the Yjs close')).toEqual({ code: WS_CLOSE.unauthorized, reason: 'you signed out' });
    expect(await within(onLaptop.disconnected, 2000, 'the socket.io disconnect')).toBe('io server disconnect');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(onLaptop.ended).toEqual([{ reason: 'signed_out', message: 'you signed out' }]);

    // The other browser of the same person is a different sign-in: untouched.
    await new Promise((r) => setTimeout(r, 200));
    expect(onPhone.ws.ws.readyState).toBe(onPhone.ws.ws.OPEN);
    expect(onPhone.io.connected).toBe(true);
    expect(onPhone.ended).toEqual([]);
    // Reconnecting with the signed-out cookie is refused.
    expect((await rawSocket(`${s.wsUrl}/${id}`, laptop).closed).code).toBe(WS_CLOSE.unauthorized);
    onPhone.ws.ws.close();
    onPhone.io.close();
  });

  it('a sign-in signed out elsewhere (its row gone from the database) is cut off by the sweep', async () => {
    const id = await createSession(s, 'Elsewhere');
    const other = await signInAgain(s.url, s.owner);
    const conn = await connectBoth(s, id, other);
    // What another server process does on sign-out, without a way to tell this one.
    const { hashToken } = await import('./tokens.js');
    const token = decodeURIComponent(other.cookie.split('=')[1]);
    expect((await s.server.db.prisma.authSession.deleteMany({ where: { tokenHash: hashToken(token) } })).count).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(conn.io.connected).toBe(true); // nothing told this process yet
    await s.server.signIns.sweep();
    expect(await within(conn.ws.closed, 2000, 'the Yjs close')).toEqual({ code: WS_CLOSE.unauthorized, reason: 'you signed out' });
    expect(await within(conn.disconnected, 2000, 'the socket.io disconnect')).toBe('io server disconnect');
  });
});

describe.each(databaseKinds)('sign-in expiry over $name', (kind) => {
  let database: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    database = await kind.create();
    s = await startServer(database.config, { auth: { sessionTtlMs: 4000, signInSweepMs: 60_000 } });
  });
  afterAll(async () => {
    await s?.server.close();
    await database?.cleanup();
  });

  it('closes the connections of an expired sign-in at its expiry, not at the next handshake', async () => {
    const id = await createSession(s, 'Expiry');
    const row = await s.server.db.prisma.authSession.findFirstOrThrow({ where: { userId: s.owner.id } });
    const conn = await connectBoth(s, id, s.owner);
    const closed = await within(conn.ws.closed, 8000, 'the Yjs close at expiry');
    const closedAt = Date.now();
    expect(closed).toEqual({ code: WS_CLOSE.unauthorized, reason: 'your sign-in expired; sign in again' });
    expect(await within(conn.disconnected, 2000, 'the socket.io disconnect')).toBe('io server disconnect');
    expect(conn.ended).toEqual([{ reason: 'expired', message: 'your sign-in expired; sign in again' }]);
    // On time: not before the expiry, and soon after it.
    expect(closedAt).toBeGreaterThanOrEqual(row.expiresAt.getTime() - 50);
    expect(closedAt - row.expiresAt.getTime()).toBeLessThan(1500);
    expect(s.server.signIns.size).toBe(0);
  });
});
