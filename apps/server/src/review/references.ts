// Reference tracks (docs/review.md, "Reference tracks"): commercial tracks uploaded to compare
// masters against. Stored content-addressed like every file, in their own table — never stems, so
// never mixed, rendered, bounced or listed with the stems. Loudness and spectrum are measured once,
// on upload. A version's spectrum is measured on first request and kept with it.
import { CreateReferenceQuery, REFERENCE_MAX_BYTES, reviewUrls, type ListReferencesResponse, type LoudnessReport, type ReferenceFormat, type ReferenceInfo, type SpectrumInfo } from '@mixroom/protocol';
import { decodeWav } from '@mixroom/engine';
import type { ReferenceTrack } from '../generated/prisma/client.js';
import { blobStillUsed } from '../http/session-data.js';
import { badRequest, notFound, sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { sendBlob } from '../http/send-blob.js';
import { parseSessionId } from '../http/sessions.js';
import { announce, recordActivity } from './activity.js';
import { parseWith, type ReviewDeps } from './context.js';
import { newReviewId } from './comments.js';
import { decodeReference, measureReference, spectrumOf } from './reference-audio.js';
import { findVersion, readUpload } from './versions.js';

const MIME: Record<ReferenceFormat, string> = { wav: 'audio/wav', flac: 'audio/flac', mp3: 'audio/mpeg', ogg: 'audio/ogg' };

type ReferenceRow = Omit<ReferenceTrack, 'peaks'> & { hasPeaks?: boolean };

function toInfo(row: ReferenceRow): ReferenceInfo {
  const urls = reviewUrls(row.sessionId);
  return {
    id: row.id,
    sessionId: row.sessionId,
    name: row.name,
    fileName: row.fileName,
    fileHash: row.fileHash,
    format: row.format as ReferenceFormat,
    sizeBytes: row.sizeBytes,
    sampleRate: row.sampleRate,
    channels: row.channels,
    durationSec: row.durationSec,
    loudness: row.loudness as unknown as LoudnessReport,
    spectrum: row.spectrum as unknown as SpectrumInfo,
    createdById: row.createdById,
    createdByName: row.createdByName,
    createdAt: row.createdAt.toISOString(),
    audioUrl: urls.referenceAudio(row.id),
    peaksUrl: row.hasPeaks === false ? null : urls.referencePeaks(row.id),
  };
}

async function findReference(deps: ReviewDeps, sessionId: string, id: string): Promise<ReferenceRow> {
  const row = await deps.prisma.referenceTrack.findFirst({ where: { id, sessionId }, omit: { peaks: true } });
  if (!row) throw notFound(`unknown reference ${id} in session ${sessionId}`);
  return row;
}

/** The reference an approval names must be one of the session's. */
export async function referenceForDecision(deps: ReviewDeps, sessionId: string, id: string | null | undefined) {
  if (!id) return null;
  const row = await deps.prisma.referenceTrack.findFirst({ where: { id, sessionId }, select: { id: true, name: true, fileHash: true } });
  if (!row) throw badRequest(`referenceId: unknown reference ${id} in this session`);
  return row;
}

export function registerReferenceRoutes(router: Router, deps: ReviewDeps): void {
  const { prisma, access, blobs, broadcaster } = deps;

  router.on('GET', '/api/sessions/:id/references', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const rows = await prisma.referenceTrack.findMany({ where: { sessionId }, omit: { peaks: true }, orderBy: { createdAt: 'asc' } });
    const body: ListReferencesResponse = { references: rows.map(toInfo) };
    sendJson(res, 200, body);
  });

  router.on('POST', '/api/sessions/:id/references', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'references.manage');
    const query = parseWith(CreateReferenceQuery, Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams));
    const bytes = await readUpload(req, REFERENCE_MAX_BYTES, 'the audio file');
    const decoded = await decodeReference(bytes);
    const { loudness, spectrum, peaks } = await measureReference(decoded);
    const blob = await blobs.put(bytes);
    const { row, event } = await prisma.$transaction(async (tx) => {
      const row = await tx.referenceTrack.create({
        data: {
          id: newReviewId(), sessionId, name: query.name.trim(), fileName: query.fileName, fileHash: blob.sha256, format: decoded.format, sizeBytes: blob.size,
          sampleRate: decoded.sampleRate, channels: decoded.channels.length, durationSec: decoded.channels[0].length / decoded.sampleRate,
          loudness: loudness as never, spectrum: spectrum as never, peaks, createdById: actor.userId, createdByName: actor.name,
        },
        omit: { peaks: true },
      });
      const event = await recordActivity(tx, { sessionId, actor, kind: 'reference.added', payload: { referenceId: row.id, name: row.name } });
      return { row, event };
    });
    const info = toInfo(row);
    broadcaster.reference(sessionId, info);
    announce(broadcaster, event);
    sendJson(res, 201, info);
  });

  router.on('GET', '/api/sessions/:id/references/:referenceId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    sendJson(res, 200, toInfo(await findReference(deps, sessionId, params.referenceId)));
  });

  router.on('DELETE', '/api/sessions/:id/references/:referenceId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'references.manage');
    const ref = await findReference(deps, sessionId, params.referenceId);
    const event = await prisma.$transaction(async (tx) => {
      const n = await tx.referenceTrack.deleteMany({ where: { id: ref.id, sessionId } });
      if (n.count === 0) throw notFound(`unknown reference ${ref.id} in session ${sessionId}`);
      return recordActivity(tx, { sessionId, actor, kind: 'reference.deleted', payload: { referenceId: ref.id, name: ref.name } });
    });
    // A commercial track is not ours to keep: its bytes go unless something else stores the same file.
    if (!(await blobStillUsed(prisma, ref.fileHash))) await blobs.delete(ref.fileHash).catch((err) => deps.logger.warn(`removing reference blob ${ref.fileHash} failed`, err));
    broadcaster.reference(sessionId, { id: ref.id, deleted: true });
    announce(broadcaster, event);
    sendJson(res, 200, { id: ref.id, deleted: true });
  });

  router.on('GET', '/api/sessions/:id/references/:referenceId/audio', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const ref = await findReference(deps, sessionId, params.referenceId);
    await sendBlob(req, res, blobs, ref.fileHash, { mimeType: MIME[ref.format as ReferenceFormat] ?? 'application/octet-stream', missing: `audio file of reference ${ref.name} is missing` });
  });

  router.on('GET', '/api/sessions/:id/references/:referenceId/peaks', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const row = await prisma.referenceTrack.findFirst({ where: { id: params.referenceId, sessionId }, select: { peaks: true, fileHash: true } });
    if (!row?.peaks) throw notFound(`no peaks for reference ${params.referenceId}`);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': row.peaks.byteLength, ETag: `"peaks-${row.fileHash}"`, 'Cache-Control': 'private, max-age=31536000, immutable' });
    res.end(row.peaks);
  });

  router.on('GET', '/api/sessions/:id/versions/:versionId/spectrum', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const v = await findVersion(deps, sessionId, params.versionId);
    const row = await prisma.version.findUnique({ where: { id: v.id }, select: { spectrum: true } });
    let spectrum = row?.spectrum as SpectrumInfo | null | undefined;
    if (!spectrum) {
      // Versions made before spectra existed: measured once, from the stored master, then kept.
      const chunks: Buffer[] = [];
      for await (const chunk of await blobs.createReadStream(v.fileHash)) chunks.push(chunk as Buffer);
      const wav = decodeWav(new Uint8Array(Buffer.concat(chunks)));
      spectrum = await spectrumOf(wav.channels, wav.sampleRate);
      await prisma.version.update({ where: { id: v.id }, data: { spectrum: spectrum as never } });
    }
    sendJson(res, 200, spectrum, { 'Cache-Control': 'private, max-age=31536000, immutable', ETag: `"spectrum-${v.fileHash}"` });
  });
}
