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
  pid: number;
  /** Closes the database cleanly (checkpoint) and waits for the process to end. */
  stop(): Promise<void>;
  /** Called if the process ends without being asked to. */
  onUnexpectedExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

const HOST_SCRIPT = fileURLToPath(new URL('./pglite-host.mjs', import.meta.url));
const PORT = 5432;
// sun_path holds 108 bytes on Linux; longer data-dir paths get their socket in a private temp dir.
const MAX_SOCKET_PATH = 100;

/**
 * Starts PGlite on `dataDir` in its own process (pglite-host.mjs). The socket sits in a 0700
 * directory and is itself 0600: PGlite checks no password, so the file mode is the access control.
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

  const child = spawn(process.execPath, [HOST_SCRIPT, dataDir, socketPath], {
    // spawn, not fork: the host is plain JavaScript and needs none of the parent's loader flags.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the embedded database process exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', (m: { ready?: boolean; error?: string }) => {
      if (m.ready) {
        child.off('exit', onExit);
        resolve();
      } else if (m.error) {
        child.off('exit', onExit);
        reject(new Error(`the embedded database in ${dataDir} did not open: ${m.error}`));
      }
    });
  });

  let stopping = false;
  const listeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  child.on('exit', (code, signal) => {
    if (ownTempDir) rmSync(host, { recursive: true, force: true });
    if (!stopping) for (const l of listeners) l(code, signal);
  });
  return {
    host,
    port: PORT,
    pid: child.pid!,
    onUnexpectedExit: (l) => void listeners.push(l),
    async stop() {
      if (stopping) return;
      stopping = true;
      await stopChild(child);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ close: true });
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
