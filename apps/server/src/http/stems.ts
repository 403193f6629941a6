import type { IncomingMessage, ServerResponse } from 'node:http';
import { STEM_RANGES_HEADER, StemRangesRequest, type StemRangePart } from '@mixroom/protocol';
import type { BlobStore } from '../blob/blob-store.js';
import type { AccessControl } from '../auth/access.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { notFound } from './respond.js';
import type { Router } from './router.js';
import { IMMUTABLE, isNotModified, sendBlob } from './send-blob.js';
import { readBody } from './validate.js';

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

  router.on('POST', '/api/sessions/:id/stems/ranges', async (req, res, params) => {
    const { sessionId } = await access.requireSession(req, params.id, 'session.view');
    const { parts } = await readBody(req, StemRangesRequest);
    const ids = [...new Set(parts.map((p) => p.stemId))];
    const rows = await prisma.stem.findMany({ where: { id: { in: ids }, sessionId }, select: { id: true, name: true, fileHash: true } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const sizes = new Map<string, number | null>();
    await Promise.all(rows.map(async (r) => sizes.set(r.id, (await blobs.stat(r.fileHash))?.size ?? null)));
    const plan = parts.map((p): StemRangePart & { hash?: string; from: number } => {
      const stem = byId.get(p.stemId);
      if (!stem) return { error: `unknown stem ${p.stemId} in session ${sessionId}`, from: 0 };
      const total = sizes.get(stem.id);
      if (total == null) return { error: `stem file missing: ${stem.name}`, from: 0 };
      if (p.from >= total) return { error: `bytes ${p.from}- are outside 0-${total - 1} of ${stem.name}`, from: 0 };
      return { length: Math.min(p.to, total) - p.from, total, hash: stem.fileHash, from: p.from };
    });
    const header: StemRangePart[] = plan.map((p) => ('error' in p ? { error: p.error } : { length: p.length, total: p.total }));
    const length = plan.reduce((n, p) => n + ('length' in p ? p.length : 0), 0);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': length, 'Cache-Control': 'no-store', [STEM_RANGES_HEADER]: encodeURIComponent(JSON.stringify(header)) });
    for (const p of plan) {
      if (!('length' in p) || p.length === 0) continue;
      if (!(await sendPart(res, blobs, p.hash!, p.from, p.length))) return;
    }
    res.end();
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

/**
 * Streams `length` bytes of a blob from `from` into an answer whose headers are sent. A blob that
 * fails mid-way (gone, store down) can no longer be reported in the status, so the answer is cut
 * off: the client sees the body end early and asks for each part alone. False when cut off.
 */
async function sendPart(res: ServerResponse, blobs: BlobStore, hash: string, from: number, length: number): Promise<boolean> {
  try {
    const stream = await blobs.createReadStream(hash, { start: from, end: from + length - 1 });
    // By hand, not pipeline(…, { end: false }): that leaves its listeners on the answer until it
    // ends, eleven parts in a warning.
    for await (const chunk of stream) {
      if (res.destroyed) {
        stream.destroy();
        return false;
      }
      if (!res.write(chunk)) await drained(res);
    }
    return !res.destroyed;
  } catch {
    res.destroy();
    return false;
  }
}

/** Resolves when the answer can take more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
