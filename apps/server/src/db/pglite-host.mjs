// The embedded database's own process: one PGlite, served over the PostgreSQL wire protocol on a
// unix socket, so the server talks to it exactly as it talks to PostgreSQL (pg + @prisma/adapter-pg).
//
// Why a process and not PGlite inside the server: PGlite runs every query synchronously on the
// thread that owns it and holds hundreds of MB of WebAssembly memory. In the server's process a
// 1 s query held every websocket and upload for 1,002 ms, and main-thread GC during a 1 GiB stem
// upload took 310–724 ms instead of 60–80 ms (BENCHMARKS.md "Stem upload").
//
// Plain JavaScript on purpose: it is started with `node` alone, from the server, the tests and the
// CLI alike, whatever loader (tsx, vitest) runs the parent.
//
// Started by pglite-process.ts with an IPC channel: argv = [dataDir, socketPath]. Tells the parent
// { ready: true } or { error }, and exits when the parent says { close: true }, or goes away.
import { chmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { PGlite } from '@electric-sql/pglite';

const [dataDir, socketPath] = process.argv.slice(2);

// Startup-phase request codes (no type byte; int32 length, int32 code).
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);

// A pipe whose reader is gone (the server exited, or whoever read its stderr did) fails writes
// with EPIPE as an 'error' event; unheard, that ended this process, i.e. the database, while it
// had work in flight. Diagnostics are best effort; the database matters more.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
const log = (text) => {
  if (!process.stderr.destroyed) process.stderr.write(text);
};
/** To the server over IPC; with a callback a closed channel is an answer, not an 'error' event. */
const tell = (message) => {
  if (process.connected) process.send(message, () => {});
};

/**
 * One PGlite backend serves every connection, so a connection owns it from its first message
 * until its cycle ends (Sync or a simple Query) and, after that, for as long as it holds an open
 * transaction block. Interleaving at message granularity would let one
 * connection's Parse replace another's unnamed statement between its Bind and its Sync.
 */
class Backend {
  /** @param {PGlite} db */
  constructor(db) {
    this.db = db;
    /** @type {{ conn: Connection, message: Uint8Array, isStartup: boolean, done: (err?: unknown) => void }[]} */
    this.queue = [];
    /** @type {Connection | null} */
    this.owner = null;
    this.running = false;
  }

  /** @param {Connection} conn @param {Uint8Array} message @param {boolean} isStartup */
  submit(conn, message, isStartup) {
    return new Promise((resolve, reject) => {
      this.queue.push({ conn, message, isStartup, done: (err) => (err ? reject(err) : resolve(undefined)) });
      void this.pump();
    });
  }

  async pump() {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        if (this.owner?.closed) {
          // Its owner went away mid-cycle or mid-transaction: end the cycle (a Sync also clears
          // an error state that would make the backend skip the next connection's messages)
          // and undo what it left open before anyone else runs.
          await this.db.execProtocolRaw(SYNC).catch(() => {});
          if (this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => {});
          this.owner = null;
        }
        const i = this.owner ? this.queue.findIndex((q) => q.conn === this.owner) : 0;
        if (i < 0 || this.queue.length === 0) return;
        const [job] = this.queue.splice(i, 1);
        try {
          await this.db.execProtocolRawStream(job.message, { onRawData: (data) => job.conn.send(Buffer.from(data)) });
          job.done();
        } catch (err) {
          job.done(err);
        }
        const type = job.message[0];
        const cycleEnds = job.isStartup || type === 0x53 /* Sync */ || type === 0x51 /* Query */;
        if (!cycleEnds) this.owner = job.conn;
        else this.owner = this.db.isInTransaction() ? job.conn : null;
      }
    } finally {
      this.running = false;
    }
  }

  /** A connection went away: drop what it queued; pump() undoes what it left open. */
  release(conn) {
    this.queue = this.queue.filter((q) => q.conn !== conn);
    void this.pump();
  }
}

class Connection {
  /** @param {net.Socket} socket @param {Backend} backend */
  constructor(socket, backend) {
    this.socket = socket;
    this.backend = backend;
    this.buffer = Buffer.alloc(0);
    /** True until the startup message arrives (its frame has no type byte). */
    this.startup = true;
    this.closed = false;
    socket.on('data', (data) => this.receive(data));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      backend.release(this);
    });
  }

  send(data) {
    // A client that went away mid-answer: its socket errors (EPIPE) are heard and ignored above.
    if (!this.closed && this.socket.writable) this.socket.write(data);
  }

  receive(data) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      const header = this.startup ? 0 : 1;
      if (this.buffer.length < header + 4) return;
      const length = this.buffer.readInt32BE(header) + header;
      if (length < header + 4) return void this.socket.destroy();
      if (this.buffer.length < length) return;
      const message = Uint8Array.from(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
      const isStartup = this.startup;
      if (isStartup) {
        const code = Buffer.from(message.buffer).readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N'); // a local socket: no encryption, the client goes on in the clear
          continue;
        }
        if (code === CANCEL_REQUEST) return void this.socket.destroy();
        this.startup = false;
      } else if (message[0] === 0x58 /* Terminate */) {
        // Not for PGlite: its one backend serves the other connections too.
        return void this.socket.end();
      }
      // The Backend keeps this connection's messages in arrival order.
      this.backend.submit(this, message, isStartup).catch((err) => {
        log(`[pglite-host] ${err?.message ?? err}\n`);
        this.socket.destroy();
      });
    }
  }
}

/** Set once the server has gone away; main() closes as soon as the database is open. */
let closeNow = null;
let parentGone = false;
// Heard from the start: a server that exits while this (replacement) host is still opening the
// database must not leave it running, nor make its "ready" message fail.
process.on('disconnect', () => {
  parentGone = true;
  closeNow?.();
});

async function main() {
  const db = await PGlite.create(dataDir);
  const backend = new Backend(db);
  const connections = new Set();
  try {
    unlinkSync(socketPath);
  } catch {
    // no socket left from an earlier run
  }
  const server = net.createServer((socket) => {
    const conn = new Connection(socket, backend);
    connections.add(conn);
    socket.on('close', () => connections.delete(conn));
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  chmodSync(socketPath, 0o600);

  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    server.close();
    for (const c of connections) c.socket.destroy();
    await db.close().catch(() => {});
    try {
      unlinkSync(socketPath);
    } catch {
      // already gone
    }
    process.exit(0);
  };
  process.on('message', (m) => { if (m && m.close) void close(); });
  // The server died or dropped us: shut the database cleanly instead of lingering.
  closeNow = () => void close();
  if (parentGone || !process.connected) return void close();
  process.on('SIGTERM', () => void close());
  tell({ ready: true });
}

main().catch((err) => {
  tell({ error: String(err?.stack ?? err) });
  log(`[pglite-host] ${err?.stack ?? err}\n`);
  process.exit(1);
});
