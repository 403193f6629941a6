// Replaced by real auth at merge. Until accounts exist on this branch, every caller is treated
// as the owner of any session that exists; unknown sessions are still 404, as with real auth.
import type { IncomingMessage } from 'node:http';
import type { Capability } from '@mixroom/protocol';
import type { PrismaClient } from '../generated/prisma/client.js';
import { notFound } from '../http/respond.js';
import type { AccessControl, Actor, SessionActor } from './access.js';

const ANONYMOUS_OWNER: Actor = { userId: 'open-access', name: 'Anyone', email: 'anyone@localhost' };

export function openAccess(prisma: PrismaClient): AccessControl {
  return {
    async identify(_req: IncomingMessage) {
      return ANONYMOUS_OWNER;
    },
    async requireSession(_req: IncomingMessage, sessionId: string, _capability: Capability): Promise<SessionActor> {
      const exists = (await prisma.mixSession.count({ where: { id: sessionId } })) > 0;
      if (!exists) throw notFound(`unknown session ${sessionId}`);
      return { ...ANONYMOUS_OWNER, sessionId, role: 'owner' };
    },
    async roleIn(_userId: string, sessionId: string) {
      return (await prisma.mixSession.count({ where: { id: sessionId } })) > 0 ? 'owner' : null;
    },
  };
}
