import type { IncomingMessage } from 'node:http';
import { can, Role, SessionId, type Capability } from '@mixroom/protocol';
import type { PrismaClient } from '../generated/prisma/client.js';
import { HttpError, notFound } from '../http/respond.js';
import type { AccessControl, Actor, SessionActor } from './access.js';
import type { Accounts } from './accounts.js';
import type { MembershipChanges } from './membership-changes.js';

/** How long a member's role is answered from memory. Changes through MembershipChanges apply at once; this bounds only writes that bypass it. */
export const ROLE_CACHE_MS = 5_000;

/** AccessControl backed by the membership table: the one place a role is turned into a yes or no. */
export class DbAccessControl implements AccessControl {
  /**
   * Roles of members by "sessionId userId": every REST call and socket event asks, and a busy
   * review (comments, fader moves) would otherwise pay a database round trip each time. Only
   * memberships are kept, never "not a member" (joining must work at once), and every change
   * published on MembershipChanges — role change, removal, session deletion, in any process —
   * drops the entry before the next check, so a removed member is refused at once.
   */
  private readonly roles = new Map<string, { role: Role; until: number }>();

  constructor(private readonly prisma: PrismaClient, private readonly accounts: Accounts, changes?: MembershipChanges) {
    changes?.subscribe(({ sessionId, userId }) => this.roles.delete(`${sessionId} ${userId}`));
  }

  identify(req: IncomingMessage): Promise<Actor | null> {
    return this.accounts.identify(req);
  }

  async requireUser(req: IncomingMessage): Promise<Actor> {
    const actor = await this.identify(req);
    if (!actor) throw new HttpError(401, 'unauthorized', 'sign in first');
    return actor;
  }

  async requireSession(req: IncomingMessage, sessionId: string, capability: Capability): Promise<SessionActor> {
    const actor = await this.requireUser(req);
    return this.authorize(actor, sessionId, capability);
  }

  /** The check for an already identified user (socket.io handlers). */
  async authorize(actor: Actor, sessionId: string, capability: Capability): Promise<SessionActor> {
    const id = SessionId.safeParse(sessionId);
    // Non-members get the same answer as for a session that does not exist.
    const role = id.success ? await this.roleIn(actor.userId, id.data) : null;
    if (!role) throw notFound(`unknown session ${sessionId}`);
    if (!can(role, capability)) throw new HttpError(403, 'forbidden', `your role (${role}) may not ${capability.replace('.', ' ')} in this session`);
    return { ...actor, sessionId: id.data!, role };
  }

  async roleIn(userId: string, sessionId: string): Promise<Role | null> {
    const key = `${sessionId} ${userId}`;
    const cached = this.roles.get(key);
    if (cached && cached.until > Date.now()) return cached.role;
    const m = await this.prisma.membership.findUnique({ where: { sessionId_userId: { sessionId, userId } }, select: { role: true } });
    const role = m ? Role.safeParse(m.role) : null;
    if (!role?.success) {
      this.roles.delete(key);
      return null;
    }
    if (this.roles.size > 50_000) this.roles.clear();
    this.roles.set(key, { role: role.data, until: Date.now() + ROLE_CACHE_MS });
    return role.data;
  }
}
