// `npm start`: everything a fresh checkout needs to run the product on the embedded
// default (PGlite + files under ./data), then the server on one origin.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverProcessEnv } from './server-process-env.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Settings from ./.env (see .env.example); what the environment already has wins.
if (existsSync(`${root}/.env`)) process.loadEnvFile(`${root}/.env`);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(`${root}/apps/server/src/generated/prisma/client.ts`)) run('node', ['scripts/prisma-generate.mjs']);
// WEB_DIST (a build elsewhere) is served as given; only the default location is built here.
const webDist = process.env.WEB_DIST ? path.resolve(process.env.WEB_DIST) : `${root}/apps/web/out`;
if (!existsSync(`${webDist}/index.html`) || process.env.MIXROOM_REBUILD_WEB === '1') {
  console.log('Building the web app (first start only)…');
  run('npm', ['run', 'build', '-w', '@mixroom/web']);
}

// node itself with tsx as a loader, not `npx tsx`: each of those is a process in between that
// did not pass SIGTERM on, which left the server running as an orphan after `npm start` ended.
const server = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], { cwd: root, stdio: 'inherit', env: serverProcessEnv() });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => server.kill(sig));
// Exit as the server did: its code (1 when shutdown could not persist everything), or 128+signal.
server.on('exit', (code, signal) => process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1)));
