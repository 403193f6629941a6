// Password hashing with scrypt (memory-hard, in node:crypto). The stored string carries its
// parameters and salt, so the cost can be raised later without invalidating old hashes.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. Memory ≈ 128 · N · r bytes (2^15 · 8 → 32 MiB). */
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_LEN = 16;

/**
 * scrypt runs on its own thread, one hash at a time, never on libuv's pool: `crypto.scrypt` takes
 * a pool thread for ~100 ms per hash (32 MiB), and 4 of them in flight (a sign-up burst) left file
 * reads and writes — stem streaming, uploads — waiting behind them (a 13 ms stem download took
 * 2,075 ms during a burst of 30 sign-ups, issue 19). The queue is bounded by the sign-up and
 * sign-in rate limits. Plain JavaScript, eval'd: no TypeScript loader needed in the worker.
 */
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', ({ id, password, salt, keyLen, options }) => {
  try {
    const key = scryptSync(password, Buffer.from(salt), keyLen, options);
    parentPort.postMessage({ id, key });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

class ScryptThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(key: Buffer): void; reject(err: Error): void }>();

  run(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
    // Node refuses params needing more than maxmem (32 MiB default); allow exactly what they need.
    const options = { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * params.p + 1024 * 1024 };
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const worker = this.ensureWorker();
      worker.ref();
      worker.postMessage({ id, password: password.normalize('NFKC'), salt, keyLen: KEY_LEN, options });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', ({ id, key, error }: { id: number; key?: Uint8Array; error?: string }) => {
      const job = this.waiting.get(id);
      this.waiting.delete(id);
      if (this.waiting.size === 0) worker.unref();
      if (!job) return;
      if (error !== undefined || !key) job.reject(new Error(`scrypt failed: ${error}`));
      else job.resolve(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`password hashing thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const job of this.waiting.values()) job.reject(err);
    this.waiting.clear();
  }
}

const thread = new ScryptThread();
/** Hashes computed in this process (tests check that sign-up and sign-in paths cost the same). */
export const scryptRuns = { count: 0 };
const scrypt = (password: string, salt: Buffer, params: ScryptParams) => {
  scryptRuns.count++;
  return thread.run(password, salt, params);
};

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await scrypt(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time comparison; false (never a throw) for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  const actual = await scrypt(password, salt, { N, r, p });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password: verifying against it costs the same as a real one (no user-exists timing oracle). */
let dummyHash: Promise<string> | null = null;
export const dummyPasswordHash = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));
