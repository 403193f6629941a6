import type { Readable } from 'node:stream';

export interface BlobInfo {
  /** Lowercase hex sha256 of the content; also its address. */
  sha256: string;
  size: number;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Content-addressed storage. Shaped so an S3-compatible implementation fits: writes are
 * whole-object puts addressed by hash, reads are (ranged) streams, nothing needs a filesystem path.
 */
export interface BlobStore {
  put(content: Uint8Array | AsyncIterable<Uint8Array> | Readable): Promise<BlobInfo>;
  /**
   * Stores a finished local file (an upload's temp file) and removes it. `known` is the digest
   * the caller computed while the bytes arrived; without it the file is hashed here. A local
   * store renames the file into place; an S3 store would send it as a multipart upload.
   */
  putFile(filePath: string, known?: BlobInfo): Promise<BlobInfo>;
  has(sha256: string): Promise<boolean>;
  /** Resolves to null when the blob does not exist. */
  stat(sha256: string): Promise<BlobInfo | null>;
  /** Rejects with a BlobNotFoundError when the blob does not exist. */
  createReadStream(sha256: string, range?: ByteRange): Promise<Readable>;
  delete(sha256: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(readonly sha256: string) {
    super(`blob ${sha256} not found`);
  }
}

/** The store itself cannot be reached or refused the request (an S3 outage, bad credentials). */
export class BlobStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const isSha256 = (s: string) => /^[0-9a-f]{64}$/.test(s);
