// Shared fixtures for the server suites: real databases, real sockets, real clients.
import { cp, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
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

/**
 * PGlite's initdb takes ~15 s on this class of machine, reopening an existing cluster ~2 s.
 * So one empty cluster is initialized per machine (keyed by PGlite version) and copied per test;
 * migrations still run against every copy through our own code.
 */
async function pgliteTemplate(): Promise<string> {
  let pkgDir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!(await stat(path.join(pkgDir, 'package.json')).then(() => true, () => false))) pkgDir = path.dirname(pkgDir);
  const version = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')).version as string;
  const dir = path.join(os.tmpdir(), `mixroom-pglite-template-${version}`);
  if (await stat(dir).then(() => true, () => false)) return dir;
  const building = await mkdtemp(path.join(os.tmpdir(), 'mixroom-pglite-build-'));
  const db = new PGlite(building);
  await db.waitReady;
  await db.close();
  // Parallel workers may race here; the first rename wins and the others discard their copy.
  await rename(building, dir).catch(() => rm(building, { recursive: true, force: true }));
  return dir;
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
    throw new Error(`PostgreSQL at ${PG_URL} is unreachable (${(err as Error).message}); start it or set MIXROOM_SKIP_PG=1`);
  }
}

export const databaseKinds: DatabaseKind[] = SKIP_PG ? [pglite] : [pglite, postgres];

export async function startServer(config: Config, options: MixroomServerOptions = {}): Promise<{ server: MixroomServer; url: string; wsUrl: string }> {
  const server = await createMixroomServer(config, { logger: quietLogger, seed: false, ...options });
  const { port } = await server.listen();
  return { server, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/yjs` };
}

export async function createSession(url: string, title = 'Test song'): Promise<string> {
  const res = await fetch(`${url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export function connectClient(wsUrl: string, sessionId: string, doc = new Y.Doc()) {
  const provider = new WebsocketProvider(wsUrl, sessionId, doc, {
    WebSocketPolyfill: WebSocket as never,
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

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens a raw websocket and resolves with its close code/reason (or times out). */
export function rawSocket(url: string) {
  const ws = new WebSocket(url);
  ws.binaryType = 'nodebuffer';
  const messages: Buffer[] = [];
  ws.on('message', (d: Buffer) => messages.push(d));
  const opened = new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { ws, messages, opened, closed };
}
