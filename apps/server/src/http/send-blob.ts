// Streams a content-addressed blob with Range/ETag support: stems, peaks, versions, downloads
// (the rules are in docs/server.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, type BlobStore } from '../blob/blob-store.js';
import { parseRange } from './range.js';
import { HttpError, notFound } from './respond.js';

// Content-addressed: a URL's bytes never change, so clients may cache forever.
export const IMMUTABLE = 'private, max-age=31536000, immutable';

export function isNotModified(req: IncomingMessage, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (!inm) return false;
  return inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** Pipes a stream into the response; a client aborting mid-download (seeking in <audio>) is routine. */
export async function pipeToResponse(stream: NodeJS.ReadableStream, res: ServerResponse): Promise<void> {
  try {
    await pipeline(stream, res);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw new HttpError(500, 'internal', `streaming failed: ${(err as Error).message}`);
  }
}

export interface SendBlobOptions {
  mimeType: string;
  /** Message of the 404 when the blob is gone from storage. */
  missing: string;
  /** Extra headers, e.g. Content-Disposition for downloads. */
  headers?: Record<string, string>;
  /** Validator when the URL names something derived from another hash (peaks of a stem); default the blob's hash. */
  etag?: string;
}

export async function sendBlob(req: IncomingMessage, res: ServerResponse, blobs: BlobStore, sha256: string, options: SendBlobOptions): Promise<void> {
  const info = await blobs.stat(sha256);
  if (!info) throw notFound(options.missing);
  const etag = options.etag ?? `"${sha256}"`;
  const headers = { ETag: etag, 'Cache-Control': IMMUTABLE, 'Accept-Ranges': 'bytes', ...options.headers };
  if (isNotModified(req, etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  // If-Range with a different validator means the client's partial copy is stale: send everything.
  const ifRange = req.headers['if-range'];
  const range = ifRange && ifRange !== etag ? null : parseRange(req.headers.range, info.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${info.size}`, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: { code: 'range_not_satisfiable', message: `range ${req.headers.range} is outside 0-${info.size - 1}` } }));
    return;
  }
  let stream;
  try {
    stream = await blobs.createReadStream(sha256, range ?? undefined);
  } catch (err) {
    if (err instanceof BlobNotFoundError) throw notFound(options.missing);
    throw err;
  }
  if (range) {
    res.writeHead(206, { ...headers, 'Content-Type': options.mimeType, 'Content-Length': range.end - range.start + 1, 'Content-Range': `bytes ${range.start}-${range.end}/${info.size}` });
  } else {
    res.writeHead(200, { ...headers, 'Content-Type': options.mimeType, 'Content-Length': info.size });
  }
  if (req.method === 'HEAD') {
    stream.destroy();
    res.end();
    return;
  }
  await pipeToResponse(stream, res);
}
