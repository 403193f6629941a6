// Issue 19 item 9: after SIGTERM the server logged "shutdown complete" but stayed alive until a
// second signal. Run exactly as start.mjs and operators do (`node --import tsx .../main.ts`), with
// a session loaded and a mix client and a presence client connected, on both databases.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MixModel } from '@mixroom/engine';
import { REPO_ROOT } from './config.js';
import { assertPostgresReachable, connectClient, connectIo, createSession, databaseKinds, signUp, SKIP_PG, type TestDatabase } from './test-support.js';

const REDIS_URL = process.env.MIXROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SKIP_REDIS = process.env.MIXROOM_SKIP_REDIS === '1';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(databaseKinds)('SIGTERM to the server ($name)', (kind) => {
  let db: TestDatabase | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await db?.cleanup();
    db = undefined;
  });

  it('exits 0 after "shutdown complete" with a session loaded and clients connected, leaving no database host behind', async () => {
    db = await kind.create();
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATA_DIR: db.config.dataDir, WEB_DIST: path.join(db.config.dataDir, 'no-web'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
      DATABASE_URL: db.config.databaseUrl ?? '',
      // PostgreSQL runs with Redis as well: its clients are handles that must not keep the process up.
      REDIS_URL: kind.name === 'postgres' && !SKIP_REDIS ? REDIS_URL : '',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1].replace('localhost', '127.0.0.1'));
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
    });
    const owner = await signUp(url, 'Owner');
    const sessionId = await createSession({ url, owner }, 'Last song of the night');
    const client = connectClient(url.replace('http', 'ws') + '/yjs', sessionId, owner);
    cleanups.push(() => client.destroy());
    await client.synced;
    new MixModel(client.doc).setMasterGain(-1);
    const presence = connectIo(url, owner);
    cleanups.push(() => presence.close());
    await new Promise<void>((resolve, reject) => { presence.once('connect', () => resolve()); presence.once('connect_error', reject); });
    // The embedded database's process is the server's child: it must not outlive it.
    const children = kind.name === 'pglite' ? await childPids(child.pid!) : [];
    if (kind.name === 'pglite') expect(children.length).toBeGreaterThan(0);

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGTERM');
    // A bound only a hang reaches (a loaded machine takes seconds), so the failure says what happened.
    const result = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 300_000))]);
    expect(result, output).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/shutdown complete/);
    for (const pid of children) {
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid), `child ${pid} still running`).toBe(false);
    }
  });
});

async function childPids(pid: number): Promise<number[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}
