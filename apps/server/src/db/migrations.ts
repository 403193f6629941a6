import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SqlExecutor } from './sql.js';

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

// Same table and columns as Prisma Migrate, so `prisma migrate status` (where it can run)
// sees what we applied and a switch to the Prisma CLI later needs no conversion.
const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Arbitrary constant: serializes concurrent starters (two processes on one database). */
const LOCK_KEY = 727_001;

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  // Folder names start with a UTC timestamp, so lexical order is chronological order.
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (sql === null) continue;
    files.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

export class MigrationError extends Error {}

/**
 * Applies pending migrations, each in its own transaction. Idempotent; refuses to run when
 * a migration already applied was edited afterwards or failed half-way, because the schema
 * in the database would no longer be what the files say.
 */
export async function applyMigrations(db: SqlExecutor, dir: string): Promise<MigrationResult> {
  const files = await readMigrations(dir);
  await db.exec(MIGRATIONS_TABLE);
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const file of files) {
    const applied = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const rows = await tx.query<{ checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        'SELECT checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE migration_name = $1',
        [file.name],
      );
      const live = rows.filter((r) => r.rolled_back_at === null);
      if (live.some((r) => r.finished_at === null)) {
        throw new MigrationError(`migration ${file.name} is recorded as started but not finished; fix the database by hand`);
      }
      const done = live.find((r) => r.finished_at !== null);
      if (done) {
        if (done.checksum !== file.checksum) {
          throw new MigrationError(
            `migration ${file.name} was modified after it was applied (checksum ${done.checksum.slice(0, 12)}… in the database, ` +
              `${file.checksum.slice(0, 12)}… on disk); add a new migration instead of editing an applied one`,
          );
        }
        return false;
      }
      await tx.exec(file.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), file.checksum, file.name],
      );
      return true;
    });
    (applied ? result.applied : result.alreadyApplied).push(file.name);
  }
  return result;
}
