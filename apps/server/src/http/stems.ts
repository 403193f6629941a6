import type { IncomingMessage } from 'node:http';
import type { BlobStore } from '../blob/blob-store.js';
import type { AccessControl } from '../auth/access.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { notFound } from './respond.js';
import type { Router } from './router.js';
import { IMMUTABLE, isNotModified, sendBlob } from './send-blob.js';

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
    await sendBlob(req, res, blobs, stem.fileHash, { mimeType: stem.mimeType || 'application/octet-stream', missing: `stem file missing: ${stem.name}` });
  });

  router.on('GET', '/api/sessions/:id/stems/:stemId/peaks', async (req, res, params) => {
    const meta = await findStem(req, params);
    // Peaks are derived from the audio, so the audio hash versions them too.
    const etag = `"peaks-${meta.fileHash}"`;
    if (meta.peaksHash) {
      // Uploaded stems keep their peaks in the blob store.
      await sendBlob(req, res, blobs, meta.peaksHash, { mimeType: 'application/octet-stream', missing: `peaks missing for stem ${meta.name}`, etag });
      return;
    }
    const row = await prisma.stem.findUnique({ where: { id: meta.id }, select: { peaks: true } });
    if (!row?.peaks) throw notFound(`no peaks stored for stem ${meta.name}`);
    const headers = { ETag: etag, 'Cache-Control': IMMUTABLE };
    if (isNotModified(req, etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': row.peaks.byteLength });
    res.end(req.method === 'HEAD' ? undefined : row.peaks);
  });
}
