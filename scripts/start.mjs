// `npm start`: everything a fresh checkout needs to run the product on the embedded
// default (PGlite + files under ./data), then the server on one origin.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serverProcessEnv } from './server-process-env.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(`${root}/apps/server/src/generated/prisma/client.ts`)) run('node', ['scripts/prisma-generate.mjs']);
if (!existsSync(`${root}/apps/web/out/index.html`) || process.env.MIXROOM_REBUILD_WEB === '1') {
  console.log('Building the web app (first start only)…');
  run('npm', ['run', 'build', '-w', '@mixroom/web']);
}

const server = spawn('npx', ['tsx', 'apps/server/src/main.ts'], { cwd: root, stdio: 'inherit', env: serverProcessEnv() });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
server.on('exit', (code) => process.exit(code ?? 0));
