import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations, type MigrationResult } from './migrations.js';
import { pgExecutor } from './pg-executor.js';
import { pgliteExecutor } from './pglite-executor.js';
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
  return config.databaseUrl ? openPostgres(config.databaseUrl, config.migrationsDir) : openPglite(path.join(config.dataDir, 'pglite'), config.migrationsDir);
}

async function openPglite(dir: string, migrationsDir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const lite = new PGlite(dir);
  await lite.waitReady;
  const sql = pgliteExecutor(lite);
  try {
    const migrations = await applyMigrations(sql, migrationsDir);
    // The adapter is typed against another PGlite minor; the runtime API it uses is the same.
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite as never) });
    return {
      prisma, sql, kind: 'pglite', schema: 'public', migrations,
      async close() {
        await prisma.$disconnect();
        await lite.close();
      },
    };
  } catch (err) {
    await lite.close();
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
  const sql = pgExecutor(pool);
  try {
    await sql.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const migrations = await applyMigrations(sql, migrationsDir);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema }) });
    return {
      prisma, sql, kind: 'postgres', schema, migrations,
      async close() {
        await prisma.$disconnect();
        await pool.end().catch(() => {});
      },
    };
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}
