import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The embedded database's process, reachable like a PostgreSQL server on a unix socket. */
export interface PgliteProcess {
  /** pg connection settings: the socket is `${host}/.s.PGSQL.${port}`. */
  host: string;
  port: number;
  /** The current host process (a new one after a restart). */
  readonly pid: number;
  /** Closes the database cleanly (checkpoint) and waits for the process to end. */
  stop(): Promise<void>;
  /** Called if the process ends without being asked to; a new one is started on the same socket. */
  onUnexpectedExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Called when a replacement is ready (`restarts` counts them) or failed to start (`error`). */
  onRestart(listener: (event: { restarts: number; pid: number } | { error: Error; retryInMs: number }) => void): void;
}

const HOST_SCRIPT = fileURLToPath(new URL('./pglite-host.mjs', import.meta.url));
const PORT = 5432;
// sun_path holds 108 bytes on Linux; longer data-dir paths get their socket in a private temp dir.
const MAX_SOCKET_PATH = 100;
/** Waits between attempts to bring a dead host back: quick at first, then at most every 10 s. */
const RESTART_DELAYS_MS = [100, 500, 1000, 2000, 5000, 10_000];

/**
 * Starts PGlite on `dataDir` in its own process (pglite-host.mjs). The socket sits in a 0700
 * directory and is itself 0600: PGlite checks no password, so the file mode is the access control.
 * If the process dies (killed, out of memory), a new one is started on the same socket, so the
 * connection pool simply reconnects: requests fail only while it is down (PGlite replays its WAL).
 */
export async function startPgliteProcess(dataDir: string, socketParent: string): Promise<PgliteProcess> {
  let host = path.join(socketParent, 'pglite-socket');
  let ownTempDir = false;
  if (path.join(host, `.s.PGSQL.${PORT}`).length > MAX_SOCKET_PATH) {
    host = mkdtempSync(path.join(os.tmpdir(), 'mixroom-pg-'));
    ownTempDir = true;
  } else {
    mkdirSync(host, { recursive: true });
    chmodSync(host, 0o700); // also when the directory already existed with a looser mode
  }
  const socketPath = path.join(host, `.s.PGSQL.${PORT}`);
  if (await answers(socketPath)) {
    throw new Error(`the embedded database in ${dataDir} is already open in another Mixroom process (its socket ${socketPath} answers); stop that one first`);
  }

  let child: ChildProcess;
  try {
    child = await spawnHost(dataDir, socketPath);
  } catch (err) {
    if (ownTempDir) rmSync(host, { recursive: true, force: true });
    throw err;
  }
  let stopping = false;
  let restarts = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  const exitListeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  const restartListeners: Parameters<PgliteProcess['onRestart']>[0][] = [];

  const restart = (attempt: number) => {
    retryTimer = null;
    if (stopping) return;
    spawnHost(dataDir, socketPath).then(
      (next) => {
        if (stopping) return void stopChild(next);
        restarts++;
        supervise(next);
        for (const l of restartListeners) l({ restarts, pid: next.pid! });
      },
      (err: Error) => {
        const retryInMs = RESTART_DELAYS_MS[Math.min(attempt + 1, RESTART_DELAYS_MS.length - 1)];
        for (const l of restartListeners) l({ error: err, retryInMs });
        if (!stopping) retryTimer = setTimeout(() => restart(attempt + 1), retryInMs);
      },
    );
  };
  const supervise = (c: ChildProcess) => {
    child = c;
    // A message to a host that is dying fails with EPIPE as an 'error' event on it; unheard, that
    // would end the server. Its 'exit' follows and brings a replacement.
    c.on('error', (err) => process.stderr.write(`mixroom: the embedded database process (pid ${c.pid}) could not be reached (${err.message})\n`));
    c.on('exit', (code, signal) => {
      if (stopping) return;
      for (const l of exitListeners) l(code, signal);
      retryTimer = setTimeout(() => restart(0), RESTART_DELAYS_MS[0]);
    });
  };
  supervise(child);

  return {
    host,
    port: PORT,
    get pid() {
      return child.pid!;
    },
    onUnexpectedExit: (l) => void exitListeners.push(l),
    onRestart: (l) => void restartListeners.push(l),
    async stop() {
      if (stopping) return;
      stopping = true;
      if (retryTimer) clearTimeout(retryTimer);
      await stopChild(child);
      if (ownTempDir) rmSync(host, { recursive: true, force: true });
    },
  };
}

/** One host process, resolved once its database is open and its socket listens. */
function spawnHost(dataDir: string, socketPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOST_SCRIPT, dataDir, socketPath], {
    // spawn, not fork: the host is plain JavaScript and needs none of the parent's loader flags.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<ChildProcess>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the embedded database process exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', (m: { ready?: boolean; error?: string }) => {
      if (m.ready) {
        child.off('exit', onExit);
        resolve(child);
      } else if (m.error) {
        child.off('exit', onExit);
        reject(new Error(`the embedded database in ${dataDir} did not open: ${m.error}`));
      }
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // With a callback, a channel closing under us (EPIPE) is an answer: fall back to a signal.
  if (child.connected) child.send({ close: true }, (err) => { if (err) child.kill('SIGTERM'); });
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** True when something accepts connections on the socket (a live host, not a stale file). */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
