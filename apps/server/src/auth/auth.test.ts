import { EVENTS, REVIEW_EVENTS, WS_CLOSE, type AccessChangedPayload, type ErrorBody, type ListSessionsResponse } from '@mixroom/protocol';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  addMember, assertPostgresReachable, connectClient, connectIo, cookieFrom, createSession, databaseKinds, fetchAs, rawSocket, signUp, SKIP_PG, BARE_YJS, startServer, waitFor,
  type TestDatabase, type TestServer, type TestUser,
} from '../test-support.js';
import { InProcessMembershipChanges } from './membership-changes.js';
import { InProcessSignInEvents } from './sign-in-watch.js';
import { hashPassword, verifyPassword } from './passwords.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

describe('password hashing', () => {
  it('stores scrypt parameters and a random salt, and verifies only the right password', async () => {
    const a = await hashPassword('hunter2 hunter2', { N: 1024, r: 8, p: 1 });
    const b = await hashPassword('hunter2 hunter2', { N: 1024, r: 8, p: 1 });
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('hunter2 hunter2', a)).toBe(true);
    expect(await verifyPassword('hunter2 hunter3', a)).toBe(false);
    expect(await verifyPassword('hunter2 hunter2', 'md5$abc')).toBe(false);
    // The default cost is what the server uses: N=2^15.
    expect(await hashPassword('x'.repeat(8))).toMatch(/^scrypt\$32768\$8\$1\$/);
  });
});

const post = (user: TestUser | null, url: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetchAs(user, url, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body), headers });
const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

describe.each(databaseKinds)('accounts, invites and access over $name', (kind) => {
  let database: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    database = await kind.create();
    s = await startServer(database.config, { ...BARE_YJS, auth: { limits: { perEmailIp: 3, perIp: 1000 } } });
  });
  afterAll(async () => {
    await s?.server.close();
    await database?.cleanup();
  });

  it('signs up with a lower-cased email, sets an httpOnly SameSite=Lax cookie, and refuses duplicates', async () => {
    const res = await post(null, `${s.url}/api/auth/signup`, { email: '  Mixed.Case@Example.TEST ', name: 'Mia', password: 'long enough pw' });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^mixroom_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    expect(((await res.json()) as { user: { email: string } }).user.email).toBe('mixed.case@example.test');
    const me = await fetchAs({ cookie: cookieFrom(res) } as TestUser, `${s.url}/api/auth/me`);
    expect(((await me.json()) as { user: { name: string } }).user.name).toBe('Mia');
    // Signing up again with the account's own password signs in; any other password is refused
    // like a wrong sign-in, without naming the email (and after the same scrypt as a new account).
    const again = await post(null, `${s.url}/api/auth/signup`, { email: 'MIXED.case@example.test', name: 'Other', password: 'long enough pw' });
    expect(again.status).toBe(201);
    expect(((await again.json()) as { user: { name: string } }).user.name).toBe('Mia');
    const other = await post(null, `${s.url}/api/auth/signup`, { email: 'MIXED.case@example.test', name: 'Other', password: 'another password' });
    expect(other.status).toBe(401);
    expect((await errorOf(other)).message).toBe('could not sign up with this email and password; if you have an account, sign in');
    // Only the hash of the token is stored.
    const rows = await s.server.db.prisma.authSession.findMany();
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.tokenHash))).toBe(true);
    expect(rows.some((r) => setCookie.includes(r.tokenHash))).toBe(false);
  });

  it.each([
    ['an unknown field', { email: 'a@example.test', name: 'A', password: 'long enough pw', admin: true }, /unrecognized key.*admin|admin/i],
    ['a wrong type', { email: 'a@example.test', name: 42, password: 'long enough pw' }, /name:/],
    ['an over-long name', { email: 'a@example.test', name: 'x'.repeat(61), password: 'long enough pw' }, /name: name must be at most 60/],
    ['a short password', { email: 'a@example.test', name: 'A', password: 'short' }, /password: password must be at least 8/],
    ['a bad email', { email: 'not-an-email', name: 'A', password: 'long enough pw' }, /email:/],
  ])('rejects sign-up with %s (400, clear message)', async (_label, body, message) => {
    const res = await post(null, `${s.url}/api/auth/signup`, body);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(message);
  });

  it('sets Secure on the cookie behind an https proxy when TRUST_PROXY is on', async () => {
    const db = await kind.create();
    const proxied = await startServer({ ...db.config, trustProxy: true }, BARE_YJS);
    try {
      const res = await post(null, `${proxied.url}/api/auth/signup`, { email: 'p@example.test', name: 'P', password: 'long enough pw' }, { 'x-forwarded-proto': 'https' });
      expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
    } finally {
      await proxied.server.close();
      await db.cleanup();
    }
  });

  it('signs out (the cookie stops working) and expires sign-ins', async () => {
    const u = await signUp(s.url, 'Leaver');
    // Twice: the second answer comes from the sign-in cache, which the sign-out must empty.
    expect((await fetchAs(u, `${s.url}/api/auth/me`)).status).toBe(200);
    expect((await fetchAs(u, `${s.url}/api/auth/me`)).status).toBe(200);
    const out = await post(u, `${s.url}/api/auth/signout`);
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await fetchAs(u, `${s.url}/api/auth/me`)).status).toBe(401);

    const v = await signUp(s.url, 'Expiring');
    await s.server.db.prisma.authSession.updateMany({ where: { userId: v.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await fetchAs(v, `${s.url}/api/auth/me`);
    expect(expired.status).toBe(401);
    expect((await errorOf(expired)).message).toBe('sign in first');
  });

  it('rate-limits sign-in per email and address, even for the right password, and counts in the database', async () => {
    const u = await signUp(s.url, 'Target');
    const attempt = (password: string) => post(null, `${s.url}/api/auth/signin`, { email: u.email, password });
    expect((await attempt('wrong password 1')).status).toBe(401);
    expect((await attempt('wrong password 2')).status).toBe(401);
    expect((await attempt('wrong password 3')).status).toBe(401);
    const limited = await attempt('correct horse battery');
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).message).toMatch(/too many sign-in attempts; try again in \d+ min/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(60);
    expect((await s.server.db.prisma.rateLimit.findUnique({ where: { key: `signin:email-ip:${u.email}|127.0.0.1` } }))?.count).toBe(4);
    // Another account from the same IP is unaffected (its own per-email budget; per-IP budget is large here).
    const other = await signUp(s.url, 'Other');
    expect((await post(null, `${s.url}/api/auth/signin`, { email: other.email, password: 'correct horse battery' })).status).toBe(200);
  });

  it('shares the sign-in limit between server processes on the same database', async () => {
    if (kind.name === 'pglite') return; // PGlite is single-process by nature
    const second = await startServer(database.config, { ...BARE_YJS, auth: { limits: { perEmailIp: 3, perIp: 1000 } } });
    try {
      const u = await signUp(s.url, 'Twice');
      for (const [server, n] of [[s, 1], [second, 2], [s, 3]] as const) {
        expect((await post(null, `${server.url}/api/auth/signin`, { email: u.email, password: `wrong ${n}` })).status).toBe(401);
      }
      expect((await post(null, `${second.url}/api/auth/signin`, { email: u.email, password: 'correct horse battery' })).status).toBe(429);
    } finally {
      await second.server.close();
    }
  });

  it('ends a sign-in at once in another process that still holds it in memory (SignInEvents)', async () => {
    if (kind.name === 'pglite') return; // PGlite is single-process by nature
    const events = new InProcessSignInEvents();
    const one = await startServer(database.config, { ...BARE_YJS, signInEvents: events });
    const two = await startServer(database.config, { ...BARE_YJS, signInEvents: events });
    try {
      const u = await signUp(one.url, 'Roamer');
      // Both processes have identified the cookie, so both answer it from memory now.
      expect((await fetchAs(u, `${one.url}/api/auth/me`)).status).toBe(200);
      expect((await fetchAs(u, `${two.url}/api/auth/me`)).status).toBe(200);
      expect((await post(u, `${one.url}/api/auth/signout`)).status).toBe(204);
      expect((await fetchAs(u, `${two.url}/api/auth/me`)).status).toBe(401);
      expect((await fetchAs(u, `${one.url}/api/auth/me`)).status).toBe(401);
    } finally {
      await one.server.close();
      await two.server.close();
    }
  });

  it('refuses cross-site state changes (Origin / Sec-Fetch-Site) and allows same-origin ones', async () => {
    const crossOrigin = await post(s.owner, `${s.url}/api/sessions`, { title: 'CSRF' }, { origin: 'http://evil.example' });
    expect(crossOrigin.status).toBe(403);
    expect((await errorOf(crossOrigin)).message).toMatch(/cross-origin request refused/);
    const crossSite = await post(s.owner, `${s.url}/api/sessions`, { title: 'CSRF' }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    const sameOrigin = await post(s.owner, `${s.url}/api/sessions`, { title: 'Fine' }, { origin: s.url.replace('127.0.0.1', '127.0.0.1'), 'sec-fetch-site': 'same-origin' });
    expect(sameOrigin.status).toBe(201);
    expect(await s.server.db.prisma.mixSession.count({ where: { title: 'CSRF' } })).toBe(0);

    // Websocket handshakes from another site are refused too, cookie or not.
    const id = await createSession(s, 'CSRF sockets');
    const yjs = new WebSocket(`${s.wsUrl}/${id}`, { headers: { cookie: s.owner.cookie, origin: 'http://evil.example' } });
    yjs.on('error', () => {}); // terminating a refused handshake reports an error; expected here
    const status = await new Promise<number>((resolve) => {
      yjs.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      yjs.once('open', () => resolve(101));
    });
    yjs.terminate();
    expect(status).toBe(403);
    const io = ioClient(s.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie: s.owner.cookie, origin: 'http://evil.example' } });
    const connected = await new Promise<boolean>((resolve) => {
      io.once('connect', () => resolve(true));
      io.once('connect_error', () => resolve(false));
    });
    io.disconnect();
    expect(connected).toBe(false);
  });

  it('lists only my sessions; creating one makes me its owner', async () => {
    const me = await signUp(s.url, 'Solo');
    const mine = await createSession(s, 'Only mine', me);
    await createSession(s, 'Not mine');
    const list = (await (await fetchAs(me, `${s.url}/api/sessions`)).json()) as ListSessionsResponse;
    expect(list.sessions.map((x) => [x.id, x.role])).toEqual([[mine, 'owner']]);
  });

  it('invite links: join with the role; expired, revoked and used-up links get clear errors', async () => {
    const id = await createSession(s, 'Invites');
    const create = async (body: unknown) => {
      const res = await post(s.owner, `${s.url}/api/sessions/${id}/invites`, body);
      expect(res.status).toBe(201);
      return (await res.json()) as { token: string; path: string; invite: { id: string } };
    };
    const accept = (u: TestUser, token: string) => post(u, `${s.url}/api/invites/${token}/accept`);

    const bad = await post(s.owner, `${s.url}/api/sessions/${id}/invites`, { role: 'admin', maxUses: 0 });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/role: .*; maxUses: /);

    const once = await create({ role: 'artist', maxUses: 1, expiresInHours: 1 });
    expect(once.path).toBe(`/i/${once.token}`);
    const first = await signUp(s.url, 'First');
    const preview = await fetchAs(first, `${s.url}/api/invites/${once.token}`);
    expect(await preview.json()).toMatchObject({ sessionTitle: 'Invites', role: 'artist', status: 'active' });
    expect(await (await accept(first, once.token)).json()).toEqual({ sessionId: id, role: 'artist' });
    expect((await fetchAs(first, `${s.url}/api/sessions/${id}`)).status).toBe(200);
    const second = await signUp(s.url, 'Second');
    const usedUp = await accept(second, once.token);
    expect(usedUp.status).toBe(410);
    expect((await errorOf(usedUp)).message).toMatch(/already been used/);

    const revoked = await create({ role: 'viewer' });
    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}/invites/${revoked.invite.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await errorOf(await accept(second, revoked.token))).message).toMatch(/revoked/);

    const expired = await create({ role: 'viewer' });
    await s.server.db.prisma.invite.update({ where: { id: expired.invite.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    const late = await accept(second, expired.token);
    expect(late.status).toBe(410);
    expect((await errorOf(late)).message).toMatch(/expired/);

    expect((await accept(second, 'x'.repeat(43))).status).toBe(404);
    expect((await fetchAs(second, `${s.url}/api/sessions/${id}`)).status).toBe(404);
    const statuses = ((await (await fetchAs(s.owner, `${s.url}/api/sessions/${id}/invites`)).json()) as { invites: { status: string }[] }).invites.map((i) => i.status);
    expect(statuses.sort()).toEqual(['expired', 'revoked', 'used_up']);
  });

  it('never leaves a session without an owner', async () => {
    const id = await createSession(s, 'Owners');
    const ownerPath = `${s.url}/api/sessions/${id}/members/${s.owner.id}`;
    const demote = await fetchAs(s.owner, ownerPath, { method: 'PATCH', body: JSON.stringify({ role: 'viewer' }) });
    expect(demote.status).toBe(409);
    expect((await errorOf(demote)).message).toMatch(/last owner/);
    expect((await fetchAs(s.owner, ownerPath, { method: 'DELETE' })).status).toBe(409);
    const other = await signUp(s.url, 'Heir');
    await addMember(s, id, other, 'engineer');
    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}/members/${other.id}`, { method: 'PATCH', body: JSON.stringify({ role: 'owner' }) })).status).toBe(200);
    expect((await fetchAs(s.owner, ownerPath, { method: 'PATCH', body: JSON.stringify({ role: 'viewer' }) })).status).toBe(200);
    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}/members`)).status).toBe(403);
  });

  it('removing a member closes their Yjs websocket (4403) and socket.io connection at once', async () => {
    const id = await createSession(s, 'Removal');
    const guest = await signUp(s.url, 'Guest');
    await addMember(s, id, guest, 'artist');
    const ws = rawSocket(`${s.wsUrl}/${id}`, guest);
    await ws.opened;
    const io = connectIo(s.url, guest);
    const changed: AccessChangedPayload[] = [];
    io.on(EVENTS.accessChanged, (p: AccessChangedPayload) => changed.push(p));
    const disconnected = new Promise<string>((resolve) => io.on('disconnect', (reason) => resolve(reason)));
    expect(((await io.timeout(5000).emitWithAck(EVENTS.join, { sessionId: id, name: 'Guest', color: '#abcdef' })) as { ok: boolean }).ok).toBe(true);

    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}/members/${guest.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await ws.closed).toEqual({ code: WS_CLOSE.removed, reason: 'you were removed from this session' });
    expect(await disconnected).toBe('io server disconnect');
    expect(changed).toEqual([{ sessionId: id, role: null }]);
    // Reconnecting does not help.
    expect((await rawSocket(`${s.wsUrl}/${id}`, guest).closed).code).toBe(WS_CLOSE.unknownSession);
  });

  it('a removed member stops receiving the session\'s review events at once', async () => {
    const id = await createSession(s, 'Review removal');
    const guest = await signUp(s.url, 'Listener');
    await addMember(s, id, guest, 'artist');
    // Subscribed to the review feed only (no presence join): removal must still cut it off.
    const io = connectIo(s.url, guest);
    const seen: unknown[] = [];
    io.on(REVIEW_EVENTS.settings, (p: unknown) => seen.push(p));
    expect(((await io.timeout(5000).emitWithAck(REVIEW_EVENTS.subscribe, { sessionId: id })) as { ok: boolean }).ok).toBe(true);
    const setDeliverOnlyApproved = (on: boolean) =>
      fetchAs(s.owner, `${s.url}/api/sessions/${id}/review-settings`, { method: 'PUT', body: JSON.stringify({ deliverOnlyApproved: on }) });
    expect((await setDeliverOnlyApproved(true)).status).toBe(200);
    await waitFor(() => seen.length === 1, 5000, 'the settings event');
    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}/members/${guest.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await setDeliverOnlyApproved(false)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toHaveLength(1);
    io.close();
  });

  it('roles are answered from memory, yet a demotion or removal applies to the very next request', async () => {
    const id = await createSession(s, 'Cached roles');
    const guest = await signUp(s.url, 'Cached');
    await addMember(s, id, guest, 'engineer');
    const settings = (on: boolean) => fetchAs(guest, `${s.url}/api/sessions/${id}/review-settings`, { method: 'PUT', body: JSON.stringify({ deliverOnlyApproved: on }) });
    const member = (init: RequestInit) => fetchAs(s.owner, `${s.url}/api/sessions/${id}/members/${guest.id}`, init);
    // Requests as engineer: the role is now cached.
    expect((await settings(true)).status).toBe(200);
    expect((await settings(false)).status).toBe(200);
    expect((await member({ method: 'PATCH', body: JSON.stringify({ role: 'viewer' }) })).status).toBe(200);
    expect((await settings(true)).status).toBe(403);
    expect((await fetchAs(guest, `${s.url}/api/sessions/${id}/comments`)).status).toBe(200);
    expect((await member({ method: 'DELETE' })).status).toBe(204);
    expect((await fetchAs(guest, `${s.url}/api/sessions/${id}/comments`)).status).toBe(404);
    // Joining again works at once too ("not a member" is never cached).
    await addMember(s, id, guest, 'artist');
    expect((await fetchAs(guest, `${s.url}/api/sessions/${id}/comments`)).status).toBe(200);
  });

  it('changing an editor to viewer makes their open Yjs connection read-only: updates reach neither the doc, the database nor others', async () => {
    const id = await createSession(s, 'Downgrade');
    const guest = await signUp(s.url, 'Demoted');
    await addMember(s, id, guest, 'engineer');
    const g = connectClient(s.wsUrl, id, guest);
    const o = connectClient(s.wsUrl, id, s.owner);
    try {
      await Promise.all([g.synced, o.synced]);
      g.doc.getMap('m').set('before', 1);
      await waitFor(() => o.doc.getMap('m').get('before') === 1);
      const room = (await s.server.rooms.peek(id))!;
      await waitFor(() => room.pendingCount === 0);
      const rowsBefore = await s.server.db.prisma.docUpdate.findMany({ where: { sessionId: id } });

      expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}/members/${guest.id}`, { method: 'PATCH', body: JSON.stringify({ role: 'viewer' }) })).status).toBe(200);
      g.doc.getMap('m').set('after', 1);
      await new Promise((r) => setTimeout(r, 50));
      o.doc.getMap('m').set('marker', 1);
      await waitFor(() => room.doc.getMap('m').get('marker') === 1);
      await waitFor(() => room.pendingCount === 0);
      expect(room.doc.getMap('m').get('after')).toBeUndefined();
      expect(o.doc.getMap('m').get('after')).toBeUndefined();
      expect(room.rejectedUpdates).toBeGreaterThan(0);
      // The viewer still receives everyone else's changes.
      await waitFor(() => g.doc.getMap('m').get('marker') === 1);
      const rows = await s.server.db.prisma.docUpdate.findMany({ where: { sessionId: id } });
      const { applyUpdate, Doc } = await import('yjs');
      const restored = new Doc();
      for (const r of rows) applyUpdate(restored, r.data);
      expect(restored.getMap('m').get('after')).toBeUndefined();
      expect(rows.length).toBeGreaterThanOrEqual(rowsBefore.length);
    } finally {
      g.destroy();
      o.destroy();
    }
  });

  it('signals membership changes through the seam, so another process closes its sockets too', async () => {
    if (kind.name === 'pglite') return;
    const changes = new InProcessMembershipChanges();
    const one = await startServer(database.config, { ...BARE_YJS, membershipChanges: changes });
    const two = await startServer(database.config, { ...BARE_YJS, membershipChanges: changes });
    try {
      const id = await createSession(one, 'Two processes');
      const guest = await signUp(one.url, 'Remote');
      await addMember(one, id, guest, 'artist');
      const ws = rawSocket(`${two.wsUrl}/${id}`, guest);
      await ws.opened;
      // The other process has the guest's role cached from a request; the removal must reach it too.
      expect((await fetchAs(guest, `${two.url}/api/sessions/${id}/comments`)).status).toBe(200);
      expect((await fetchAs(one.owner, `${one.url}/api/sessions/${id}/members/${guest.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await ws.closed).code).toBe(WS_CLOSE.removed);
      expect((await fetchAs(guest, `${two.url}/api/sessions/${id}/comments`)).status).toBe(404);
    } finally {
      await one.server.close();
      await two.server.close();
    }
  });
});
