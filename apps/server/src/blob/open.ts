import path from 'node:path';
import type { Config } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore, createS3Client } from './s3-blob-store.js';

/** The configured blob store, checked to be usable, and a description for the start-up log. */
export async function openBlobStore(config: Pick<Config, 'dataDir' | 's3'>): Promise<{ blobs: BlobStore; description: string }> {
  if (!config.s3) {
    const root = path.join(config.dataDir, 'blobs');
    return { blobs: new LocalBlobStore(root), description: root };
  }
  const s3 = config.s3;
  const store = new S3BlobStore(createS3Client(s3), s3, { tmpDir: path.join(config.dataDir, 'tmp') });
  await store.check();
  return { blobs: store, description: `s3://${s3.bucket}/${s3.prefix}${s3.endpoint ? ` at ${s3.endpoint}` : ''}` };
}
