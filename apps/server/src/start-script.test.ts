// `npm start` (scripts/start.mjs) as an operator or a supervisor runs it: SIGTERM to it ends the
// server too (it used to leave the server running as an orphan) and it exits with the server's code.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { REPO_ROOT } from './config.js';
import { pglite } from './test-support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

it('SIGTERM to npm start shuts the server down and exits 0 with it; nothing keeps listening', async () => {
  const database = await pglite.create();
  cleanups.push(() => database.cleanup());
  const webDist = path.join(database.config.dataDir, 'web');
  await mkdir(webDist, { recursive: true });
  await writeFile(path.join(webDist, 'index.html'), '<!doctype html><title>test build</title>');
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATA_DIR: database.config.dataDir, WEB_DIST: webDist, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`start.mjs exited (${code}) before listening:\n${output}`)));
  });
  expect((await fetch(`${url}/`)).status).toBe(200);

  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(output).toMatch(/shutdown complete/);
  await expect(fetch(`${url}/`)).rejects.toThrow();
});
