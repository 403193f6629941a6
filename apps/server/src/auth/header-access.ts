// TEST/DEV STAND-IN, replaced by the real cookie auth at merge (issue 3).
// Trusts whatever identity and role the client claims — in headers (tests, curl) or in the
// `mixroom_dev` cookie (the browser, e2e) — so that the review loop can be built and tested
// against the AccessControl contract before accounts exist. Never enable it in production.
import type { IncomingMessage } from 'node:http';
import { can, Role, type Capability } from '@mixroom/protocol';
import { HttpError } from '../http/respond.js';
import type { AccessControl, Actor, SessionActor } from './access.js';

export const DEV_IDENTITY_HEADERS = { user: 'x-mixroom-user', name: 'x-mixroom-name', role: 'x-mixroom-role' } as const;
export const DEV_IDENTITY_COOKIE = 'mixroom_dev';

interface Claimed { userId: string; name: string; role: Role }

function readClaim(req: IncomingMessage): Claimed | null {
  const h = (k: string) => {
    const v = req.headers[k];
    return typeof v === 'string' && v.trim() ? decodeURIComponent(v.trim()) : undefined;
  };
  let raw: Record<string, unknown> = { userId: h(DEV_IDENTITY_HEADERS.user), name: h(DEV_IDENTITY_HEADERS.name), role: h(DEV_IDENTITY_HEADERS.role) };
  if (!raw.userId) {
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${DEV_IDENTITY_COOKIE}=`));
    if (!cookie) return null;
    try {
      raw = JSON.parse(Buffer.from(cookie.slice(DEV_IDENTITY_COOKIE.length + 1), 'base64url').toString('utf8'));
    } catch {
      return null;
    }
  }
  const role = Role.safeParse(raw.role);
  if (typeof raw.userId !== 'string' || !/^[\w.@-]{1,64}$/.test(raw.userId) || !role.success) return null;
  const name = typeof raw.name === 'string' && raw.name.trim() ? raw.name.trim().slice(0, 60) : raw.userId;
  return { userId: raw.userId, name, role: role.data };
}

export class HeaderAccessControl implements AccessControl {
  /** The role each user last claimed; the stand-in has no membership table. */
  private readonly roles = new Map<string, Role>();

  constructor(private readonly sessionExists: (id: string) => Promise<boolean>) {}

  async identify(req: IncomingMessage): Promise<Actor | null> {
    const claim = readClaim(req);
    if (!claim) return null;
    this.roles.set(claim.userId, claim.role);
    return { userId: claim.userId, name: claim.name, email: `${claim.userId}@dev.invalid` };
  }

  async requireSession(req: IncomingMessage, sessionId: string, capability: Capability): Promise<SessionActor> {
    const actor = await this.identify(req);
    if (!actor) throw new HttpError(401, 'unauthorized', 'sign in first');
    const role = await this.roleIn(actor.userId, sessionId);
    if (!role) throw new HttpError(404, 'not_found', `unknown session ${sessionId}`);
    if (!can(role, capability)) throw new HttpError(403, 'forbidden', `a ${role} may not ${capability.replace('.', ' ')} here`);
    return { ...actor, sessionId, role };
  }

  async roleIn(userId: string, sessionId: string): Promise<Role | null> {
    if (!(await this.sessionExists(sessionId))) return null;
    return this.roles.get(userId) ?? null;
  }
}
