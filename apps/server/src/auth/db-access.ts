import type { IncomingMessage } from 'node:http';
import { can, Role, SessionId, type Capability } from '@mixroom/protocol';
import type { PrismaClient } from '../generated/prisma/client.js';
import { HttpError, notFound } from '../http/respond.js';
import type { AccessControl, Actor, SessionActor } from './access.js';
import type { Accounts } from './accounts.js';

/** AccessControl backed by the membership table: the one place a role is turned into a yes or no. */
export class DbAccessControl implements AccessControl {
  constructor(private readonly prisma: PrismaClient, private readonly accounts: Accounts) {}

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
    const m = await this.prisma.membership.findUnique({ where: { sessionId_userId: { sessionId, userId } }, select: { role: true } });
    if (!m) return null;
    const role = Role.safeParse(m.role);
    return role.success ? role.data : null;
  }
}
