import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, type BlobStore } from '../blob/blob-store.js';
import type { AccessControl } from '../auth/access.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { parseRange } from './range.js';
import { HttpError, notFound } from './respond.js';
import type { Router } from './router.js';

// Content-addressed: a URL's bytes never change, so clients may cache forever.
const IMMUTABLE = 'private, max-age=31536000, immutable';

const etagOf = (sha256: string) => `"${sha256}"`;

function notModified(req: IncomingMessage, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (!inm) return false;
  return inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export function registerStemRoutes(router: Router, prisma: PrismaClient, blobs: BlobStore, access: AccessControl): void {
  /** Unreleased music: only members (any role may listen) get a byte, or even a 404 that says "stem". */
  const findStem = async (req: IncomingMessage, params: Record<string, string>) => {
    const { sessionId } = await access.requireSession(req, params.id, 'session.view');
    const stem = await prisma.stem.findFirst({ where: { id: params.stemId, sessionId }, omit: { peaks: true } });
    if (!stem) throw notFound(`unknown stem ${params.stemId} in session ${sessionId}`);
    return stem;
  };

  router.on('GET', '/api/sessions/:id/stems/:stemId/audio', async (req, res, params) => {
    const stem = await findStem(req, params);
    const missing = () => notFound(`stem file missing: ${stem.name}`);
    const info = await blobs.stat(stem.fileHash);
    if (!info) throw missing();
    const etag = etagOf(stem.fileHash);
    const headers = { ETag: etag, 'Cache-Control': IMMUTABLE, 'Accept-Ranges': 'bytes' };
    if (notModified(req, etag)) {
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
      stream = await blobs.createReadStream(stem.fileHash, range ?? undefined);
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw missing();
      throw err;
    }
    const type = stem.mimeType || 'application/octet-stream';
    if (range) {
      res.writeHead(206, { ...headers, 'Content-Type': type, 'Content-Length': range.end - range.start + 1, 'Content-Range': `bytes ${range.start}-${range.end}/${info.size}` });
    } else {
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': info.size });
    }
    if (req.method === 'HEAD') {
      stream.destroy();
      res.end();
      return;
    }
    await pipeStream(stream, res);
  });

  router.on('GET', '/api/sessions/:id/stems/:stemId/peaks', async (req, res, params) => {
    const meta = await findStem(req, params);
    // Peaks are derived from the audio, so the audio hash versions them too.
    const etag = `"peaks-${meta.fileHash}"`;
    const headers = { ETag: etag, 'Cache-Control': IMMUTABLE };
    if (meta.peaksHash) {
      // Uploaded stems keep their peaks in the blob store.
      const info = await blobs.stat(meta.peaksHash);
      if (!info) throw notFound(`peaks missing for stem ${meta.name}`);
      if (notModified(req, etag)) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': info.size });
      if (req.method === 'HEAD') return void res.end();
      await pipeStream(await blobs.createReadStream(meta.peaksHash), res);
      return;
    }
    const row = await prisma.stem.findUnique({ where: { id: meta.id }, select: { peaks: true } });
    if (!row?.peaks) throw notFound(`no peaks stored for stem ${meta.name}`);
    if (notModified(req, etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': row.peaks.byteLength });
    res.end(req.method === 'HEAD' ? undefined : row.peaks);
  });
}

async function pipeStream(stream: NodeJS.ReadableStream, res: ServerResponse): Promise<void> {
  try {
    await pipeline(stream, res);
  } catch (err) {
    // A client aborting mid-download (seeking in <audio>) is routine, not a server error.
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw new HttpError(500, 'internal', `streaming failed: ${(err as Error).message}`);
  }
}
