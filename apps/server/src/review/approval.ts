// Approval rules (docs/review.md, "Approval rules"): the artist or the owner approves a version or asks
// for changes (capability versions.approve — engineers and viewers cannot, not even for their
// own version, unless they are the owner). An approval records the SHA-256 of the audio bytes
// and makes the version immutable; one approval per version however requests race.
// Downloads of the approved master: WAV as stored, FLAC and 320 kbps MP3 encoded from it, and the loudness report.
// FLAC and MP3 are made once per master (delivery.ts), with progress sent to the session's review room.
import { DecisionBody, DOWNLOAD_FORMATS, type ApprovalInfo } from '@mixroom/protocol';
import { HttpError, sendJson } from '../http/respond.js';
import { readJsonBody, type Router } from '../http/router.js';
import { sendBlob } from '../http/send-blob.js';
import { parseSessionId } from '../http/sessions.js';
import { announce, recordActivity } from './activity.js';
import { isUniqueViolation, parseWith, type ReviewDeps } from './context.js';
import { newReviewId } from './comments.js';
import { findVersion, hashBlob, immutable, type VersionViews } from './versions.js';
import { Deliveries, deliveryHeaders } from './delivery.js';
import { referenceForDecision } from './references.js';

const alreadyApproved = (number: number) => new HttpError(409, 'conflict', `v${number} is already approved`);

/** Safe file name part from a session title. */
const slug = (s: string) => s.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'master';

export function registerApprovalRoutes(router: Router, deps: ReviewDeps, views: VersionViews, deliveries = new Deliveries(deps)): void {
  const { prisma, access, blobs, broadcaster } = deps;

  router.on('POST', '/api/sessions/:id/versions/:versionId/decision', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'versions.approve');
    const input = parseWith(DecisionBody, await readJsonBody(req));
    const v = await findVersion(deps, sessionId, params.versionId);
    const reference = await referenceForDecision(deps, sessionId, input.referenceId);
    if (v.status === 'approved') throw input.decision === 'approve' ? alreadyApproved(v.number) : immutable(v.number);
    // What the approval certifies is the bytes in storage, so hash them rather than trusting the row.
    const sha256 = await hashBlob(deps, v.fileHash);
    if (sha256 !== v.fileHash) throw new HttpError(409, 'conflict', `the stored file of v${v.number} does not match its hash; re-upload it`);
    let event;
    try {
      event = await prisma.$transaction(async (tx) => {
        // The status check and the write are one statement: of two racing approvals only one sees "not approved".
        const n = await tx.version.updateMany({
          where: { id: v.id, status: { not: 'approved' } },
          data: { status: input.decision === 'approve' ? 'approved' : 'changes_requested' },
        });
        if (n.count === 0) throw input.decision === 'approve' ? alreadyApproved(v.number) : immutable(v.number);
        await tx.approval.create({
          data: {
            id: newReviewId(), versionId: v.id, decision: input.decision, byId: actor.userId, byName: actor.name, sha256, comment: input.comment,
            ...(reference ? { referenceId: reference.id, referenceName: reference.name, referenceSha256: reference.fileHash } : {}),
          },
        });
        return recordActivity(tx, {
          sessionId, actor, kind: input.decision === 'approve' ? 'version.approved' : 'version.changes_requested',
          payload: { versionId: v.id, number: v.number, sha256, comment: input.comment.slice(0, 200), ...(reference ? { reference: reference.name } : {}) },
        });
      });
    } catch (err) {
      // The partial unique index is the last line: a racing approval that slipped past the update.
      if (isUniqueViolation(err)) throw alreadyApproved(v.number);
      throw err;
    }
    // An approved master is about to be delivered: start its MP3 now (worker thread) so the download is ready.
    if (input.decision === 'approve') deliveries.get(sessionId, v, 'mp3').catch((err) => deps.logger.warn(`MP3 of v${v.number} not made: ${(err as Error).message}`));
    const info = await views.one(sessionId, v.id);
    broadcaster.version(sessionId, info);
    announce(broadcaster, event);
    sendJson(res, 200, info);
  });

  const requireDeliverable = async (sessionId: string, v: { status: string; number: number }) => {
    const session = await prisma.mixSession.findUnique({ where: { id: sessionId }, select: { deliverOnlyApproved: true, title: true } });
    if (session?.deliverOnlyApproved && v.status !== 'approved') {
      throw new HttpError(403, 'forbidden', `v${v.number} is not approved, and this session delivers only approved versions`);
    }
    return session?.title ?? 'master';
  };

  router.on('GET', '/api/sessions/:id/versions/:versionId/download', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const format = new URL(req.url ?? '/', 'http://x').searchParams.get('format') ?? 'wav';
    if (!(DOWNLOAD_FORMATS as readonly string[]).includes(format)) throw new HttpError(400, 'bad_request', `unknown format ${format}: use ${DOWNLOAD_FORMATS.join(', ')}`);
    const v = await findVersion(deps, sessionId, params.versionId);
    const title = await requireDeliverable(sessionId, v);
    const name = `${slug(title)}-v${v.number}${v.status === 'approved' ? '-approved' : ''}.${format}`;
    const headers = { 'Content-Disposition': `attachment; filename="${name}"`, 'X-Source-Sha256': v.fileHash };
    if (format === 'wav') {
      await sendBlob(req, res, blobs, v.fileHash, { mimeType: 'audio/wav', missing: `audio file of v${v.number} is missing`, headers });
      return;
    }
    const made = await deliveries.get(sessionId, v, format as 'flac' | 'mp3');
    await sendBlob(req, res, blobs, made.hash, {
      mimeType: format === 'flac' ? 'audio/flac' : 'audio/mpeg',
      missing: `${format.toUpperCase()} of v${v.number} is missing`,
      headers: { ...headers, ...deliveryHeaders(made.info) },
    });
  });

  router.on('GET', '/api/sessions/:id/versions/:versionId/report', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const v = await findVersion(deps, sessionId, params.versionId);
    const title = await requireDeliverable(sessionId, v);
    const info = await views.one(sessionId, v.id);
    const approval: ApprovalInfo | null = info.decision?.decision === 'approve' ? info.decision : null;
    const report = {
      session: title, version: v.number, status: v.status, file: { sha256: v.fileHash, format: v.format, sizeBytes: v.sizeBytes, sampleRate: v.sampleRate, channels: v.channels, bitDepth: v.bitDepth, durationSec: v.durationSec },
      loudness: info.loudness, approval, notes: v.notes, createdBy: v.createdByName, createdAt: info.createdAt,
      deliveries: info.deliveries,
      pack: (await prisma.approval.findFirst({ where: { versionId: v.id, decision: 'approve' }, select: { packManifest: true } }))?.packManifest ?? null,
    };
    sendJson(res, 200, report, { 'Content-Disposition': `attachment; filename="${slug(title)}-v${v.number}-loudness.json"` });
  });
}
