// Two server processes through a Redis outage, with a private redis-server it stops and starts.
// It once timed out now and then (in the parallel suite and alone): each process asked the
// others to catch up as soon as its own connection was back, and a request sent before the other
// process was listening again was lost, so one direction never caught up. The answer to a
// catch-up now carries the answerer's state vector too (redis-fanout.test.ts plays that order
// deterministically). It runs on its own after the parallel suite (see test:unit).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectClient, createSession, fetchAs, postgres, SKIP_PG, BARE_YJS, startServer, waitFor } from '../test-support.js';

const SKIP_REDIS = process.env.MIXROOM_SKIP_REDIS === '1';

/** A private redis-server on a free port, so this suite may stop and restart it. */
async function privateRedis(): Promise<{ url: string; start(): Promise<void>; stop(): Promise<void>; cleanup(): void }> {
  // Below the kernel's ephemeral range (32768–60999 here): while Redis is down its port is free,
  // and a port the kernel hands out could go to one of the other suites' servers (listen(0)) in
  // the meantime; Redis then could not restart, and the test waited on someone else's server.
  const free = (p: number) => new Promise<boolean>((resolve) => {
    const srv = net.createServer().once('error', () => resolve(false)).listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
  let port = 0;
  for (let tries = 0; tries < 50 && !port; tries++) {
    const p = 20_000 + Math.floor(Math.random() * 12_000);
    if (await free(p)) port = p;
  }
  if (!port) throw new Error('no free port below the ephemeral range for a private redis-server');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-redis-'));
  let child: ChildProcess | null = null;
  const answers = () => new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
      child = c;
      for (let i = 0; i < 100 && c.exitCode === null && !(await answers()); i++) await new Promise((r) => setTimeout(r, 50));
      // Something else answering on the port would pass for Redis: it must be ours, and running.
      await new Promise((r) => setTimeout(r, 100));
      if (c.exitCode !== null) throw new Error(`the private redis-server on port ${port} exited (${c.exitCode}): is the port taken?`);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    cleanup() {
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(SKIP_PG || SKIP_REDIS)('two server processes through a Redis restart', () => {
  it('keep serving their own clients while Redis is down, and converge both ways when it is back', async () => {
    if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('this test starts its own redis-server: install it (apt-get install redis-server) or set MIXROOM_SKIP_REDIS=1');
    const redis = await privateRedis();
    await redis.start();
    const database = await postgres.create();
    const config = { ...database.config, redisUrl: redis.url, redisPrefix: 'restart:' };
    const one = await startServer(config, BARE_YJS);
    const two = await startServer(config, BARE_YJS);
    const clients: { destroy(): void }[] = [];
    try {
      const id = await createSession(one);
      const a = connectClient(one.wsUrl, id, one.owner);
      const a2 = connectClient(one.wsUrl, id, one.owner);
      const b = connectClient(two.wsUrl, id, one.owner);
      clients.push(a, a2, b);
      await Promise.all([a.synced, a2.synced, b.synced]);
      a.doc.getMap('mix').set('before', 1);
      await waitFor(() => b.doc.getMap('mix').get('before') === 1, 5000, 'A → B before the outage');

      await redis.stop();
      // Within one process nothing depends on Redis: A's other client still follows A.
      a.doc.getMap('mix').set('Drums.gain', -4);
      b.doc.getMap('mix').set('Bass.gain', -2);
      await waitFor(() => a2.doc.getMap('mix').get('Drums.gain') === -4, 5000, 'A → A2 while Redis is down');
      expect((await fetchAs(one.owner, `${two.url}/api/auth/me`)).status).toBe(200);

      await redis.start(); // empty: it kept nothing
      await waitFor(() => b.doc.getMap('mix').get('Drums.gain') === -4 && a.doc.getMap('mix').get('Bass.gain') === -2, 15_000, 'both sides to catch up');
      a.doc.getMap('mix').set('after', 2);
      await waitFor(() => b.doc.getMap('mix').get('after') === 2, 5000, 'A → B after the restart');
    } finally {
      for (const c of clients) c.destroy();
      await one.server.close();
      await two.server.close();
      await database.cleanup();
      await redis.stop();
      redis.cleanup();
    }
  });
});
