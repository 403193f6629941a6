// Accounts and sign-in sessions: who is behind a request. Tokens live only in the browser's
// httpOnly cookie; the database keeps their SHA-256 and a fixed expiry.
import type { IncomingMessage } from 'node:http';
import type { SignInBody, SignUpBody } from '@mixroom/protocol';
import type { PrismaClient } from '../generated/prisma/client.js';
import { HttpError } from '../http/respond.js';
import type { Actor } from './access.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { dummyPasswordHash, hashPassword, verifyPassword, type ScryptParams } from './passwords.js';
import { DEFAULT_SIGN_IN_LIMITS, type RateLimitStore, type SignInLimits } from './rate-limit.js';
import type { SignInEvents } from './sign-in-watch.js';
import { hashToken, newId, newToken } from './tokens.js';

export interface AccountsOptions {
  /** Sign-in sessions expire this long after sign-in (fixed, not sliding). */
  sessionTtlMs: number;
  limits: SignInLimits;
  scrypt?: ScryptParams;
}

export const DEFAULT_SESSION_TTL_MS = 30 * 24 * 3600_000;

/**
 * How long a sign-in cookie is answered from memory. A sign-out drops it at once, here and —
 * through SignInEvents — in every other process; this bounds only database writes that bypass
 * both (the same bound as DbAccessControl's roles).
 */
export const IDENTITY_CACHE_MS = 5_000;
const IDENTITY_CACHE_MAX = 50_000;

export class Accounts {
  /** One lookup per request even when several checks identify the caller. */
  private readonly identified = new WeakMap<IncomingMessage, Promise<Actor | null>>();
  /**
   * Signed-in callers by token hash. Every REST call identifies its caller, and a tus upload sends
   * one PATCH per chunk: the lookup was 4–20 ms of each PATCH's start on a busy PGlite (bench:upload),
   * time in which the upload's socket stalls. Only valid sign-ins are kept, never "no such sign-in".
   */
  private readonly signedIn = new Map<string, { actor: Actor; until: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly rateLimits: RateLimitStore,
    readonly options: AccountsOptions = { sessionTtlMs: DEFAULT_SESSION_TTL_MS, limits: DEFAULT_SIGN_IN_LIMITS },
    endedSignIns?: SignInEvents,
  ) {
    endedSignIns?.subscribe((signInId) => this.forgetSignIn(signInId));
  }

  async signUp(body: SignUpBody): Promise<{ user: Actor; token: string }> {
    const taken = () => new HttpError(409, 'conflict', `an account for ${body.email} already exists; sign in instead`);
    if (await this.prisma.user.findUnique({ where: { email: body.email }, select: { id: true } })) throw taken();
    const passwordHash = await hashPassword(body.password, this.options.scrypt);
    const id = newId();
    try {
      await this.prisma.user.create({ data: { id, email: body.email, name: body.name, passwordHash } });
    } catch (err) {
      // Lost a race with a concurrent sign-up (the driver adapters word the unique violation differently).
      if (await this.prisma.user.findUnique({ where: { email: body.email }, select: { id: true } })) throw taken();
      throw err;
    }
    return { user: { userId: id, email: body.email, name: body.name }, token: await this.startSession(id) };
  }

  async signIn(body: SignInBody, ip: string): Promise<{ user: Actor; token: string }> {
    const { windowMs, perEmail, perIp } = this.options.limits;
    const [byIp, byEmail] = await Promise.all([this.rateLimits.hit(`signin:ip:${ip}`, windowMs), this.rateLimits.hit(`signin:email:${body.email}`, windowMs)]);
    if (byIp.count > perIp || byEmail.count > perEmail) {
      const retrySec = Math.max(1, Math.ceil((Math.max(byIp.count > perIp ? +byIp.resetAt : 0, byEmail.count > perEmail ? +byEmail.resetAt : 0) - Date.now()) / 1000));
      throw new HttpError(429, 'rate_limited', `too many sign-in attempts; try again in ${Math.ceil(retrySec / 60)} min`);
    }
    const user = await this.prisma.user.findUnique({ where: { email: body.email } });
    // Verify even for unknown emails so response time does not reveal which accounts exist.
    const ok = await verifyPassword(body.password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok) throw new HttpError(401, 'unauthorized', 'wrong email or password');
    await this.rateLimits.reset(`signin:email:${body.email}`);
    return { user: { userId: user.id, email: user.email, name: user.name }, token: await this.startSession(user.id) };
  }

  private async startSession(userId: string): Promise<string> {
    const token = newToken();
    await this.prisma.authSession.create({
      data: { id: newId(), tokenHash: hashToken(token), userId, expiresAt: new Date(Date.now() + this.options.sessionTtlMs) },
    });
    return token;
  }

  /** Deletes the request's sign-in session; returns its id (null when there was none) so its connections can be closed. */
  async signOut(req: IncomingMessage): Promise<string | null> {
    const token = readCookie(req, SESSION_COOKIE);
    if (!token || token.length > 100) return null;
    const tokenHash = hashToken(token);
    this.signedIn.delete(tokenHash);
    const row = await this.prisma.authSession.findUnique({ where: { tokenHash }, select: { id: true } });
    if (!row) return null;
    await this.prisma.authSession.deleteMany({ where: { id: row.id } });
    return row.id;
  }

  identify(req: IncomingMessage): Promise<Actor | null> {
    let found = this.identified.get(req);
    if (!found) {
      found = this.lookup(readCookie(req, SESSION_COOKIE));
      this.identified.set(req, found);
    }
    return found;
  }

  private async lookup(token: string | null): Promise<Actor | null> {
    if (!token || token.length > 100) return null;
    const tokenHash = hashToken(token);
    const now = Date.now();
    const cached = this.signedIn.get(tokenHash);
    if (cached && cached.until > now && cached.actor.signIn!.expiresAt.getTime() > now) return cached.actor;
    this.signedIn.delete(tokenHash);
    const s = await this.prisma.authSession.findUnique({ where: { tokenHash }, include: { user: true } });
    if (!s) return null;
    if (s.expiresAt.getTime() <= Date.now()) {
      await this.prisma.authSession.deleteMany({ where: { id: s.id } });
      return null;
    }
    const actor: Actor = { userId: s.user.id, email: s.user.email, name: s.user.name, signIn: { id: s.id, expiresAt: s.expiresAt } };
    if (this.signedIn.size >= IDENTITY_CACHE_MAX) this.signedIn.clear();
    this.signedIn.set(tokenHash, { actor, until: Date.now() + IDENTITY_CACHE_MS });
    return actor;
  }

  /** A sign-in ended (signed out here or in another process): its cookie is looked up again. */
  private forgetSignIn(signInId: string): void {
    for (const [tokenHash, entry] of this.signedIn) if (entry.actor.signIn?.id === signInId) this.signedIn.delete(tokenHash);
  }
}
