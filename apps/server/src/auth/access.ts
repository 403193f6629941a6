// The one seam through which every handler asks "who is this, and may they do that here?".
// REST routes, socket.io handlers and the Yjs upgrade all go through an AccessControl, so
// authorization lives in one implementation and the role matrix test can walk all of them.
import type { IncomingMessage } from 'node:http';
import type { Capability, Role } from '@mixroom/protocol';
import type { SignIn } from './sign-in-watch.js';

export interface Actor {
  userId: string;
  /** Display name shown to others (comments, presence, activity log). */
  name: string;
  email: string;
  /** The sign-in session the request came with (absent for actors not signed in by cookie). */
  signIn?: SignIn;
}

export interface SessionActor extends Actor {
  sessionId: string;
  role: Role;
}

export interface AccessControl {
  /** The signed-in user behind a request (session cookie), or null when anonymous. */
  identify(req: IncomingMessage): Promise<Actor | null>;
  /**
   * Resolves the caller and checks `capability` in `sessionId`.
   * Throws HttpError 401 (anonymous), 404 (unknown session, or the caller is not a member:
   * non-members must not learn which sessions exist) or 403 (member without the capability).
   */
  requireSession(req: IncomingMessage, sessionId: string, capability: Capability): Promise<SessionActor>;
  /** Same check for an already-identified user (socket.io events, Yjs messages). */
  roleIn(userId: string, sessionId: string): Promise<Role | null>;
}
