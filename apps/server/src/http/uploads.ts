// Resumable stem uploads: the tus 1.0.0 core protocol with the creation, termination and
// expiration extensions (https://tus.io/protocols/resumable-upload), on our own Router.
//   POST   /api/sessions/:id/uploads          Upload-Length, Upload-Metadata (filename, replacesStemId)
//   HEAD   /api/sessions/:id/uploads/:upload  → Upload-Offset (GET returns the same as JSON)
//   PATCH  /api/sessions/:id/uploads/:upload  Upload-Offset + application/offset+octet-stream body
//   DELETE /api/sessions/:id/uploads/:upload
// PATCH bodies stream straight to <dataDir>/uploads/<id> with backpressure; the file's size is
// the offset, so a dropped connection or a restarted server resumes where the disk left off.
// The PATCH that completes the upload also ingests it (probe, peaks, store, channel) and answers
// 204 with Mixroom-Stem-Id / Mixroom-Channel-Id, or 422 with why the file is not usable audio.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { AccessControl } from '../auth/access.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../log.js';
import { sanitizeFileName } from '../stems/file-name.js';
import { LivePcmPeaks } from '../stems/live-peaks.js';
import { encodeNotesHeader } from '../stems/stem-notes.js';
import type { StemService } from '../stems/stem-service.js';
import type { UploadDigests } from '../stems/upload-digests.js';
import { badRequest, HttpError, notFound, sendError, toHttpError } from './respond.js';
import type { Router } from './router.js';
import { parseSessionId } from './sessions.js';

export const TUS_VERSION = '1.0.0';
const TUS_HEADERS = {
  'Tus-Resumable': TUS_VERSION,
  // Browsers only let scripts read these response headers when they are exposed.
  'Access-Control-Expose-Headers': 'Upload-Offset, Upload-Length, Upload-Expires, Location, Tus-Resumable, Mixroom-Stem-Id, Mixroom-Channel-Id, Mixroom-Stem-Notes',
  'Cache-Control': 'no-store',
};

export interface UploadRouteDeps {
  prisma: PrismaClient;
  access: AccessControl;
  stems: StemService;
  logger: Logger;
  /** Directory for partial uploads (same filesystem as the blob store, so completion is a rename). */
  dir: string;
  maxBytes: number;
  expiryMs: number;
  /** SHA-256 and peak scan of each upload on a worker thread, reading behind the disk writes. */
  digests: UploadDigests;
}

/**
 * What this process computes while an upload's bytes arrive: the header probe here, hash and
 * peaks on the digest worker. `at` is how far the worker was told the file is complete.
 */
interface LiveHash { at: number; peaks: LivePcmPeaks }

interface UploadRow { id: string; sessionId: string; length: number; fileName: string; replacesStemId: string | null; expiresAt: Date }

/** The worker is told about new bytes every this many (not per 64 kB socket chunk). */
const ADVANCE_EVERY = 4 * 1024 * 1024;

export function registerUploadRoutes(router: Router, deps: UploadRouteDeps): { sweepExpired(): Promise<number> } {
  const { prisma, access, stems, digests } = deps;
  /** Running SHA-256 and peaks per upload while this process has seen every byte; lost on restart (then the file is read again at the end). */
  const hashes = new Map<string, LiveHash>();
  /** Uploads with a PATCH in flight: a second concurrent PATCH would interleave bytes. */
  const busy = new Set<string>();
  const fileOf = (id: string) => path.join(deps.dir, id);

  const requireTus = (req: IncomingMessage) => {
    const v = req.headers['tus-resumable'];
    if (v !== TUS_VERSION) throw new HttpError(412, 'precondition_failed', `Tus-Resumable must be ${TUS_VERSION} (got ${v ?? 'nothing'})`);
  };

  /**
   * Upload rows this process created or read. A row never changes until it is deleted, which in
   * this process goes through `discard`; a PATCH answers from here instead of a database round
   * trip per chunk (4–20 ms on a busy PGlite, with the upload's socket stalled meanwhile). A
   * deletion by another process is caught at completion, which reads the row again.
   */
  const rows = new Map<string, UploadRow>();

  const findUpload = async (sessionId: string, uploadId: string, fromMemory = false) => {
    const cached = fromMemory ? rows.get(uploadId) : undefined;
    const upload = cached?.sessionId === sessionId ? cached : await prisma.upload.findFirst({ where: { id: uploadId, sessionId } });
    if (!upload) throw notFound(`unknown upload ${uploadId} (finished, cancelled or never created)`);
    if (upload.expiresAt.getTime() < Date.now()) {
      await discard(upload.id);
      throw new HttpError(410, 'gone', `upload ${uploadId} expired; start it again`);
    }
    rows.set(upload.id, upload);
    return upload;
  };

  const offsetOf = async (id: string) => (await stat(fileOf(id)).catch(() => null))?.size ?? 0;

  const forgetLive = (id: string) => {
    if (hashes.delete(id)) digests.drop(id);
  };

  const discard = async (id: string) => {
    forgetLive(id);
    rows.delete(id);
    await rm(fileOf(id), { force: true });
    await prisma.upload.deleteMany({ where: { id } });
  };

  router.on('OPTIONS', '/api/sessions/:id/uploads', (_req, res) => {
    res.writeHead(204, {
      ...TUS_HEADERS,
      'Tus-Version': TUS_VERSION,
      'Tus-Extension': 'creation,termination,expiration',
      'Tus-Max-Size': String(deps.maxBytes),
    }).end();
  });

  router.on('POST', '/api/sessions/:id/uploads', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'stems.manage');
    requireTus(req);
    if (req.headers['upload-defer-length']) throw badRequest('Upload-Defer-Length is not supported: send Upload-Length');
    const length = parseNonNegative(req.headers['upload-length'], 'Upload-Length');
    if (length === 0) throw badRequest('this file is empty');
    if (length > deps.maxBytes) {
      throw new HttpError(413, 'payload_too_large', `the file is ${formatBytes(length)}; stems may be at most ${formatBytes(deps.maxBytes)}`);
    }
    const meta = parseMetadata(req.headers['upload-metadata']);
    const fileName = sanitizeFileName(meta.filename ?? 'untitled');
    const replacesStemId = meta.replacesStemId || null;
    if (replacesStemId && !(await prisma.stem.count({ where: { id: replacesStemId, sessionId, retiredAt: null } }))) {
      throw notFound(`cannot replace stem ${replacesStemId}: it is not in this session's mix`);
    }
    await mkdir(deps.dir, { recursive: true });
    const id = randomBytes(16).toString('base64url');
    const expiresAt = new Date(Date.now() + deps.expiryMs);
    rows.set(id, await prisma.upload.create({ data: { id, sessionId, length, fileName, replacesStemId, expiresAt } }));
    // Created empty now so HEAD reports 0 and PATCH can always append.
    await new Promise<void>((resolve, reject) => createWriteStream(fileOf(id), { flags: 'w' }).on('error', reject).end(resolve));
    hashes.set(id, { at: 0, peaks: new LivePcmPeaks(length) });
    digests.start(id, fileOf(id));
    res.writeHead(201, {
      ...TUS_HEADERS,
      Location: `/api/sessions/${encodeURIComponent(sessionId)}/uploads/${id}`,
      'Upload-Expires': expiresAt.toUTCString(),
      'Content-Length': 0,
    }).end();
  });

  // The Router answers HEAD with the GET route; GET also returns the state as JSON for humans.
  router.on('GET', '/api/sessions/:id/uploads/:uploadId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'stems.manage');
    const upload = await findUpload(sessionId, params.uploadId);
    const offset = await offsetOf(upload.id);
    const headers = {
      ...TUS_HEADERS,
      'Upload-Offset': String(offset),
      'Upload-Length': String(upload.length),
      'Upload-Expires': upload.expiresAt.toUTCString(),
    };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end();
      return;
    }
    const body = JSON.stringify({ id: upload.id, fileName: upload.fileName, offset, length: upload.length, expiresAt: upload.expiresAt.toISOString() });
    res.writeHead(200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' }).end(body);
  });

  router.on('PATCH', '/api/sessions/:id/uploads/:uploadId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'stems.manage');
    requireTus(req);
    if (req.headers['content-type'] !== 'application/offset+octet-stream') {
      throw new HttpError(415, 'unsupported_media_type', 'PATCH bodies must be Content-Type: application/offset+octet-stream');
    }
    const upload = await findUpload(sessionId, params.uploadId, true);
    const claimed = parseNonNegative(req.headers['upload-offset'], 'Upload-Offset');
    if (busy.has(upload.id)) throw new HttpError(409, 'conflict', 'another PATCH for this upload is still in progress');
    busy.add(upload.id);
    try {
      const offset = await offsetOf(upload.id);
      if (claimed !== offset) throw new HttpError(409, 'conflict', `Upload-Offset ${claimed} does not match the ${offset} bytes received so far`);
      const remaining = upload.length - offset;
      const declared = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
      if (declared !== null && declared > remaining) {
        throw new HttpError(413, 'payload_too_large', `this PATCH carries ${declared} bytes but only ${remaining} of the declared Upload-Length ${upload.length} remain`);
      }
      const received = await receive(req, upload.id, offset, remaining);
      if (received.overflow) {
        // The client lied about the size: keep nothing from it.
        await discard(upload.id);
        throw new HttpError(413, 'payload_too_large', `more bytes were sent than the declared Upload-Length ${upload.length}; the excess was discarded`);
      }
      const newOffset = offset + received.bytes;
      if (newOffset < upload.length) {
        res.writeHead(204, { ...TUS_HEADERS, 'Upload-Offset': String(newOffset), 'Upload-Expires': upload.expiresAt.toUTCString() }).end();
        return;
      }
      await complete(res, upload, newOffset);
    } finally {
      busy.delete(upload.id);
    }
  });

  router.on('DELETE', '/api/sessions/:id/uploads/:uploadId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'stems.manage');
    requireTus(req);
    const upload = await findUpload(sessionId, params.uploadId);
    if (busy.has(upload.id)) throw new HttpError(409, 'conflict', 'a PATCH for this upload is still in progress');
    await discard(upload.id);
    res.writeHead(204, TUS_HEADERS).end();
  });

  /** Appends the request body to the upload's file; never more than `remaining` bytes. */
  async function receive(req: IncomingMessage, id: string, offset: number, remaining: number) {
    let bytes = 0;
    let overflow = false;
    let live = hashes.get(id);
    if (live && live.at !== offset) {
      forgetLive(id);
      live = undefined;
    }
    // 1 MB write batches, like the reference sink: 4 MB measured slower in an interleaved test.
    const out = createWriteStream(fileOf(id), { flags: 'a', highWaterMark: 1 << 20 });
    const closed = new Promise<void>((resolve, reject) => out.once('close', resolve).once('error', reject));
    // Bytes flushed to the file so far in this PATCH; the worker hashes behind them.
    let flushed = 0;
    let told = 0;
    const onFlushed = (n: number) => (err?: Error | null) => {
      if (err || !live) return;
      flushed += n;
      if (flushed - told >= ADVANCE_EVERY) {
        told = flushed;
        digests.advance(id, offset + flushed);
      }
    };
    try {
      for await (const data of req as AsyncIterable<Buffer>) {
        if (overflow) continue; // drain the rest of a lying body, keep nothing of it
        let chunk = data;
        if (bytes + chunk.length > remaining) {
          overflow = true;
          chunk = chunk.subarray(0, remaining - bytes);
        }
        bytes += chunk.length;
        if (live && !live.peaks.settled) {
          // Only the header is looked at here (first 64 kB); the samples are scanned by the worker.
          const probing = live.peaks.push(chunk);
          const format = probing && (await probing);
          if (format) digests.pcm(id, format, live.peaks.sink);
        }
        // Backpressure: stop reading the socket while the disk is behind.
        if (!out.write(chunk, onFlushed(chunk.length))) await once(out, 'drain');
      }
      out.end();
      await closed;
    } catch (err) {
      // A dropped connection keeps whatever reached the disk; the client resumes from HEAD.
      out.end();
      await closed.catch(() => {});
      forgetLive(id);
      if (req.destroyed || req.readableAborted) throw new HttpError(400, 'bad_request', 'the upload connection was interrupted; resume from HEAD');
      throw err;
    }
    if (live) {
      live.at = offset + bytes;
      digests.advance(id, live.at);
      // The worker reads what is on disk; if the file is not where we think, start over at completion.
      if ((await offsetOf(id)) !== live.at) forgetLive(id);
    }
    return { bytes, overflow };
  }

  async function complete(res: ServerResponse, upload: { id: string; sessionId: string; fileName: string; replacesStemId: string | null; length: number }, size: number) {
    const live = hashes.get(upload.id);
    hashes.delete(upload.id);
    // The worker has (almost) caught up with the disk: the rest of the last PATCH is all it hashes now.
    const digest = live && live.at === size ? await digests.finish(upload.id, size) : null;
    if (live && !digest) digests.drop(upload.id);
    const complete = digest && digest.size === size;
    const known = complete ? { sha256: digest.sha256, size } : undefined;
    try {
      // The row was read from memory for the PATCHes: make sure no other process cancelled the upload.
      if (!(await prisma.upload.count({ where: { id: upload.id } }))) throw notFound(`upload ${upload.id} was cancelled`);
      const stem = await stems.ingest({
        sessionId: upload.sessionId, filePath: fileOf(upload.id), fileName: upload.fileName, known,
        livePeaks: complete ? (probe) => live!.peaks.finish(probe, digest) : undefined, replacesStemId: upload.replacesStemId,
      });
      await prisma.upload.deleteMany({ where: { id: upload.id } });
      rows.delete(upload.id);
      res.writeHead(204, { ...TUS_HEADERS, 'Upload-Offset': String(size), 'Mixroom-Stem-Id': stem.stemId, 'Mixroom-Channel-Id': stem.channelId, 'Mixroom-Stem-Notes': encodeNotesHeader(stem.notes) }).end();
    } catch (err) {
      const httpErr = toHttpError(err);
      if (httpErr.code === 'database_busy' && (await offsetOf(upload.id)) === size) {
        // The database is busy: keep the finished file (ingest left it in place); the client's next
        // PATCH (empty, at the end) completes the upload. Nothing to send again.
        deps.logger.warn(`upload ${upload.id} (${upload.fileName}): database busy at completion; kept for the client's retry`);
        return sendError(res, new HttpError(503, 'database_busy', `${upload.fileName} is kept: ${httpErr.message}`, httpErr.headers));
      }
      // Rejected or failed: nothing of this upload may remain (ingest already removed the file if it moved nothing).
      await discard(upload.id);
      if (httpErr.status === 503) return sendError(res, new HttpError(503, httpErr.code, `${upload.fileName} was not stored: ${httpErr.message}; upload it again`));
      if (err instanceof HttpError) return sendError(res, err);
      throw err;
    }
  }

  return {
    /** Deletes expired uploads' rows and files, and files no row knows about (left by a crash). */
    async sweepExpired() {
      const expired = await prisma.upload.findMany({ where: { expiresAt: { lt: new Date() } }, select: { id: true } });
      for (const u of expired) if (!busy.has(u.id)) await discard(u.id);
      const known = new Set((await prisma.upload.findMany({ select: { id: true } })).map((u) => u.id));
      const files = await readdir(deps.dir).catch(() => [] as string[]);
      for (const f of files) if (!known.has(f) && !busy.has(f)) await rm(path.join(deps.dir, f), { force: true });
      return expired.length;
    },
  };
}

function parseNonNegative(raw: string | string[] | undefined, header: string): number {
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) throw badRequest(`${header} must be a non-negative integer (got ${raw ?? 'nothing'})`);
  return Number(raw);
}

/** tus Upload-Metadata: "key base64value,key2 base64value2". */
export function parseMetadata(raw: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof raw !== 'string' || raw.trim() === '') return out;
  for (const pair of raw.split(',')) {
    const [key, value = ''] = pair.trim().split(' ');
    if (!key || !/^[\x21-\x7e]+$/.test(key)) throw badRequest(`Upload-Metadata has an invalid key "${key}"`);
    if (value && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw badRequest(`Upload-Metadata value of ${key} is not base64`);
    out[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} bytes`;
}
