// Issue 19 item 2: the replacement embedded database crashed with an unhandled EPIPE when it was
// restarted under load. Writes to a pipe or socket whose other end is gone must not end either
// process: the host's replies to connections that died, its IPC channel and stderr, and the
// server's messages to a host that is dying.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createSession, fetchAs, pglite, startServer } from '../test-support.js';

describe('embedded database host under load', () => {
  it('the server stays up and answers again when the host is killed repeatedly with requests in flight', async () => {
    const db = await pglite.create();
    const s = await startServer({ ...db.config, databaseWait: { waitMs: 2_000, attempts: 3, retryDelayMs: 50 } });
    const unexpected: unknown[] = [];
    const onError = (err: unknown) => unexpected.push(err);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    try {
      const sessionId = await createSession(s, 'Under load');
      const statuses = new Map<number, number>();
      for (let round = 0; round < 3; round++) {
        const pid = s.server.db.embeddedPid()!;
        const inFlight = Array.from({ length: 60 }, (_, i) =>
          (i % 3 === 0
            ? fetchAs(s.owner, `${s.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: `Take ${round}.${i}` }) })
            : fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}`)
          ).then((r) => r.status, () => 0));
        await new Promise((r) => setTimeout(r, 20 * round));
        process.kill(pid, 'SIGKILL');
        // The shutdown message to a host that is going away must not throw either.
        for (const status of await Promise.all(inFlight)) statuses.set(status, (statuses.get(status) ?? 0) + 1);
        let ok = 0;
        for (let i = 0; i < 100 && ok !== 200; i++) {
          ok = await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}`).then((r) => r.status, () => 0);
          if (ok !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(ok).toBe(200);
        expect(s.server.db.embeddedPid()).not.toBe(pid);
      }
      console.log(`requests in flight across 3 kills, by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
      // What failed while the database was away failed as "busy, try again", never as a crash or 500.
      expect(statuses.get(500) ?? 0).toBe(0);
      expect(statuses.get(0) ?? 0).toBe(0);
      expect(unexpected).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
      await s.server.close();
      await db.cleanup();
    }
  });

  it('a replacement host whose server went away while it opened the database exits cleanly, without an EPIPE/IPC error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mixroom-pglite-epipe-'));
    const script = fileURLToPath(new URL('./pglite-host.mjs', import.meta.url));
    const socket = path.join(dir, '.s.PGSQL.5432');
    const child = spawn(process.execPath, [script, path.join(dir, 'db'), socket], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // What the host sees when the server exits during its start: the channel closes before "ready".
      child.disconnect();
      // Before: "ready" went into the closed channel, an unhandled 'error' (ERR_IPC_CHANNEL_CLOSED,
      // EPIPE while it is closing) ended it with code 1 and the database was never closed cleanly.
      expect(await exited).toBe(0);
      expect(stderr).not.toMatch(/EPIPE|ERR_IPC|Unhandled|Error/);
      // It also cleaned up after itself: nothing answers on its socket any more.
      const probe = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
      await expect(probe.connect()).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
