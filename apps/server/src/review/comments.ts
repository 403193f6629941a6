// Timestamped comments: threads, edit/delete own, resolve/reopen, filter, and the mix state
// each comment was written against ("Recall mix").
import { randomBytes } from 'node:crypto';
import { can, CommentFilter, CreateCommentBody, EditCommentBody, ResolveCommentBody, reviewUrls, type CommentInfo, type ListCommentsResponse, type VoiceNoteType } from '@mixroom/protocol';
import { MixModel } from '@mixroom/engine';
import type { SessionActor } from '../auth/access.js';
import { Prisma, type Comment } from '../generated/prisma/client.js';
import { HttpError, notFound, sendJson } from '../http/respond.js';
import { readJsonBody, type Router } from '../http/router.js';
import { parseSessionId } from '../http/sessions.js';
import { announce, recordActivity, toActivityInfo } from './activity.js';
import { currentMixState, parseWith, type ReviewDeps } from './context.js';

export const newReviewId = () => randomBytes(12).toString('base64url');

type Stamp = Date | string | null;
/** A comment row as the database returns it: Prisma's row, or the list query's JSON (timestamps already ISO strings). */
export type CommentRowJson = Omit<Comment, 'mixState' | 'resolvedAt' | 'editedAt' | 'deletedAt' | 'createdAt' | VoiceField> & {
  resolvedAt: Stamp; editedAt: Stamp; deletedAt: Stamp; createdAt: Date | string; hasMix?: boolean; mixState?: Uint8Array | null;
} & Partial<Pick<Comment, VoiceField>>;
type VoiceField = 'voiceHash' | 'voiceType' | 'voiceDurationSec' | 'voiceBytes';
const iso = (d: Stamp) => (d === null ? null : typeof d === 'string' ? d : d.toISOString());

export function toCommentInfo(c: CommentRowJson): CommentInfo {
  const hasMix = c.hasMix ?? !!c.mixState;
  return {
    id: c.id,
    sessionId: c.sessionId,
    authorId: c.authorId,
    authorName: c.authorName,
    body: c.deletedAt ? '' : c.body,
    atSec: c.atSec,
    endSec: c.endSec,
    channelId: c.channelId,
    parentId: c.parentId,
    resolvedAt: iso(c.resolvedAt),
    resolvedBy: c.resolvedBy,
    editedAt: iso(c.editedAt),
    deletedAt: iso(c.deletedAt),
    createdAt: iso(c.createdAt)!,
    mixUrl: hasMix && !c.deletedAt ? reviewUrls(c.sessionId).commentMix(c.id) : null,
    versionId: c.versionId ?? null,
    voice: c.voiceHash && !c.deletedAt
      ? { url: reviewUrls(c.sessionId).commentVoice(c.id), mimeType: c.voiceType as VoiceNoteType, durationSec: c.voiceDurationSec ?? 0, sizeBytes: c.voiceBytes ?? 0 }
      : null,
  };
}

/** A voice note's audio, already in the blob store. */
export interface VoiceColumns { hash: string; type: VoiceNoteType; durationSec: number; bytes: number }

/** Where a new comment goes and what it says; the time of a reply is its thread's. */
export interface NewComment {
  body: string;
  atSec: number;
  endSec?: number | null;
  channelId?: string | null;
  parentId?: string | null;
  versionId?: string | null;
}

const conflict = (message: string) => new HttpError(409, 'conflict', message);
const fmt = (s: number) => `${s.toFixed(1)} s`;

export function registerCommentRoutes(router: Router, deps: ReviewDeps): void {
  const { prisma, access, broadcaster } = deps;

  const findComment = async (sessionId: string, id: string) => {
    const c = await prisma.comment.findFirst({ where: { id, sessionId }, omit: { mixState: true } });
    if (!c) throw notFound(`unknown comment ${id} in session ${sessionId}`);
    return c;
  };
  /** Authors change their own comments; moderators (owners) anyone's. */
  const requireAuthorOrModerator = (actor: SessionActor, c: { authorId: string }, what: string) => {
    if (c.authorId !== actor.userId && !can(actor.role, 'comments.moderate')) {
      throw new HttpError(403, 'forbidden', `only the author or the owner can ${what} this comment`);
    }
  };
  const publish = (c: Parameters<typeof toCommentInfo>[0]) => {
    const info = toCommentInfo(c);
    broadcaster.comment(c.sessionId, info);
    return info;
  };

  router.on('GET', '/api/sessions/:id/comments', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const url = new URL(req.url ?? '/', 'http://x');
    const filter = parseWith(CommentFilter, url.searchParams.get('status') ?? 'all');
    // One query, one row: the database builds the JSON of every comment (all columns but the mix
    // bytes, plus whether there are any). Decoding 2,000 rows of 15 columns in JavaScript (PGlite's
    // wire protocol, then Prisma) cost ~5× more than the query itself.
    const isoSql = (col: Prisma.Sql) => Prisma.sql`to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    const [{ list }] = await prisma.$queryRaw<{ list: string }[]>`
      SELECT coalesce(json_agg(json_build_object(
        'id', "id", 'sessionId', "session_id", 'authorId', "author_id", 'authorName', "author_name", 'body', "body",
        'atSec', "at_sec", 'endSec', "end_sec", 'channelId', "channel_id", 'parentId', "parent_id", 'versionId', "version_id",
        'resolvedAt', ${isoSql(Prisma.sql`"resolved_at"`)}, 'resolvedBy', "resolved_by", 'editedAt', ${isoSql(Prisma.sql`"edited_at"`)},
        'deletedAt', ${isoSql(Prisma.sql`"deleted_at"`)}, 'createdAt', ${isoSql(Prisma.sql`"created_at"`)}, 'hasMix', ("mix_state" IS NOT NULL),
        'voiceHash', "voice_hash", 'voiceType', "voice_type", 'voiceDurationSec', "voice_duration_sec", 'voiceBytes', "voice_bytes"
      ) ORDER BY "at_sec" ASC, "created_at" ASC), '[]')::text AS "list"
      FROM "comment" WHERE "session_id" = ${sessionId}`;
    const rows = JSON.parse(list) as CommentRowJson[];
    // The filter applies to threads: a resolved thread brings its replies along.
    const keepRoot = (c: CommentRowJson) => filter === 'all' || (filter === 'resolved') === !!c.resolvedAt;
    const roots = new Set(rows.filter((c) => !c.parentId && keepRoot(c)).map((c) => c.id));
    const body: ListCommentsResponse = {
      comments: rows.filter((c) => roots.has(c.parentId ?? c.id)).map(toCommentInfo),
    };
    sendJson(res, 200, body);
  });

  router.on('POST', '/api/sessions/:id/comments', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'comments.write');
    // Read past the comment limit so an overlong body gets the precise 400, not a generic 413.
    const input = parseWith(CreateCommentBody, await readJsonBody(req, 1024 * 1024));
    sendJson(res, 201, await insertComment(deps, actor, sessionId, input));
  });

  router.on('PATCH', '/api/sessions/:id/comments/:commentId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'comments.write');
    const input = parseWith(EditCommentBody, await readJsonBody(req, 1024 * 1024));
    const c = await findComment(sessionId, params.commentId);
    requireAuthorOrModerator(actor, c, 'edit');
    if (c.deletedAt) throw conflict('this comment was deleted');
    const { updated, event } = await prisma.$transaction(async (tx) => {
      const updated = await tx.comment.update({ where: { id: c.id }, data: { body: input.body, editedAt: new Date() }, omit: { mixState: true } });
      const event = await recordActivity(tx, { sessionId, actor, kind: 'comment.edited', payload: { commentId: c.id, atSec: c.atSec } });
      return { updated, event };
    });
    const info = publish({ ...updated, hasMix: true });
    announce(broadcaster, event);
    sendJson(res, 200, info);
  });

  router.on('DELETE', '/api/sessions/:id/comments/:commentId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'comments.write');
    const c = await findComment(sessionId, params.commentId);
    requireAuthorOrModerator(actor, c, 'delete');
    if (c.deletedAt) throw conflict('this comment was already deleted');
    // Soft delete: the replies stay readable, the text and the recalled mix are gone.
    const { updated, event } = await prisma.$transaction(async (tx) => {
      // A voice note's audio goes with its text (the blob stays until the session is deleted: another comment may share it).
      const updated = await tx.comment.update({
        where: { id: c.id }, data: { body: '', deletedAt: new Date(), mixState: null, voiceHash: null, voiceType: null, voiceDurationSec: null, voiceBytes: null }, omit: { mixState: true },
      });
      const event = await recordActivity(tx, { sessionId, actor, kind: 'comment.deleted', payload: { commentId: c.id, atSec: c.atSec } });
      return { updated, event };
    });
    const info = publish(updated);
    announce(broadcaster, event);
    sendJson(res, 200, info);
  });

  router.on('POST', '/api/sessions/:id/comments/:commentId/resolve', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'comments.write');
    const { resolved } = parseWith(ResolveCommentBody, await readJsonBody(req));
    const c = await findComment(sessionId, params.commentId);
    if (c.parentId) throw new HttpError(400, 'bad_request', 'resolve the thread, not a reply');
    if (c.deletedAt) throw conflict('this comment was deleted');
    if (!!c.resolvedAt === resolved) {
      sendJson(res, 200, toCommentInfo({ ...c, hasMix: true }));
      return;
    }
    const { updated, event } = await prisma.$transaction(async (tx) => {
      const updated = await tx.comment.update({
        where: { id: c.id },
        data: resolved ? { resolvedAt: new Date(), resolvedBy: actor.name } : { resolvedAt: null, resolvedBy: null },
        omit: { mixState: true },
      });
      const event = await recordActivity(tx, { sessionId, actor, kind: resolved ? 'comment.resolved' : 'comment.reopened', payload: { commentId: c.id, atSec: c.atSec, excerpt: c.body.slice(0, 200) } });
      return { updated, event };
    });
    const info = publish({ ...updated, hasMix: true });
    announce(broadcaster, event);
    sendJson(res, 200, info);
  });

  router.on('GET', '/api/sessions/:id/comments/:commentId/mix', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const row = await prisma.comment.findFirst({ where: { id: params.commentId, sessionId }, select: { mixState: true } });
    if (!row) throw notFound(`unknown comment ${params.commentId} in session ${sessionId}`);
    if (!row.mixState) throw notFound('no mix state stored for this comment');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': row.mixState.byteLength, 'Cache-Control': 'private, max-age=31536000, immutable' });
    res.end(row.mixState);
  });
}

/**
 * Writes a comment (text, or a voice note when `voice` names its stored audio) with the mix it was
 * written against, and tells everyone in the session. Checks the placement: the parent, the
 * version, the song's length, the channel.
 */
export async function insertComment(deps: ReviewDeps, actor: SessionActor, sessionId: string, input: NewComment, voice?: VoiceColumns): Promise<CommentInfo> {
  let atSec = input.atSec;
  let endSec = input.endSec ?? null;
  let parentId: string | null = null;
  let versionId: string | null = null;
  if (input.parentId) {
    const parent = await deps.prisma.comment.findFirst({ where: { id: input.parentId, sessionId }, omit: { mixState: true } });
    if (!parent) throw notFound(`cannot reply: unknown comment ${input.parentId} in this session`);
    if (parent.deletedAt) throw conflict('cannot reply to a deleted comment');
    // Threads are one level deep: a reply to a reply joins the same thread.
    parentId = parent.parentId ?? parent.id;
    atSec = parent.atSec;
    endSec = parent.endSec;
    versionId = parent.versionId;
  } else if (input.versionId) {
    // On a version's timeline the time refers to that version's audio.
    const version = await deps.prisma.version.findFirst({ where: { id: input.versionId, sessionId }, select: { id: true, number: true, durationSec: true } });
    if (!version) throw new HttpError(400, 'bad_request', `unknown version ${input.versionId} in this session`);
    const end = endSec ?? atSec;
    if (end > version.durationSec + 0.05) {
      throw new HttpError(400, 'bad_request', `${endSec === null ? `time ${fmt(atSec)}` : `range ${fmt(atSec)}–${fmt(end)}`} is outside v${version.number} (0–${fmt(version.durationSec)})`);
    }
    versionId = version.id;
  } else {
    const duration = await deps.songLengths.get(sessionId);
    const end = endSec ?? atSec;
    if (duration > 0 && end > duration + 0.05) {
      throw new HttpError(400, 'bad_request', `${endSec === null ? `time ${fmt(atSec)}` : `range ${fmt(atSec)}–${fmt(end)}`} is outside the song (0–${fmt(duration)})`);
    }
  }
  // The snapshot comes from the session's live document in memory, not from the update log.
  const channelId = input.channelId ?? null;
  const { state: mixState, seen: channelKnown } = await currentMixState(deps, sessionId, (doc) => channelId === null || new MixModel(doc).hasChannel(channelId));
  if (!channelKnown) throw new HttpError(400, 'bad_request', `unknown channel ${channelId}`);
  const kind = parentId ? 'comment.replied' : 'comment.created';
  const row = {
    id: newReviewId(), sessionId, authorId: actor.userId, authorName: actor.name, body: input.body, atSec, endSec, channelId, parentId, versionId,
    voiceHash: voice?.hash ?? null, voiceType: voice?.type ?? null, voiceDurationSec: voice?.durationSec ?? null, voiceBytes: voice?.bytes ?? null,
  };
  const payload = { commentId: row.id, parentId, atSec, endSec, excerpt: input.body.slice(0, 200), ...(voice ? { voice: true } : {}) };
  // The comment and its activity row in ONE statement: atomic without an interactive transaction
  // (which on PGlite holds the only connection for several round trips), one round trip in all.
  const at = new Date();
  const [written] = await deps.prisma.$queryRaw<{ id: bigint | number | string }[]>`
    WITH c AS (
      INSERT INTO "comment" ("id", "session_id", "author_id", "author_name", "body", "at_sec", "end_sec", "channel_id", "parent_id", "version_id", "mix_state", "created_at",
        "voice_hash", "voice_type", "voice_duration_sec", "voice_bytes")
      VALUES (${row.id}, ${sessionId}, ${row.authorId}, ${row.authorName}, ${row.body}, ${atSec}, ${endSec}, ${channelId}, ${parentId}, ${versionId}, ${mixState}, ${at},
        ${row.voiceHash}, ${row.voiceType}, ${row.voiceDurationSec}, ${row.voiceBytes})
      RETURNING "id"
    )
    INSERT INTO "activity_event" ("session_id", "actor_id", "actor_name", "kind", "payload", "at")
    SELECT ${sessionId}, ${actor.userId}, ${actor.name}, ${kind}, ${JSON.stringify(payload)}::jsonb, ${at} FROM c
    RETURNING "id"`;
  const comment = { ...row, resolvedAt: null, resolvedBy: null, editedAt: null, deletedAt: null, createdAt: at };
  const event = toActivityInfo({ id: BigInt(written.id), sessionId, actorId: actor.userId, actorName: actor.name, kind, payload, at });
  // Broadcast as soon as the write committed, before answering the poster.
  const info = toCommentInfo({ ...comment, hasMix: true });
  deps.broadcaster.comment(sessionId, info);
  announce(deps.broadcaster, event);
  return info;
}
