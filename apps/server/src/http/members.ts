// Members and invite links of a session. Everything here needs `members.manage` (owners),
// except accepting an invite (any signed-in user holding the token) and previewing one.
import {
  ChangeRoleBody, CreateInviteBody, InviteToken, invitePath, Role,
  type AcceptInviteResponse, type CreateInviteResponse, type InviteInfo, type InvitePreview, type InviteStatus, type ListInvitesResponse, type ListMembersResponse,
} from '@mixroom/protocol';
import type { DbAccessControl } from '../auth/db-access.js';
import type { MembershipChanges } from '../auth/membership-changes.js';
import { hashToken, newId, newToken } from '../auth/tokens.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { HttpError, notFound, sendJson } from './respond.js';
import type { Router } from './router.js';
import { readBody } from './validate.js';

export interface MemberRouteDeps {
  prisma: PrismaClient;
  access: DbAccessControl;
  changes: MembershipChanges;
}

interface InviteRow { id: string; role: string; expiresAt: Date; maxUses: number; uses: number; revokedAt: Date | null; createdAt: Date; createdBy: { name: string } }

function statusOf(i: { expiresAt: Date; maxUses: number; uses: number; revokedAt: Date | null }): InviteStatus {
  if (i.revokedAt) return 'revoked';
  if (i.uses >= i.maxUses) return 'used_up';
  if (i.expiresAt.getTime() <= Date.now()) return 'expired';
  return 'active';
}

const inviteInfo = (i: InviteRow): InviteInfo => ({
  id: i.id, role: Role.parse(i.role), expiresAt: i.expiresAt.toISOString(), maxUses: i.maxUses, uses: i.uses,
  revokedAt: i.revokedAt?.toISOString() ?? null, createdBy: i.createdBy.name, createdAt: i.createdAt.toISOString(), status: statusOf(i),
});

const INVITE_ERRORS: Record<Exclude<InviteStatus, 'active'>, string> = {
  expired: 'this invite link has expired; ask the session owner for a new one',
  revoked: 'this invite link was revoked by the session owner',
  used_up: 'this invite link has already been used as often as allowed',
};

export function registerMemberRoutes(router: Router, deps: MemberRouteDeps): void {
  const { prisma, access, changes } = deps;

  router.on('GET', '/api/sessions/:id/members', async (req, res, params) => {
    const { sessionId } = await access.requireSession(req, params.id, 'members.manage');
    const rows = await prisma.membership.findMany({ where: { sessionId }, include: { user: true }, orderBy: { createdAt: 'asc' } });
    const body: ListMembersResponse = {
      members: rows.map((m) => ({ userId: m.userId, name: m.user.name, email: m.user.email, role: Role.parse(m.role), joinedAt: m.createdAt.toISOString() })),
    };
    sendJson(res, 200, body);
  });

  /** Role changes and removals may not leave a session without an owner. */
  const assertNotLastOwner = async (tx: Pick<PrismaClient, 'membership'>, sessionId: string, userId: string) => {
    const target = await tx.membership.findUnique({ where: { sessionId_userId: { sessionId, userId } } });
    if (!target) throw notFound(`no member ${userId} in this session`);
    if (target.role === 'owner' && (await tx.membership.count({ where: { sessionId, role: 'owner' } })) <= 1) {
      throw new HttpError(409, 'conflict', 'the last owner cannot be removed or demoted; make someone else owner first');
    }
  };

  router.on('PATCH', '/api/sessions/:id/members/:userId', async (req, res, params) => {
    const { sessionId } = await access.requireSession(req, params.id, 'members.manage');
    const { role } = await readBody(req, ChangeRoleBody);
    await prisma.$transaction(async (tx) => {
      if (role !== 'owner') await assertNotLastOwner(tx, sessionId, params.userId);
      const updated = await tx.membership.updateMany({ where: { sessionId, userId: params.userId }, data: { role } });
      if (updated.count === 0) throw notFound(`no member ${params.userId} in this session`);
    });
    changes.publish({ sessionId, userId: params.userId, role });
    sendJson(res, 200, { userId: params.userId, role });
  });

  router.on('DELETE', '/api/sessions/:id/members/:userId', async (req, res, params) => {
    const { sessionId } = await access.requireSession(req, params.id, 'members.manage');
    await prisma.$transaction(async (tx) => {
      await assertNotLastOwner(tx, sessionId, params.userId);
      await tx.membership.delete({ where: { sessionId_userId: { sessionId, userId: params.userId } } });
    });
    changes.publish({ sessionId, userId: params.userId, role: null });
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  });

  router.on('GET', '/api/sessions/:id/invites', async (req, res, params) => {
    const { sessionId } = await access.requireSession(req, params.id, 'members.manage');
    const rows = await prisma.invite.findMany({ where: { sessionId }, include: { createdBy: { select: { name: true } } }, orderBy: { createdAt: 'desc' } });
    sendJson(res, 200, { invites: rows.map(inviteInfo) } satisfies ListInvitesResponse);
  });

  router.on('POST', '/api/sessions/:id/invites', async (req, res, params) => {
    const actor = await access.requireSession(req, params.id, 'members.manage');
    const body = await readBody(req, CreateInviteBody);
    const token = newToken();
    const row = await prisma.invite.create({
      data: {
        id: newId(), sessionId: actor.sessionId, tokenHash: hashToken(token), role: body.role, maxUses: body.maxUses,
        expiresAt: new Date(Date.now() + body.expiresInHours * 3600_000), createdById: actor.userId,
      },
      include: { createdBy: { select: { name: true } } },
    });
    sendJson(res, 201, { invite: inviteInfo(row), token, path: invitePath(token) } satisfies CreateInviteResponse);
  });

  router.on('DELETE', '/api/sessions/:id/invites/:inviteId', async (req, res, params) => {
    const { sessionId } = await access.requireSession(req, params.id, 'members.manage');
    const updated = await prisma.invite.updateMany({ where: { id: params.inviteId, sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
    if (updated.count === 0 && (await prisma.invite.count({ where: { id: params.inviteId, sessionId } })) === 0) throw notFound(`no invite ${params.inviteId} in this session`);
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  });

  const findInvite = async (rawToken: string) => {
    const token = InviteToken.safeParse(rawToken);
    const row = token.success ? await prisma.invite.findUnique({ where: { tokenHash: hashToken(token.data) }, include: { session: { select: { title: true } } } }) : null;
    if (!row) throw notFound('this invite link is not valid (mistyped, or the session was deleted)');
    return row;
  };

  router.on('GET', '/api/invites/:token', async (req, res, params) => {
    await access.requireUser(req);
    const row = await findInvite(params.token);
    const body: InvitePreview = { sessionTitle: row.session.title, role: Role.parse(row.role), status: statusOf(row), expiresAt: row.expiresAt.toISOString() };
    sendJson(res, 200, body);
  });

  router.on('POST', '/api/invites/:token/accept', async (req, res, params) => {
    const actor = await access.requireUser(req);
    const invite = await findInvite(params.token);
    const existing = await access.roleIn(actor.userId, invite.sessionId);
    // Already a member: keep the current role (an invite must not demote an owner), use nothing up.
    if (existing) return sendJson(res, 200, { sessionId: invite.sessionId, role: existing } satisfies AcceptInviteResponse);
    const status = statusOf(invite);
    if (status !== 'active') throw new HttpError(410, 'gone', INVITE_ERRORS[status]);
    const role = Role.parse(invite.role);
    await prisma.$transaction(async (tx) => {
      // The conditional increment is the use-limit check: two people racing for the last use cannot both win.
      const claimed = await tx.$executeRaw`UPDATE "invite" SET "uses" = "uses" + 1 WHERE "id" = ${invite.id} AND "uses" < "max_uses" AND "revoked_at" IS NULL AND "expires_at" > now()`;
      if (claimed === 0) throw new HttpError(410, 'gone', INVITE_ERRORS.used_up);
      await tx.membership.create({ data: { sessionId: invite.sessionId, userId: actor.userId, role } });
    });
    sendJson(res, 200, { sessionId: invite.sessionId, role } satisfies AcceptInviteResponse);
  });
}
