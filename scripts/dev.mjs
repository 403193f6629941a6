// `npm run dev`: the product as `npm start` runs it, but rebuilt on every save.
// - the web app comes from `next dev` (hot reload, on demand), proxied by the Mixroom server on its
//   one origin (apps/server/src/http/dev-web.ts), which adds the cross-origin isolation headers;
// - the worklets and the stem worker are rebuilt by esbuild in watch mode;
// - the server restarts when its own code or the packages change (node --watch).
// Ctrl+C (or SIGTERM) ends all three.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serverProcessEnv } from './server-process-env.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
if (existsSync(`${root}/.env`)) process.loadEnvFile(`${root}/.env`);

const port = process.env.PORT || '3000';
const nextPort = process.env.MIXROOM_DEV_NEXT_PORT || String(Number(port) + 201);
const children = [];
let stopping = false;
// next dev points apps/web/next-env.d.ts at its own .next/dev/types; put back the committed file
// (what `next build` writes) when we stop, so a dev session leaves the tree as it found it.
const nextEnv = `${root}/apps/web/next-env.d.ts`;
const nextEnvBefore = existsSync(nextEnv) ? readFileSync(nextEnv, 'utf8') : null;
const restoreNextEnv = () => {
  if (nextEnvBefore !== null && readFileSync(nextEnv, 'utf8') !== nextEnvBefore) writeFileSync(nextEnv, nextEnvBefore);
};

const start = (name, cmd, args, options) => {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[dev] ${name} ended (${signal ?? code}); stopping the others`);
    stop(typeof code === 'number' && code !== 0 ? code : 1);
  });
  return child;
};

const stop = (code = 0) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  const exit = () => {
    restoreNextEnv();
    process.exit(code);
  };
  setTimeout(exit, 5000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(exit);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(0));

if (!existsSync(`${root}/apps/server/src/generated/prisma/client.ts`)) {
  const r = spawnSync('node', ['scripts/prisma-generate.mjs'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

start('worklets', process.execPath, ['apps/web/scripts/build-worklets.mjs', '--watch']);
start('next dev', process.execPath, [`${root}/node_modules/next/dist/bin/next`, 'dev', '-H', '127.0.0.1', '-p', nextPort], { cwd: `${root}/apps/web` });
start('server', process.execPath, ['--watch', '--import', 'tsx', 'apps/server/src/main.ts'], {
  env: serverProcessEnv({ ...process.env, PORT: port, MIXROOM_DEV_WEB_URL: `http://127.0.0.1:${nextPort}` }),
});
console.log(`[dev] open http://localhost:${port} (pages from next dev on 127.0.0.1:${nextPort}, compiled on first visit)`);
