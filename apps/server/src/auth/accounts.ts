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
import type { Mailer, SignUpSeal } from './signup-confirm.js';
import { hashToken, newId, newToken } from './tokens.js';

export interface AccountsOptions {
  /** Sign-in sessions expire this long after sign-in (fixed, not sliding). */
  sessionTtlMs: number;
  limits: SignInLimits;
  scrypt?: ScryptParams;
  /** Sign-ups confirmed by a mailed link (see signup-confirm.ts); absent: a sign-up signs in at once. */
  confirm?: { seal: SignUpSeal; mailer: Mailer; link: (token: string) => string };
}

export const CHECK_EMAIL_MESSAGE = 'Check your email: we sent a link to finish signing up (if this address already has an account, the mail says so instead).';

/** A sign-up for an address with an account, with another password (no `confirm`): refused as a wrong sign-in is. */
export const SIGN_UP_REFUSED_MESSAGE = 'could not sign up with this email and password; if you have an account, sign in';

export const DEFAULT_SESSION_TTL_MS = 30 * 24 * 3600_000;

const signInKey = (email: string, ip: string) => `signin:email-ip:${email}|${ip}`;

/** 429 with Retry-After; the message says how long in words. */
function rateLimited(what: string, resetAt: Date): HttpError {
  const retrySec = Math.max(1, Math.ceil((+resetAt - Date.now()) / 1000));
  const wait = retrySec < 90 ? `${retrySec} s` : `${Math.ceil(retrySec / 60)} min`;
  return new HttpError(429, 'rate_limited', `${what}; try again in ${wait}`, { 'Retry-After': String(retrySec) });
}

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

  /**
   * Signed in at once ({ user, token }), or, with `confirm`, 'check-email' for every address whose
   * password does not sign in.
   *
   * Without `confirm` (no mail sender) a sign-up signs in at once, so an address that has an
   * account cannot get the same answer as a new one: its own password signs in (201, like a new
   * account), any other is refused like a wrong sign-in (401). What that tells is limited to what
   * sign-in tells: the same one scrypt whichever the case, and the attempt goes through the
   * sign-in limits (per email and address with backoff, failures per address), so sign-up is
   * neither a faster way to test addresses nor an unlimited way to guess passwords.
   */
  async signUp(body: SignUpBody, ip: string): Promise<{ user: Actor; token: string } | 'check-email'> {
    const { signUpsPerIp, signUpWindowMs } = this.options.limits;
    const byIp = await this.rateLimits.hit(`signup:ip:${ip}`, signUpWindowMs);
    if (byIp.count > signUpsPerIp) throw rateLimited('too many sign-ups from this address', byIp.resetAt);
    const taken = () => new HttpError(409, 'conflict', 'could not create an account with this email and password; if you have one, sign in');
    const attempt = await this.signInAttempt(body.email, ip);
    const existing = await this.prisma.user.findUnique({ where: { email: body.email } });
    const confirm = this.options.confirm;
    if (existing) {
      // One scrypt either way, so the time taken does not tell a known email from a new one; the
      // account's own password signs in (a second sign-up is harmless) instead of being refused.
      if (!(await verifyPassword(body.password, existing.passwordHash))) {
        // Not signed in: counted like a failed sign-in (in confirm mode a new address is too, below).
        await attempt.failed();
        if (!confirm) throw new HttpError(401, 'unauthorized', SIGN_UP_REFUSED_MESSAGE);
        // Not awaited: a slow mailer must not make this answer slower than a new address's.
        void Promise.resolve()
          .then(() => confirm.mailer(existing.email, 'Someone tried to sign up with your address', 'Someone (maybe you) tried to create a Mixroom account with this address, which already has one. To get in, sign in; nothing was changed.'))
          .catch(() => {});
        return 'check-email';
      }
      await attempt.succeeded();
      return { user: { userId: existing.id, email: existing.email, name: existing.name }, token: await this.startSession(existing.id) };
    }
    const passwordHash = await hashPassword(body.password, this.options.scrypt);
    if (confirm) {
      await attempt.failed();
      const link = confirm.link(confirm.seal.seal({ email: body.email, name: body.name, passwordHash }));
      void Promise.resolve()
        .then(() => confirm.mailer(body.email, 'Finish signing up to Mixroom', `Open this link within 24 hours to create your Mixroom account, then sign in: ${link}`))
        .catch(() => {});
      return 'check-email';
    }
    const id = newId();
    try {
      await this.prisma.user.create({ data: { id, email: body.email, name: body.name, passwordHash } });
    } catch (err) {
      // Lost a race with a concurrent sign-up (the driver adapters word the unique violation differently).
      if (await this.prisma.user.findUnique({ where: { email: body.email }, select: { id: true } })) throw taken();
      throw err;
    }
    await attempt.succeeded();
    return { user: { userId: id, email: body.email, name: body.name }, token: await this.startSession(id) };
  }

  /**
   * The mailed link was opened: create the account. It does not sign in (the person signs in with
   * their password next), so a link someone else made cannot sign a victim into the maker's account.
   */
  async confirmSignUp(token: string): Promise<'created' | 'exists' | 'invalid' | 'expired'> {
    const pending = this.options.confirm?.seal.open(token) ?? 'invalid';
    if (typeof pending === 'string') return pending;
    if (await this.prisma.user.findUnique({ where: { email: pending.email }, select: { id: true } })) return 'exists';
    try {
      await this.prisma.user.create({ data: { id: newId(), email: pending.email, name: pending.name, passwordHash: pending.passwordHash } });
    } catch (err) {
      if (await this.prisma.user.findUnique({ where: { email: pending.email }, select: { id: true } })) return 'exists';
      throw err;
    }
    return 'created';
  }

  async signIn(body: SignInBody, ip: string): Promise<{ user: Actor; token: string }> {
    const attempt = await this.signInAttempt(body.email, ip);
    const user = await this.prisma.user.findUnique({ where: { email: body.email } });
    // Verify even for unknown emails so response time does not reveal which accounts exist.
    const ok = await verifyPassword(body.password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok) {
      await attempt.failed();
      throw new HttpError(401, 'unauthorized', 'wrong email or password');
    }
    await attempt.succeeded();
    return { user: { userId: user.id, email: user.email, name: user.name }, token: await this.startSession(user.id) };
  }

  /**
   * One try of a password for `email` from `ip` (a sign-in, or a sign-up for an address that may
   * have an account): 429 when over the limits; report how it went.
   */
  private async signInAttempt(email: string, ip: string): Promise<{ failed(): Promise<void>; succeeded(): Promise<void> }> {
    const { windowMs, perEmailIp, perEmailIpPerMinute, perEmailIpPerDay, perIp } = this.options.limits;
    const key = signInKey(email, ip);
    const ipKey = `signin:ip:${ip}`;
    // Per address only failures count (below): one office, or a test suite, signs in all day.
    const hits = await Promise.all([
      this.rateLimits.peek(ipKey, windowMs).then((h) => ({ ...h, count: h.count + 1, max: perIp })),
      this.rateLimits.hit(`${key}:1m`, 60_000).then((h) => ({ ...h, max: perEmailIpPerMinute })),
      this.rateLimits.hit(key, windowMs).then((h) => ({ ...h, max: perEmailIp })),
      this.rateLimits.hit(`${key}:1d`, 86_400_000).then((h) => ({ ...h, max: perEmailIpPerDay })),
    ]);
    const over = hits.filter((h) => h.count > h.max);
    if (over.length > 0) throw rateLimited('too many sign-in attempts', new Date(Math.max(...over.map((h) => +h.resetAt))));
    return {
      failed: async () => void (await this.rateLimits.hit(ipKey, windowMs)),
      succeeded: async () => void (await Promise.all([this.rateLimits.reset(key), this.rateLimits.reset(`${key}:1m`), this.rateLimits.reset(`${key}:1d`)])),
    };
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
