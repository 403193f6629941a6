import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.js';
import { assertPostgresReachable, databaseKinds, SKIP_PG, type TestDatabase } from '../test-support.js';
import { applyMigrations, MigrationError } from './migrations.js';
import { openDatabase, type Database } from './open.js';

const SCALAR_TO_PG: Record<string, string[]> = {
  String: ['text', 'character varying'],
  Int: ['integer'],
  BigInt: ['bigint'],
  Float: ['double precision'],
  Boolean: ['boolean'],
  DateTime: ['timestamp without time zone', 'timestamp with time zone'],
  Bytes: ['bytea'],
  Json: ['jsonb'],
  Decimal: ['numeric'],
};

interface SchemaColumn { model: string; field: string; table: string; column: string; type: string; optional: boolean }

/** Scalar fields of schema.prisma with their table/column names; relation fields are skipped. */
function parseSchema(text: string): SchemaColumn[] {
  const columns: SchemaColumn[] = [];
  for (const m of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const [, model, body] = m;
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model;
    for (const line of body.split('\n')) {
      const f = /^\s*(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!f || line.trim().startsWith('//') || line.trim().startsWith('@@')) continue;
      const [, field, type, list, optional, attrs] = f;
      if (!(type in SCALAR_TO_PG) || list) continue;
      columns.push({ model, field, table, column: /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? field, type, optional: optional === '?' });
    }
  }
  return columns;
}

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

/** Every migration folder in the repo, in the order they apply (new ones need no test edit). */
const allMigrations = async () =>
  (await readdir(path.join(REPO_ROOT, 'prisma/migrations'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('schema.prisma parser', () => {
  it('finds every model of the schema', async () => {
    const cols = parseSchema(await readFile(path.join(REPO_ROOT, 'prisma/schema.prisma'), 'utf8'));
    expect(new Set(cols.map((c) => c.model))).toEqual(new Set(['MixSession', 'Stem', 'DocUpdate', 'User', 'AuthSession', 'Membership', 'Invite', 'RateLimit', 'Upload', 'Comment', 'Version', 'Approval', 'ActivityEvent', 'ReadMarker', 'DerivedBlob', 'ReferenceTrack']));
    expect(cols.find((c) => c.field === 'peaks')).toMatchObject({ table: 'stem', column: 'peaks', type: 'Bytes', optional: true });
  });
});

describe.each(databaseKinds)('migrations on $name', (kind) => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await kind.create();
    db = await openDatabase(database.config);
  });
  afterAll(async () => {
    await db?.close();
    await database?.cleanup();
  });

  it('create every model/field of schema.prisma with a compatible type and nullability', async () => {
    expect(db.migrations.applied).toEqual(await allMigrations());
    const expected = parseSchema(await readFile(path.join(REPO_ROOT, 'prisma/schema.prisma'), 'utf8'));
    const actual = await db.sql.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1`,
      [db.schema],
    );
    const problems: string[] = [];
    for (const col of expected) {
      const found = actual.find((a) => a.table_name === col.table && a.column_name === col.column);
      if (!found) {
        problems.push(`${col.model}.${col.field}: column ${col.table}.${col.column} missing`);
        continue;
      }
      if (!SCALAR_TO_PG[col.type].includes(found.data_type)) problems.push(`${col.model}.${col.field}: ${col.type} stored as ${found.data_type}`);
      if ((found.is_nullable === 'YES') !== col.optional) problems.push(`${col.model}.${col.field}: optional=${col.optional} but nullable=${found.is_nullable}`);
    }
    expect(problems).toEqual([]);
    // The generated client must be able to use every table, too.
    await expect(db.prisma.docUpdate.count()).resolves.toBe(0);
  });

  it('are idempotent and recorded like Prisma Migrate records them', async () => {
    const again = await applyMigrations(db.sql, database.config.migrationsDir);
    expect(again).toEqual({ applied: [], alreadyApplied: await allMigrations() });
    const rows = await db.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"',
    );
    expect(rows).toHaveLength((await allMigrations()).length);
    expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].finished_at).not.toBeNull();
  });

  it('refuse to run when an applied migration was edited, and apply new ones in order', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mixroom-migrations-'));
    try {
      await cp(database.config.migrationsDir, dir, { recursive: true });
      await cp(path.join(dir, '20261124000000_init'), path.join(dir, '20261201000000_add_note'), { recursive: true });
      await writeFile(path.join(dir, '20261201000000_add_note/migration.sql'), 'ALTER TABLE "mix_session" ADD COLUMN "note" TEXT;');
      expect(await applyMigrations(db.sql, dir)).toEqual({ applied: ['20261201000000_add_note'], alreadyApplied: await allMigrations() });

      await writeFile(path.join(dir, '20261124000000_init/migration.sql'), '-- edited\n', { flag: 'a' });
      await expect(applyMigrations(db.sql, dir)).rejects.toThrow(MigrationError);
      await expect(applyMigrations(db.sql, dir)).rejects.toThrow(/20261124000000_init was modified after it was applied/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('roll back a failing migration completely', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mixroom-migrations-'));
    try {
      await cp(database.config.migrationsDir, dir, { recursive: true });
      await rm(path.join(dir, '20261201000000_add_note'), { recursive: true, force: true });
      await cp(path.join(dir, '20261124000000_init'), path.join(dir, '20261202000000_broken'), { recursive: true });
      await writeFile(path.join(dir, '20261202000000_broken/migration.sql'), 'CREATE TABLE "half" (id int); SELECT no_such_function();');
      // The earlier test's add_note is applied but absent from this directory; that is allowed (no file → nothing to check).
      await expect(applyMigrations(db.sql, dir)).rejects.toThrow(/no_such_function/);
      const half = await db.sql.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'half'`, [db.schema]);
      expect(half).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
