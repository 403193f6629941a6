// An S3-compatible service for tests: s3rver, in-process on a free port, files in a temp dir.
// S3 is a boundary Mixroom does not own; the store is written against the S3 API, and this
// stands in for MinIO, Ceph RGW or AWS (none of which run on these machines).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from './s3-blob-store.js';

export interface FakeS3 {
  settings: S3Settings;
  endpoint: string;
  close(): Promise<void>;
}

export async function startFakeS3(bucket = 'mixroom-test'): Promise<FakeS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'mixroom-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    // s3rver's fixed development credentials.
    settings: { bucket, prefix: 'blobs/', region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
