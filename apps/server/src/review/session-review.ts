// Session-wide review state: the "deliver only approved" setting, the activity log, and each
// user's notifications (others' comments, replies, versions and decisions) with an unread count.
import { MarkReadBody, NOTIFYING_KINDS, ReviewSettings, type ListActivityResponse, type NotificationsResponse } from '@mixroom/protocol';
import { sendJson } from '../http/respond.js';
import { readJsonBody, type Router } from '../http/router.js';
import { parseSessionId } from '../http/sessions.js';
import { announce, recordActivity, toActivityInfo } from './activity.js';
import { parseWith, type ReviewDeps } from './context.js';

export function registerSessionReviewRoutes(router: Router, deps: ReviewDeps): void {
  const { prisma, access, broadcaster } = deps;

  router.on('GET', '/api/sessions/:id/review-settings', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const s = await prisma.mixSession.findUniqueOrThrow({ where: { id: sessionId }, select: { deliverOnlyApproved: true } });
    sendJson(res, 200, s satisfies ReviewSettings);
  });

  router.on('PUT', '/api/sessions/:id/review-settings', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'session.settings');
    const settings = parseWith(ReviewSettings, await readJsonBody(req));
    const event = await prisma.$transaction(async (tx) => {
      await tx.mixSession.update({ where: { id: sessionId }, data: { deliverOnlyApproved: settings.deliverOnlyApproved } });
      return recordActivity(tx, { sessionId, actor, kind: 'settings.changed', payload: settings });
    });
    broadcaster.settings(sessionId, settings);
    announce(broadcaster, event);
    sendJson(res, 200, settings);
  });

  router.on('GET', '/api/sessions/:id/activity', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const url = new URL(req.url ?? '/', 'http://x');
    const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit')) || 100));
    const before = url.searchParams.get('before');
    const rows = await prisma.activityEvent.findMany({
      where: { sessionId, ...(before && /^\d+$/.test(before) ? { id: { lt: BigInt(before) } } : {}) },
      orderBy: { id: 'desc' },
      take: limit,
    });
    const body: ListActivityResponse = { events: rows.map(toActivityInfo) };
    sendJson(res, 200, body);
  });

  router.on('GET', '/api/sessions/:id/notifications', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'session.view');
    const marker = await prisma.readMarker.findUnique({ where: { userId_sessionId: { userId: actor.userId, sessionId } } });
    const lastReadId = marker?.lastReadId ?? 0n;
    const mine = { sessionId, kind: { in: [...NOTIFYING_KINDS] }, actorId: { not: actor.userId } };
    const [rows, unread] = await Promise.all([
      prisma.activityEvent.findMany({ where: mine, orderBy: { id: 'desc' }, take: 50 }),
      prisma.activityEvent.count({ where: { ...mine, id: { gt: lastReadId } } }),
    ]);
    const body: NotificationsResponse = { items: rows.map(toActivityInfo), unread, lastReadId: lastReadId.toString() };
    sendJson(res, 200, body);
  });

  router.on('POST', '/api/sessions/:id/notifications/read', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'session.view');
    const upTo = BigInt(parseWith(MarkReadBody, await readJsonBody(req)).upTo);
    const key = { userId_sessionId: { userId: actor.userId, sessionId } };
    // Markers only move forward: a stale tab cannot mark read things back as unread.
    await prisma.$transaction(async (tx) => {
      const existing = await tx.readMarker.findUnique({ where: key });
      if (!existing) await tx.readMarker.create({ data: { userId: actor.userId, sessionId, lastReadId: upTo } });
      else if (existing.lastReadId < upTo) await tx.readMarker.update({ where: key, data: { lastReadId: upTo } });
    });
    sendJson(res, 200, { ok: true });
  });
}
