// Routes for comments as DAW markers (markers.ts): exports for every member, the WAV of a version
// with its comments as cue points, and importing a Reaper/Audacity marker list as comments
// (capability comments.write, the same as writing a comment by hand).
import { z } from 'zod';
import { HttpError, sendJson } from '../http/respond.js';
import { readJsonBody, type Router } from '../http/router.js';
import { parseSessionId } from '../http/sessions.js';
import { announce, recordActivity } from './activity.js';
import { newReviewId, toCommentInfo } from './comments.js';
import { parseWith, type ReviewDeps } from './context.js';
import { audacityLabels, markerText, midiMarkers, parseMarkerList, reaperCsv, withCues, type Marker } from './markers.js';
import { findVersion } from './versions.js';

const slug = (s: string) => s.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'session';
const MAX_IMPORT = 500;
const EXPORTS = {
  reaper: { ext: 'csv', type: 'text/csv; charset=utf-8' },
  audacity: { ext: 'txt', type: 'text/plain; charset=utf-8' },
  midi: { ext: 'mid', type: 'audio/midi' },
} as const;

const ImportBody = z.strictObject({
  text: z.string().min(1, 'the marker list is empty').max(1_000_000, 'the marker list is longer than 1 MB'),
  versionId: z.string().min(1).max(64).nullable().optional(),
});

export function registerMarkerRoutes(router: Router, deps: ReviewDeps): void {
  const { prisma, access, blobs, broadcaster } = deps;

  const markersOf = async (sessionId: string, filter: (c: { versionId: string | null }) => boolean = () => true): Promise<Marker[]> => {
    const rows = await prisma.comment.findMany({ where: { sessionId, parentId: null, deletedAt: null }, omit: { mixState: true }, orderBy: [{ atSec: 'asc' }, { createdAt: 'asc' }] });
    return rows.filter(filter).map((c) => ({ atSec: c.atSec, endSec: c.endSec, text: markerText(c.authorName, c.body) }));
  };

  router.on('GET', '/api/sessions/:id/comments/export', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const format = new URL(req.url ?? '/', 'http://x').searchParams.get('format') ?? '';
    if (!(format in EXPORTS)) throw new HttpError(400, 'bad_request', `unknown marker format "${format.slice(0, 20)}": use reaper, audacity or midi`);
    const session = await prisma.mixSession.findUnique({ where: { id: sessionId }, select: { title: true } });
    const markers = await markersOf(sessionId);
    const f = EXPORTS[format as keyof typeof EXPORTS];
    const body = format === 'reaper' ? reaperCsv(markers) : format === 'audacity' ? audacityLabels(markers) : midiMarkers(markers, session?.title ?? 'Mixroom');
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': bytes.length, 'Content-Disposition': `attachment; filename="${slug(session?.title ?? 'session')}-comments.${f.ext}"` });
    res.end(bytes);
  });

  router.on('GET', '/api/sessions/:id/versions/:versionId/cues', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const v = await findVersion(deps, sessionId, params.versionId);
    const session = await prisma.mixSession.findUnique({ where: { id: sessionId }, select: { title: true, deliverOnlyApproved: true } });
    if (session?.deliverOnlyApproved && v.status !== 'approved') throw new HttpError(403, 'forbidden', `v${v.number} is not approved, and this session delivers only approved versions`);
    // The session's comments and this version's, inside its length.
    const markers = (await markersOf(sessionId, (c) => c.versionId === null || c.versionId === v.id)).filter((m) => m.atSec <= v.durationSec);
    const chunks: Buffer[] = [];
    for await (const c of await blobs.createReadStream(v.fileHash)) chunks.push(c as Buffer);
    const out = withCues(Buffer.concat(chunks), markers);
    res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': out.length, 'Content-Disposition': `attachment; filename="${slug(session?.title ?? 'session')}-v${v.number}-cues.wav"` });
    res.end(out);
  });

  router.on('POST', '/api/sessions/:id/comments/import', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'comments.write');
    const input = parseWith(ImportBody, await readJsonBody(req, 1_100_000));
    let parsed: ReturnType<typeof parseMarkerList>;
    try {
      parsed = parseMarkerList(input.text);
    } catch (e) {
      throw new HttpError(400, 'bad_request', `cannot read the marker list: ${(e as Error).message}`);
    }
    if (parsed.markers.length === 0) throw new HttpError(400, 'bad_request', 'the marker list has no markers');
    if (parsed.markers.length > MAX_IMPORT) throw new HttpError(400, 'bad_request', `the marker list has ${parsed.markers.length} markers; at most ${MAX_IMPORT} are imported at once`);
    const version = input.versionId ? await findVersion(deps, sessionId, input.versionId).catch(() => null) : null;
    if (input.versionId && !version) throw new HttpError(400, 'bad_request', `unknown version ${input.versionId} in this session`);
    const length = version ? version.durationSec : await deps.songLengths.get(sessionId);
    parsed.markers.forEach((m, i) => {
      const end = m.endSec ?? m.atSec;
      if (length > 0 && end > length + 0.05) throw new HttpError(400, 'bad_request', `marker ${i + 1} ("${m.text.slice(0, 40)}") at ${end.toFixed(1)} s is outside ${version ? `v${version.number}` : 'the song'} (0–${length.toFixed(1)} s)`);
    });
    const at = new Date();
    const rows = parsed.markers.map((m) => ({
      id: newReviewId(), sessionId, authorId: actor.userId, authorName: actor.name, body: m.text.slice(0, 5000), atSec: m.atSec, endSec: m.endSec, channelId: null, parentId: null, versionId: version?.id ?? null, createdAt: at,
    }));
    const events = await prisma.$transaction(async (tx) => {
      await tx.comment.createMany({ data: rows });
      return Promise.all(rows.map((r) => recordActivity(tx, { sessionId, actor, kind: 'comment.created', payload: { commentId: r.id, parentId: null, atSec: r.atSec, endSec: r.endSec, excerpt: r.body.slice(0, 200), imported: parsed.format } })));
    });
    const infos = rows.map((r) => toCommentInfo({ ...r, resolvedAt: null, resolvedBy: null, editedAt: null, deletedAt: null }));
    for (const c of infos) broadcaster.comment(sessionId, c);
    for (const e of events) announce(broadcaster, e);
    sendJson(res, 201, { format: parsed.format, comments: infos });
  });
}
