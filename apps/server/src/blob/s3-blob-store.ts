import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobNotFoundError, BlobStoreUnavailableError, isSha256, type BlobInfo, type BlobStore, type ByteRange } from './blob-store.js';
import { hashFile, spoolToFile } from './local-blob-store.js';

export interface S3Settings {
  bucket: string;
  /** Key prefix of every blob, e.g. `blobs/`. */
  prefix: string;
  region: string;
  /** An S3-compatible service (MinIO, Ceph RGW, R2…); undefined → AWS. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible services need. */
  forcePathStyle: boolean;
  /** Undefined → the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface S3BlobStoreOptions {
  /** Where `put()` spools content while hashing it (the key is its sha256, known only at the end). */
  tmpDir: string;
  /** Multipart part size (bytes, ≥ 5 MiB); larger files go up in parts, `queueSize` at a time. */
  partSize?: number;
  queueSize?: number;
}

export function createS3Client(s: S3Settings): S3Client {
  return new S3Client({
    region: s.region,
    endpoint: s.endpoint,
    forcePathStyle: s.forcePathStyle,
    credentials: s.credentials,
    // The SDK's default streams uploads as aws-chunked bodies with checksum trailers, which many
    // S3-compatible services do not understand; integrity is ours anyway (the key is the sha256).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Blobs in an S3-compatible bucket at `<prefix>ab/cdef…`, so several server processes on
 * several machines share stems, peaks and encodes without a shared volume.
 */
export class S3BlobStore implements BlobStore {
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(
    private readonly client: S3Client,
    private readonly settings: Pick<S3Settings, 'bucket' | 'prefix'> & { endpoint?: string },
    private readonly options: S3BlobStoreOptions,
  ) {
    this.partSize = Math.max(5 * 1024 * 1024, options.partSize ?? 16 * 1024 * 1024);
    this.queueSize = options.queueSize ?? 4;
  }

  keyOf(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`not a sha256 hex digest: ${sha256}`);
    return `${this.settings.prefix}${sha256.slice(0, 2)}/${sha256.slice(2)}`;
  }

  /** Fails with a message that names the bucket and endpoint when the bucket cannot be reached. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
    } catch (err) {
      const where = `bucket "${this.settings.bucket}"${this.settings.endpoint ? ` at ${this.settings.endpoint}` : ''}`;
      const status = (err as S3ServiceException).$metadata?.httpStatusCode;
      const reason = status === 404 ? 'it does not exist' : status === 403 ? 'access denied (check S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY)' : (err as Error).message || (err as Error).name;
      throw new Error(`cannot use S3 ${where}: ${reason}`, { cause: err });
    }
  }

  async put(content: Uint8Array | AsyncIterable<Uint8Array> | Readable): Promise<BlobInfo> {
    const { filePath, info } = await spoolToFile(content, this.options.tmpDir);
    try {
      return await this.putFile(filePath, info);
    } finally {
      await rm(filePath, { force: true });
    }
  }

  /** Removes the file only once it is stored: a failed upload leaves the caller its bytes. */
  async putFile(filePath: string, known?: BlobInfo): Promise<BlobInfo> {
    const info = known ?? (await hashFile(filePath));
    // Same content, same key: a blob already there needs no second upload.
    if (!(await this.has(info.sha256))) {
      await this.call('store', info.sha256, () =>
        new Upload({
          client: this.client,
          params: { Bucket: this.settings.bucket, Key: this.keyOf(info.sha256), Body: createReadStream(filePath, { highWaterMark: 1 << 20 }), ContentType: 'application/octet-stream' },
          partSize: this.partSize,
          queueSize: this.queueSize,
          leavePartsOnError: false,
        }).done(),
      );
    }
    await rm(filePath, { force: true });
    return info;
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== null;
  }

  async stat(sha256: string): Promise<BlobInfo | null> {
    if (!isSha256(sha256)) return null;
    const head = await this.call('look up', sha256, () => this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(sha256) })));
    return head ? { sha256, size: head.ContentLength ?? 0 } : null;
  }

  async createReadStream(sha256: string, range?: ByteRange): Promise<Readable> {
    if (!isSha256(sha256)) throw new BlobNotFoundError(sha256);
    const res = await this.call('read', sha256, () =>
      this.client.send(new GetObjectCommand({
        Bucket: this.settings.bucket,
        Key: this.keyOf(sha256),
        Range: range ? `bytes=${range.start}-${range.end}` : undefined,
      })),
    );
    if (!res) throw new BlobNotFoundError(sha256);
    return res.Body as Readable;
  }

  async delete(sha256: string): Promise<void> {
    if (!isSha256(sha256)) return;
    await this.call('delete', sha256, () => this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(sha256) })));
  }

  /** Runs one S3 request: a missing key is null, any other failure names the bucket and the reason. */
  private async call<T>(what: string, sha256: string, request: () => Promise<T>): Promise<T | null> {
    try {
      return await request();
    } catch (err) {
      if (isNotFound(err)) return null;
      const where = `S3 bucket "${this.settings.bucket}"${this.settings.endpoint ? ` at ${this.settings.endpoint}` : ''}`;
      const reason = (err as Error).message || (err as Error).name || String(err);
      throw new BlobStoreUnavailableError(`the stem store is unavailable: could not ${what} blob ${sha256.slice(0, 12)}… in ${where} (${reason})`, { cause: err });
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as S3ServiceException;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
