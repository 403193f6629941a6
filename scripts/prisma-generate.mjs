// `prisma generate` never needs the schema engine, but the CLI checks that its
// binary exists; point it at any file so no download is attempted (none is possible here).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
const root = fileURLToPath(new URL('..', import.meta.url));
const r = spawnSync('npx', ['prisma', 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
