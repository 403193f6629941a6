import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
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
  close(): Promise<void>;
}

type DbConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'migrationsDir'>;

/** Opens the database of record and brings its schema up to date before anything uses it. */
export async function openDatabase(config: DbConfig): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, config.migrationsDir) : openPglite(path.join(config.dataDir, 'pglite'), config.dataDir, config.migrationsDir);
}

/**
 * The embedded default: PGlite in its own process (pglite-process.ts), spoken to over the wire
 * protocol like PostgreSQL. One connection, because PGlite has one backend: queries queue in the
 * pool the way they queued on the in-process instance.
 */
async function openPglite(dir: string, socketParent: string, migrationsDir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const host = await startPgliteProcess(dir, socketParent);
  host.onUnexpectedExit((code, signal) => {
    process.stderr.write(`mixroom: the embedded database process (pid ${host.pid}) ended unexpectedly (${signal ?? `exit ${code}`}); requests that need the database will fail until the server restarts\n`);
  });
  const pool = new pg.Pool({ host: host.host, port: host.port, user: 'postgres', database: 'postgres', max: 1 });
  try {
    return await onPool(pool, 'public', 'pglite', migrationsDir, () => host.stop());
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

async function openPostgres(url: string, migrationsDir: string): Promise<Database> {
  const { connectionString, schema } = parseDatabaseUrl(url);
  // search_path on every pooled connection makes unqualified names in migration files land in `schema`.
  const pool = new pg.Pool({ connectionString, options: `-c search_path="${schema}"`, max: 10 });
  return onPool(pool, schema, 'postgres', migrationsDir, async () => {}, true);
}

async function onPool(pool: pg.Pool, schema: string, kind: Database['kind'], migrationsDir: string, closeServer: () => Promise<void>, createSchema = false): Promise<Database> {
  const sql = pgExecutor(pool);
  try {
    if (createSchema) await sql.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const migrations = await applyMigrations(sql, migrationsDir);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema }) });
    return {
      prisma, sql, kind, schema, migrations,
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
