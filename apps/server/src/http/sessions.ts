import { randomBytes } from 'node:crypto';
import { CreateSessionBody, SessionId, stemAudioUrl, stemPeaksUrl, type ListSessionsResponse, type SessionDetail } from '@mixroom/protocol';
import type { PrismaClient } from '../generated/prisma/client.js';
import { badRequest, notFound, sendJson } from './respond.js';
import { readJsonBody, type Router } from './router.js';

/** 16 url-safe chars ≈ 96 bits: unguessable, since knowing the id is what grants access for now. */
export const newSessionId = () => randomBytes(12).toString('base64url');

export async function getSessionDetail(prisma: PrismaClient, id: string): Promise<SessionDetail | null> {
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
    stems: s.stems.map((st) => ({
      id: st.id,
      name: st.name,
      sampleRate: st.sampleRate,
      channels: st.channels,
      durationSec: st.durationSec,
      position: st.position,
      url: stemAudioUrl(s.id, st.id),
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

export function registerSessionRoutes(router: Router, prisma: PrismaClient): void {
  router.on('GET', '/api/sessions', async (_req, res) => {
    const sessions = await prisma.mixSession.findMany({
      orderBy: { updatedAt: 'desc' },
      select: { id: true, title: true, updatedAt: true, stems: { where: { retiredAt: null }, select: { durationSec: true } } },
    });
    const body: ListSessionsResponse = {
      sessions: sessions.map((s) => ({
        id: s.id,
        title: s.title,
        stemCount: s.stems.length,
        durationSec: s.stems.reduce((max, st) => Math.max(max, st.durationSec), 0),
        updatedAt: s.updatedAt.toISOString(),
      })),
    };
    sendJson(res, 200, body);
  });

  router.on('POST', '/api/sessions', async (req, res) => {
    const parsed = CreateSessionBody.safeParse(await readJsonBody(req));
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const created = await prisma.mixSession.create({ data: { id: newSessionId(), title: parsed.data.title } });
    sendJson(res, 201, await getSessionDetail(prisma, created.id), { Location: `/api/sessions/${created.id}` });
  });

  router.on('GET', '/api/sessions/:id', async (_req, res, params) => {
    const id = parseSessionId(params.id);
    const detail = await getSessionDetail(prisma, id);
    if (!detail) throw notFound(`unknown session ${id}`);
    sendJson(res, 200, detail);
  });
}
