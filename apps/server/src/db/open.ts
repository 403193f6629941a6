import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { DEFAULT_DB_WAIT, withDbRetry, type DbWaitOptions } from './busy.js';
import { applyMigrations, type MigrationResult } from './migrations.js';
import { pgExecutor } from './pg-executor.js';
import { startPgliteProcess } from './pglite-process.js';
import type { SqlExecutor } from './sql.js';

export interface Database {
  prisma: PrismaClient;
  sql: SqlExecutor;
  kind: 'pglite' | 'postgres';
  /** Schema all tables live in (PostgreSQL `?schema=`; "public" otherwise). */
  schema: string;
  migrations: MigrationResult;
  /** The embedded database's current process (it changes when one is restarted); null on PostgreSQL. */
  embeddedPid(): number | null;
  /** Called when a transaction found the database busy and is tried again (logs, tests). */
  onRetry(listener: (err: unknown, attempt: number) => void): void;
  close(): Promise<void>;
}

type DbConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'migrationsDir' | 'databaseWait'>;

/** Opens the database of record and brings its schema up to date before anything uses it. */
export async function openDatabase(config: DbConfig): Promise<Database> {
  const wait = { ...DEFAULT_DB_WAIT, ...config.databaseWait };
  return config.databaseUrl ? openPostgres(config.databaseUrl, config.migrationsDir, wait) : openPglite(path.join(config.dataDir, 'pglite'), config.dataDir, config.migrationsDir, wait);
}

/**
 * The embedded default: PGlite in its own process (pglite-process.ts), spoken to over the wire
 * protocol like PostgreSQL. One connection, because PGlite has one backend: queries queue in the
 * pool the way they queued on the in-process instance.
 */
async function openPglite(dir: string, socketParent: string, migrationsDir: string, wait: DbWaitOptions): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const host = await startPgliteProcess(dir, socketParent);
  // Written to stderr: the logger belongs to the server, and this runs below it.
  host.onUnexpectedExit((code, signal) => {
    process.stderr.write(`mixroom: the embedded database process (pid ${host.pid}) ended unexpectedly (${signal ?? `exit ${code}`}); starting a new one\n`);
  });
  host.onRestart((event) => {
    process.stderr.write('error' in event
      ? `mixroom: the embedded database did not start again (${event.error.message}); retrying in ${event.retryInMs} ms\n`
      : `mixroom: the embedded database is back (pid ${event.pid}, restart ${event.restarts})\n`);
  });
  const pool = boundedPool({ host: host.host, port: host.port, user: 'postgres', database: 'postgres', max: 1 }, wait);
  try {
    return await onPool(pool, 'public', 'pglite', migrationsDir, () => host.stop(), false, () => host.pid, wait);
  } catch (err) {
    await host.stop();
    throw err;
  }
}

/** Splits Prisma's `?schema=` off the URL; libpq/pg would reject or ignore it. */
export function parseDatabaseUrl(url: string): { connectionString: string; schema: string } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') || 'public';
  u.searchParams.delete('schema');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`unsupported schema name "${schema}"`);
  return { connectionString: u.toString(), schema };
}

async function openPostgres(url: string, migrationsDir: string, wait: DbWaitOptions): Promise<Database> {
  const { connectionString, schema } = parseDatabaseUrl(url);
  // search_path on every pooled connection makes unqualified names in migration files land in `schema`.
  const pool = boundedPool({ connectionString, options: `-c search_path="${schema}"`, max: 10 }, wait);
  return onPool(pool, schema, 'postgres', migrationsDir, async () => {}, true, () => null, wait);
}

async function onPool(pool: pg.Pool, schema: string, kind: Database['kind'], migrationsDir: string, closeServer: () => Promise<void>, createSchema: boolean, embeddedPid: () => number | null, wait: DbWaitOptions): Promise<Database> {
  // An idle connection whose server went away (a PostgreSQL restart, a killed embedded database)
  // is an 'error' event on the pool; unheard, it would end the whole server. The pool drops that
  // connection and opens a new one for the next query.
  pool.on('error', (err) => process.stderr.write(`mixroom: a database connection was lost (${err.message}); the next query reconnects\n`));
  const sql = pgExecutor(pool);
  try {
    if (createSchema) await sql.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const migrations = await applyMigrations(sql, migrationsDir);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema }), transactionOptions: { maxWait: wait.waitMs } });
    const retryListeners: ((err: unknown, attempt: number) => void)[] = [];
    const notify = (err: unknown, attempt: number) => { for (const l of retryListeners) l(err, attempt); };
    (pool as unknown as NodeJS.EventEmitter).on('retry', notify);
    retryTransactions(prisma, wait, notify);
    return {
      prisma, sql, kind, schema, migrations, embeddedPid,
      onRetry: (l) => void retryListeners.push(l),
      async close() {
        await prisma.$disconnect();
        await pool.end().catch(() => {});
        await closeServer();
      },
    };
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}

/**
 * A pool whose every checkout waits at most `wait.waitMs` (pg's default is forever, which queued
 * requests without bound under load) and is tried `wait.attempts` times: a checkout that timed out
 * sent nothing, so plain queries are retried safely too. pg-pool's query() checks out through
 * connect(callback), so overriding connect covers both.
 */
function boundedPool(config: pg.PoolConfig, wait: DbWaitOptions): pg.Pool {
  class BoundedPool extends pg.Pool {
    connect(): Promise<pg.PoolClient>;
    connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
    connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<pg.PoolClient> | void {
      const attempt = () => super.connect();
      const connected = withDbRetry(attempt, { ...wait, attempts: Math.max(1, wait.attempts) }, (err, n) => this.emit('retry', err, n));
      if (!callback) return connected;
      connected.then((client) => callback(undefined, client, (release) => client.release(release as boolean)), (err: Error) => callback(err, undefined, () => {}));
    }
  }
  return new BoundedPool({ ...config, connectionTimeoutMillis: wait.waitMs });
}

/**
 * Every transaction (REST writes, compactions) waits at most `wait.waitMs` for a slot and is tried
 * again when it never started; after the last attempt it fails with DatabaseBusyError, which
 * routes answer as 503 + Retry-After. Patched on the instance so every caller gets it.
 */
function retryTransactions(prisma: PrismaClient, wait: DbWaitOptions, onRetry: (err: unknown, attempt: number) => void): void {
  const original = prisma.$transaction.bind(prisma) as (arg: unknown, options?: unknown) => Promise<unknown>;
  (prisma as unknown as { $transaction: unknown }).$transaction = (arg: unknown, options?: unknown) => {
    // A batch (array) is a list of lazy PrismaPromises that remember their first result, so
    // only the interactive form can be run again; a batch that found no slot fails as busy.
    if (Array.isArray(arg)) return withDbRetry(() => original(arg, options), { ...wait, attempts: 1 });
    return withDbRetry(() => original(arg, options), wait, onRetry);
  };
}
