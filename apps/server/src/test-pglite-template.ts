// One initialized, empty PGlite cluster per machine, copied for each test database.
import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * PGlite's initdb takes ~15 s on this class of machine, reopening an existing cluster ~2 s.
 * So one empty cluster is initialized per machine (keyed by PGlite version) and copied per test;
 * migrations still run against every copy through our own code.
 */
export async function pgliteTemplate(): Promise<string> {
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

