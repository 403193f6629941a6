// Shared fixtures for the server suites: real databases, real sockets, real clients.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io as ioClient, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { pgliteTemplate } from './test-pglite-template.js';
import { createMixroomServer, type MixroomServer, type MixroomServerOptions } from './app.js';
import { REPO_ROOT, type Config } from './config.js';
import { createLogger } from './log.js';

export const PG_URL = process.env.MIXROOM_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const SKIP_PG = process.env.MIXROOM_SKIP_PG === '1';
export const quietLogger = createLogger('test', (process.env.LOG_LEVEL as never) ?? 'silent');

export interface TestDatabase {
  /** Config pointing at a fresh, empty database (temp PGlite dir or a new PostgreSQL schema). */
  config: Config;
  cleanup(): Promise<void>;
}

export interface DatabaseKind {
  name: 'pglite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const randomName = () => `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

function baseConfig(dataDir: string): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: undefined,
    webDist: path.join(dataDir, 'no-web-build'),
    migrationsDir: path.join(REPO_ROOT, 'prisma/migrations'),
    syncFlushMs: 10,
    syncCompactRows: 200,
    syncUnloadGraceMs: 30_000,
    uploadMaxBytes: 2_000_000_000,
    uploadExpiryMs: 24 * 3_600_000,
  };
}

export const pglite: DatabaseKind = {
  name: 'pglite',
  async create() {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mixroom-test-'));
    await cp(await pgliteTemplate(), path.join(dataDir, 'pglite'), { recursive: true });
    return { config: baseConfig(dataDir), cleanup: () => rm(dataDir, { recursive: true, force: true }) };
  },
};

export const postgres: DatabaseKind = {
  name: 'postgres',
  async create() {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mixroom-test-'));
    const schema = randomName();
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    return {
      config: { ...baseConfig(dataDir), databaseUrl: url.toString() },
      async cleanup() {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await client.end();
        }
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/** Fails loudly when PostgreSQL is down, unless the run explicitly opted out with MIXROOM_SKIP_PG=1. */
export async function assertPostgresReachable(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
  } catch (err) {
    throw new Error(`PostgreSQL at ${PG_URL} is unreachable (${(err as Error).message}); start it or set MIXROOM_SKIP_PG=1`, { cause: err });
  }
}

export const databaseKinds: DatabaseKind[] = SKIP_PG ? [pglite] : [pglite, postgres];

export interface TestUser {
  id: string;
  email: string;
  name: string;
  /** `Cookie` header value carrying the sign-in session. */
  cookie: string;
}

export interface TestServer {
  server: MixroomServer;
  url: string;
  wsUrl: string;
  /** Signed up at start; owns the sessions tests create unless told otherwise. */
  owner: TestUser;
}

/**
 * For tests of the bare Yjs transport (sync, fan-out, durability, roles) that write arbitrary maps
 * and arrays: the server's default check of the mix document's shape (shape.test.ts) is off.
 */
export const BARE_YJS = { sync: { shapeCheck: null } } as const;

export async function startServer(config: Config, options: MixroomServerOptions = {}): Promise<TestServer> {
  // Suites sign up many accounts from 127.0.0.1; tests of the limits themselves pass their own.
  const auth = { ...options.auth, limits: { signUpsPerIp: 1_000_000, ...options.auth?.limits } };
  const server = await createMixroomServer(config, { logger: quietLogger, seed: false, ...options, auth });
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  return { server, url, wsUrl: `ws://127.0.0.1:${port}/yjs`, owner: await signUp(url, 'Owner') };
}

/**
 * Opens transactions until every database pool slot of `server` is taken (what a burst of slow
 * requests does); resolves once they all hold one, with the function that lets them go.
 */
export async function holdEveryDbSlot(server: MixroomServer): Promise<() => void> {
  const slots = server.db.kind === 'pglite' ? 1 : 10;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const holding: Promise<void>[] = [];
  for (let i = 0; i < slots; i++) {
    holding.push(new Promise<void>((inside, failed) => {
      server.db.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        inside();
        await gate;
      }, { maxWait: 60_000, timeout: 60_000 }).catch(failed);
    }));
  }
  await Promise.all(holding);
  return release;
}

let userCounter = 0;
/** Signs up a fresh account through the API; the returned cookie works with fetch, ws and socket.io. */
export async function signUp(url: string, name = 'Tess', password = 'correct horse battery'): Promise<TestUser> {
  const email = `${name.toLowerCase().replace(/\W+/g, '')}.${Date.now().toString(36)}.${++userCounter}@example.test`;
  const res = await fetch(`${url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, name, password }) });
  if (res.status !== 201) throw new Error(`sign up: ${res.status} ${await res.text()}`);
  const user = ((await res.json()) as { user: { id: string } }).user;
  return { id: user.id, email, name, cookie: cookieFrom(res) };
}

export function cookieFrom(res: Response): string {
  const setCookie = res.headers.get('set-cookie');
  if (!setCookie) throw new Error('no Set-Cookie in the response');
  return setCookie.split(';')[0];
}

/**
 * fetch as `user` (anonymous when null). A GET or HEAD that fails on a reset connection is sent
 * once more, as browsers do: a test that blocks its process past the server's keep-alive (ffprobe,
 * sox, decoding a master) leaves Node's fetch a pooled socket the server closes as it is reused.
 */
export async function fetchAs(user: TestUser | null, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (user) headers.set('cookie', user.cookie);
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const idempotent = ['GET', 'HEAD'].includes((init.method ?? 'GET').toUpperCase());
  try {
    return await fetch(url, { ...init, headers });
  } catch (e) {
    if (!idempotent || !resetConnection(e)) throw e;
    return fetch(url, { ...init, headers });
  }
}

function resetConnection(e: unknown): boolean {
  const code = (e as { cause?: { code?: string } }).cause?.code;
  return e instanceof TypeError && (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET');
}

export async function createSession(s: { url: string; owner: TestUser }, title = 'Test song', owner = s.owner): Promise<string> {
  const res = await fetchAs(owner, `${s.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title }) });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Makes `member` join `sessionId` with `role` the way people do: the owner's invite link. */
export async function addMember(s: { url: string; owner: TestUser }, sessionId: string, member: TestUser, role: string, owner = s.owner): Promise<void> {
  const created = await fetchAs(owner, `${s.url}/api/sessions/${sessionId}/invites`, { method: 'POST', body: JSON.stringify({ role }) });
  if (created.status !== 201) throw new Error(`create invite: ${created.status} ${await created.text()}`);
  const { token } = (await created.json()) as { token: string };
  const accepted = await fetchAs(member, `${s.url}/api/invites/${token}/accept`, { method: 'POST' });
  if (accepted.status !== 200) throw new Error(`accept invite: ${accepted.status} ${await accepted.text()}`);
}

/** A `ws` WebSocket class that sends `cookie` on the upgrade, for y-websocket's WebSocketPolyfill. */
export function webSocketWithCookie(cookie: string | null): typeof WebSocket {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, cookie ? { headers: { cookie } } : {});
    }
  } as typeof WebSocket;
}

export function connectClient(wsUrl: string, sessionId: string, user: TestUser | null, doc = new Y.Doc()) {
  const provider = new WebsocketProvider(wsUrl, sessionId, doc, {
    WebSocketPolyfill: webSocketWithCookie(user?.cookie ?? null) as never,
    // Node has a global BroadcastChannel: without this, same-process clients would sync around the server.
    disableBc: true,
    maxBackoffTime: 200,
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    provider.on('sync', (s: boolean) => s && resolve());
  });
  return { doc, provider, synced, destroy: () => { provider.destroy(); doc.destroy(); } };
}

/** socket.io client as `user` (anonymous when null). */
export function connectIo(url: string, user: TestUser | null): Socket {
  return ioClient(url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: user ? { cookie: user.cookie } : {} });
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens a raw websocket and resolves with its close code/reason (or times out). */
export function rawSocket(url: string, user: TestUser | null) {
  const ws = new WebSocket(url, user ? { headers: { cookie: user.cookie } } : {});
  ws.binaryType = 'nodebuffer';
  const messages: Buffer[] = [];
  ws.on('message', (d: Buffer) => messages.push(d));
  const opened = new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { ws, messages, opened, closed };
}
