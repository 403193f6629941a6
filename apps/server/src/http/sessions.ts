import { randomBytes } from 'node:crypto';
import { CreateSessionBody, Role, SessionId, stemAudioUrl, stemPeaksUrl, type ListSessionsResponse, type SessionDetail } from '@mixroom/protocol';
import type { DbAccessControl } from '../auth/db-access.js';
import type { MembershipChanges } from '../auth/membership-changes.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { notFound, sendJson } from './respond.js';
import type { Router } from './router.js';
import { readBody } from './validate.js';

/** 16 url-safe chars ≈ 96 bits: ids appear in URLs, so they should not be enumerable either. */
export const newSessionId = () => randomBytes(12).toString('base64url');

export async function getSessionDetail(prisma: PrismaClient, id: string, role: Role): Promise<SessionDetail | null> {
  const s = await prisma.mixSession.findUnique({
    where: { id },
    include: { stems: { where: { retiredAt: null }, orderBy: [{ position: 'asc' }, { createdAt: 'asc' }], omit: { peaks: true } } },
  });
  if (!s) return null;
  // Only whether peaks exist is needed here; fetching the bytes for every stem would be wasteful.
  const withPeaks = new Set(
    (await prisma.stem.findMany({ where: { sessionId: id, retiredAt: null, OR: [{ NOT: { peaks: null } }, { NOT: { peaksHash: null } }] }, select: { id: true } })).map((r) => r.id),
  );
  return {
    id: s.id,
    title: s.title,
    tempo: s.tempo,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    role,
    stems: s.stems.map((st) => ({
      id: st.id,
      name: st.name,
      sampleRate: st.sampleRate,
      channels: st.channels,
      durationSec: st.durationSec,
      position: st.position,
      url: stemAudioUrl(s.id, st.id),
      contentHash: st.fileHash,
      peaksUrl: withPeaks.has(st.id) ? stemPeaksUrl(s.id, st.id) : null,
    })),
  };
}

export function parseSessionId(raw: string): string {
  const r = SessionId.safeParse(raw);
  // A malformed id cannot name an existing session; answer like any other unknown one.
  if (!r.success) throw notFound(`unknown session ${raw}`);
  return r.data;
}

export interface SessionRouteDeps {
  prisma: PrismaClient;
  access: DbAccessControl;
  changes: MembershipChanges;
  /** Removes what a deleted session leaves outside the database (blobs, partial uploads). */
  deleteSessionData(data: DeletedSessionData): Promise<void>;
}

/** What of a session lives outside its database rows. */
export interface DeletedSessionData {
  sessionId: string;
  /** Content hashes (stem files, stem peaks, version files, voice notes, reference tracks) the session referenced. */
  blobHashes: string[];
  uploadIds: string[];
}

export function registerSessionRoutes(router: Router, { prisma, access, changes, deleteSessionData }: SessionRouteDeps): void {
  router.on('GET', '/api/sessions', async (req, res) => {
    const actor = await access.requireUser(req);
    const memberships = await prisma.membership.findMany({
      where: { userId: actor.userId },
      orderBy: { session: { updatedAt: 'desc' } },
      select: { role: true, session: { select: { id: true, title: true, updatedAt: true, stems: { where: { retiredAt: null }, select: { durationSec: true } } } } },
    });
    const body: ListSessionsResponse = {
      sessions: memberships.map(({ role, session: s }) => ({
        id: s.id,
        title: s.title,
        stemCount: s.stems.length,
        durationSec: s.stems.reduce((max, st) => Math.max(max, st.durationSec), 0),
        updatedAt: s.updatedAt.toISOString(),
        role: Role.parse(role),
      })),
    };
    sendJson(res, 200, body);
  });

  router.on('POST', '/api/sessions', async (req, res) => {
    const actor = await access.requireUser(req);
    const { title } = await readBody(req, CreateSessionBody);
    const id = newSessionId();
    // Creator becomes owner in the same transaction: a session is never without an owner.
    // Interactive form: a batch cannot be run again, this one is when the database was busy.
    await prisma.$transaction(async (tx) => {
      await tx.mixSession.create({ data: { id, title } });
      await tx.membership.create({ data: { sessionId: id, userId: actor.userId, role: 'owner' } });
    });
    sendJson(res, 201, await getSessionDetail(prisma, id, 'owner'), { Location: `/api/sessions/${id}` });
  });

  router.on('GET', '/api/sessions/:id', async (req, res, params) => {
    const actor = await access.requireSession(req, params.id, 'session.view');
    const detail = await getSessionDetail(prisma, actor.sessionId, actor.role);
    if (!detail) throw notFound(`unknown session ${actor.sessionId}`);
    sendJson(res, 200, detail);
  });

  router.on('DELETE', '/api/sessions/:id', async (req, res, params) => {
    const { sessionId } = await access.requireSession(req, params.id, 'session.delete');
    const [members, stems, versions, uploads, voices, references] = await Promise.all([
      prisma.membership.findMany({ where: { sessionId }, select: { userId: true } }),
      prisma.stem.findMany({ where: { sessionId }, select: { fileHash: true, peaksHash: true } }),
      prisma.version.findMany({ where: { sessionId }, select: { fileHash: true } }),
      prisma.upload.findMany({ where: { sessionId }, select: { id: true } }),
      prisma.comment.findMany({ where: { sessionId, voiceHash: { not: null } }, select: { voiceHash: true } }),
      prisma.referenceTrack.findMany({ where: { sessionId }, select: { fileHash: true } }),
    ]);
    // Every row of the session goes with it (ON DELETE CASCADE: stems, updates, comments, versions, members, invites, uploads).
    await prisma.mixSession.delete({ where: { id: sessionId } });
    // Everyone connected loses access at once, like a removal; every process drops its copy of the mix.
    for (const m of members) changes.publish({ sessionId, userId: m.userId, role: null, sessionDeleted: true });
    const blobHashes = [...new Set([...stems.flatMap((st) => [st.fileHash, st.peaksHash ?? '']), ...versions.map((v) => v.fileHash), ...voices.map((c) => c.voiceHash ?? ''), ...references.map((r) => r.fileHash)].filter(Boolean))];
    await deleteSessionData({ sessionId, blobHashes, uploadIds: uploads.map((u) => u.id) });
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  });
}
