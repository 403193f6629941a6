import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchAs, pglite, startServer } from '../test-support.js';
import { startPgliteProcess, type PgliteProcess } from './pglite-process.js';

// The embedded database runs in its own process; these tests talk to it as the server does (pg).
describe('embedded database process', () => {
  let dir: string;
  let host: PgliteProcess | undefined;
  const pools: pg.Pool[] = [];
  const poolOf = (max = 4) => {
    const pool = new pg.Pool({ host: host!.host, port: host!.port, user: 'postgres', database: 'postgres', max });
    pool.on('error', () => {}); // idle connections of a killed host; the pool replaces them
    pools.push(pool);
    return pool;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mixroom-pglite-process-'));
  });
  afterEach(async () => {
    for (const p of pools.splice(0)) await p.end().catch(() => {});
    await host?.stop();
    host = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the server event loop turning while the database works for a second', async () => {
    host = await startPgliteProcess(path.join(dir, 'db'), dir);
    const pool = poolOf();
    let worstGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 10);
    await pool.query('SELECT pg_sleep(1)');
    clearInterval(timer);
    worstGap = Math.max(worstGap, performance.now() - last); // a loop held all along never ticked
    // In the server's own thread this query held the event loop for the whole second.
    expect(worstGap).toBeLessThan(250);
  });

  it('serves concurrent connections without mixing their statements or transactions', async () => {
    host = await startPgliteProcess(path.join(dir, 'db'), dir);
    const pool = poolOf(4);
    await pool.query('CREATE TABLE note (id int PRIMARY KEY, body text)');
    const tx = await pool.connect();
    await tx.query('BEGIN');
    await tx.query('INSERT INTO note VALUES ($1, $2)', [1, 'inside']);
    // Other connections' parameterized queries queue behind the open transaction, then see its result.
    const others = Promise.all(Array.from({ length: 40 }, (_, i) => pool.query('SELECT $1::int + 1 AS n, (SELECT count(*)::int FROM note) AS notes', [i])));
    await new Promise((r) => setTimeout(r, 50));
    await tx.query('INSERT INTO note VALUES ($1, $2)', [2, 'also inside']);
    await tx.query('COMMIT');
    tx.release();
    const rows = (await others).map((r) => r.rows[0] as { n: number; notes: number });
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.notes))).toEqual(new Set([2]));
  });

  it('rolls back what a dropped connection left open, and the others carry on', async () => {
    host = await startPgliteProcess(path.join(dir, 'db'), dir);
    const pool = poolOf(2);
    await pool.query('CREATE TABLE note (id int PRIMARY KEY)');
    const client = new pg.Client({ host: host.host, port: host.port, user: 'postgres', database: 'postgres' });
    await client.connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO note VALUES (7)');
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    client.on('error', () => {});
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM note');
    expect(rows[0].n).toBe(0);
    // A broken statement on one connection does not poison the next one's.
    await expect(pool.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
    expect((await pool.query('SELECT 41 + $1::int AS n', [1])).rows[0].n).toBe(42);
  });

  it('keeps the data across a restart, and refuses a second process on the same data', async () => {
    const dbDir = path.join(dir, 'db');
    host = await startPgliteProcess(dbDir, dir);
    await poolOf().query("CREATE TABLE kept AS SELECT 'stems' AS what");
    await expect(startPgliteProcess(dbDir, dir)).rejects.toThrow(/already open in another Mixroom process/);
    for (const p of pools.splice(0)) await p.end();
    await host.stop();
    host = await startPgliteProcess(dbDir, dir);
    expect((await poolOf().query('SELECT what FROM kept')).rows).toEqual([{ what: 'stems' }]);
  });

  it('starts a new process when it is killed: the pool reconnects, committed data is there', async () => {
    host = await startPgliteProcess(path.join(dir, 'db'), dir);
    const pool = poolOf(2);
    await pool.query("CREATE TABLE take AS SELECT 'vocal take 3' AS name");
    const exits: string[] = [];
    host.onUnexpectedExit((code, signal) => exits.push(signal ?? String(code)));
    const restarted = new Promise<number>((resolve) => host!.onRestart((e) => 'pid' in e && resolve(e.pid)));
    const firstPid = host.pid;
    process.kill(firstPid, 'SIGKILL');
    const newPid = await restarted;
    expect(exits).toEqual(['SIGKILL']);
    expect(newPid).not.toBe(firstPid);
    expect(host.pid).toBe(newPid);
    // The same pool: its dead connection is dropped and a new one opened on the same socket.
    let rows: unknown[] | null = null;
    for (let i = 0; i < 50 && !rows; i++) {
      rows = await pool.query('SELECT name FROM take').then((r) => r.rows, () => null);
      if (!rows) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toEqual([{ name: 'vocal take 3' }]);
    // Still one database: a second process is refused while the replacement runs.
    await expect(startPgliteProcess(path.join(dir, 'db'), dir)).rejects.toThrow(/already open in another Mixroom process/);
  });

  it('the server keeps serving when its embedded database is killed: a new one answers, nothing is lost', async () => {
    const db = await pglite.create();
    const s = await startServer(db.config);
    try {
      const created = await fetchAs(s.owner, `${s.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'Before the crash' }) });
      expect(created.status).toBe(201);
      const pid = s.server.db.embeddedPid()!;
      const killedAt = performance.now();
      process.kill(pid, 'SIGKILL');
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetchAs(s.owner, `${s.url}/api/sessions`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
      console.log(`embedded database killed: the server answered again after ${Math.round(performance.now() - killedAt)} ms`);
      expect(s.server.db.embeddedPid()).not.toBe(pid);
      const list = (await (await fetchAs(s.owner, `${s.url}/api/sessions`)).json()) as { sessions: { title: string }[] };
      expect(list.sessions.map((x) => x.title)).toContain('Before the crash');
    } finally {
      await s.server.close();
      await db.cleanup();
    }
  });

  it('closes its database and exits when the server that started it goes away', async () => {
    const script = fileURLToPath(new URL('./pglite-host.mjs', import.meta.url));
    const socket = path.join(dir, '.s.PGSQL.5432');
    const child = spawn(process.execPath, [script, path.join(dir, 'db'), socket], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error))));
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.disconnect(); // what the host sees when its parent dies
    expect(await exited).toBe(0);
  });
});
