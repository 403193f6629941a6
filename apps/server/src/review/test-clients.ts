// How the review tests act as a user: a real account (signed up through the API, cookie kept)
// that is a member of the test's sessions with the given role.
import type { Role } from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { connectIo, fetchAs, signUp, type TestServer, type TestUser } from '../test-support.js';

export interface UserClient {
  userId: string;
  name: string;
  role: Role;
  user: TestUser;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** fetch + JSON: resolves with status and parsed body. */
  json<T = any>(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: T }>;
  /** A connected socket.io client carrying this identity. */
  socket(): Promise<Socket>;
}

const accounts = new WeakMap<TestServer, Map<string, TestUser>>();

/** The account `key` on this server (signed up once), a member with `role` of every session in `sessionIds`. */
export async function asUser(s: TestServer, role: Role, key: string, sessionIds: string[], name = key[0].toUpperCase() + key.slice(1)): Promise<UserClient> {
  let byKey = accounts.get(s);
  if (!byKey) accounts.set(s, (byKey = new Map()));
  let user = byKey.get(key);
  if (!user) byKey.set(key, (user = await signUp(s.url, name)));
  const prisma = s.server.db.prisma;
  for (const sessionId of sessionIds) {
    await prisma.membership.upsert({
      where: { sessionId_userId: { sessionId, userId: user.id } },
      create: { sessionId, userId: user.id, role },
      update: { role },
    });
    s.server.membershipChanges.publish({ sessionId, userId: user.id, role });
  }
  const me = user;
  const doFetch = (path: string, init: RequestInit = {}) => fetchAs(me, `${s.url}${path}`, init);
  return {
    userId: me.id, name, role, user: me,
    fetch: doFetch,
    async json(path, init = {}) {
      const res = await doFetch(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { 'content-type': 'application/json', ...init.headers },
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    socket() {
      const sock = connectIo(s.url, me);
      return new Promise((resolve, reject) => {
        sock.once('connect', () => resolve(sock));
        sock.once('connect_error', reject);
      });
    },
  };
}

/** Anonymous: no identity at all. */
export const anonymous = (baseUrl: string) => ({ fetch: (path: string, init?: RequestInit) => fetch(`${baseUrl}${path}`, init) });
