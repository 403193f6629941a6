import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError, type BlobStore } from './blob-store.js';
import { startFakeS3, type FakeS3 } from './fake-s3.js';
import { LocalBlobStore } from './local-blob-store.js';
import { openBlobStore } from './open.js';
import { S3BlobStore, createS3Client } from './s3-blob-store.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

let dir: string;
let s3: FakeS3;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mixroom-blobs-'));
  s3 = await startFakeS3();
});

afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

/** S3 requests the S3 store sent, by command name. */
const s3Commands: string[] = [];

function s3Store(): S3BlobStore {
  const client = createS3Client(s3.settings);
  client.middlewareStack.add(
    (next, context) => (args) => {
      s3Commands.push(context.commandName as string);
      return next(args);
    },
    { step: 'initialize' },
  );
  // 5 MiB parts (S3's minimum), so a 12 MiB file goes up as a three-part multipart upload.
  return new S3BlobStore(client, s3.settings, { tmpDir: path.join(dir, 's3-tmp'), partSize: 5 * 1024 * 1024 });
}

// One contract, every store: what the rest of the server relies on.
const stores: Array<[string, () => BlobStore]> = [
  ['LocalBlobStore', () => new LocalBlobStore(path.join(dir, 'local'))],
  ['S3BlobStore', s3Store],
];

describe.each(stores)('%s', (_name, make) => {
  let store: BlobStore;
  beforeAll(() => {
    store = make();
  });

  it('stores content under its sha256, the same from chunks or one buffer, and streams it back', async () => {
    const bytes = randomBytes(300_000);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
    }
    const a = await store.put(chunks());
    const b = await store.put(bytes);
    expect(a).toEqual({ sha256: sha(bytes), size: bytes.length });
    expect(b).toEqual(a);
    expect(await store.stat(a.sha256)).toEqual(a);
    expect(await store.has(a.sha256)).toBe(true);
    expect((await readAll(await store.createReadStream(a.sha256))).equals(bytes)).toBe(true);
  });

  it('serves inclusive byte ranges, down to the last byte', async () => {
    const bytes = randomBytes(100_000);
    const { sha256 } = await store.put(bytes);
    expect((await readAll(await store.createReadStream(sha256, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20))).toBe(true);
    expect((await readAll(await store.createReadStream(sha256, { start: 99_999, end: 99_999 }))).equals(bytes.subarray(99_999))).toBe(true);
    expect((await readAll(await store.createReadStream(sha256, { start: 0, end: 65_535 }))).equals(bytes.subarray(0, 65_536))).toBe(true);
  });

  it('takes a finished file (an upload) and removes it; a 12 MiB file arrives intact', async () => {
    const bytes = randomBytes(12 * 1024 * 1024);
    const file = path.join(dir, `upload-${randomBytes(4).toString('hex')}`);
    await writeFile(file, bytes);
    const info = await store.putFile(file, { sha256: sha(bytes), size: bytes.length });
    expect(info).toEqual({ sha256: sha(bytes), size: bytes.length });
    expect(existsSync(file)).toBe(false);
    expect(await store.stat(info.sha256)).toEqual(info);
    expect(sha(await readAll(await store.createReadStream(info.sha256)))).toBe(info.sha256);
    // Without the digest the store hashes the file itself; storing the same content again is harmless.
    await writeFile(file, bytes);
    expect(await store.putFile(file)).toEqual(info);
    expect(existsSync(file)).toBe(false);
  });

  it('answers for blobs it does not hold: null, false, BlobNotFoundError; deleting twice is fine', async () => {
    const { sha256 } = await store.put(randomBytes(1000));
    await store.delete(sha256);
    await store.delete(sha256);
    expect(await store.stat(sha256)).toBeNull();
    expect(await store.has(sha256)).toBe(false);
    await expect(store.createReadStream(sha256)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store.stat('not-a-hash')).toBeNull();
    await expect(store.createReadStream('../../etc/passwd')).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('stores the empty blob', async () => {
    const info = await store.put(new Uint8Array(0));
    expect(info).toEqual({ sha256: sha(new Uint8Array(0)), size: 0 });
    expect(await store.stat(info.sha256)).toEqual(info);
  });
});

describe('S3BlobStore requests', () => {
  it('sends a large file as a multipart upload, and content already in the bucket not at all', async () => {
    const store = s3Store();
    const bytes = randomBytes(11 * 1024 * 1024);
    const file = path.join(dir, 'big');
    await writeFile(file, bytes);
    s3Commands.length = 0;
    await store.putFile(file);
    expect(s3Commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(s3Commands).toContain('CompleteMultipartUploadCommand');
    s3Commands.length = 0;
    await store.put(bytes);
    expect(s3Commands).toEqual(['HeadObjectCommand']);
  });
});

describe('S3 configuration', () => {
  it('openBlobStore checks the bucket: a missing bucket or a dead endpoint refuses with the bucket, endpoint and reason', async () => {
    await expect(openBlobStore({ dataDir: dir, s3: { ...s3.settings, bucket: 'no-such-bucket' } })).rejects.toThrow(
      `cannot use S3 bucket "no-such-bucket" at ${s3.endpoint}: it does not exist`,
    );
    await expect(openBlobStore({ dataDir: dir, s3: { ...s3.settings, endpoint: 'http://127.0.0.1:1' } })).rejects.toThrow(
      /cannot use S3 bucket "mixroom-test" at http:\/\/127\.0\.0\.1:1: /,
    );
    const ok = await openBlobStore({ dataDir: dir, s3: s3.settings });
    expect(ok.description).toBe(`s3://mixroom-test/blobs/ at ${s3.endpoint}`);
  });
});
