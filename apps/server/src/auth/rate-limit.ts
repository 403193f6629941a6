// Fixed-window attempt counters. Kept in the database so every server process counts the same
// attempts (an in-memory counter per process would multiply the limit by the process count);
// a Redis INCR/PEXPIRE store fits the same interface.
import type { PrismaClient } from '../generated/prisma/client.js';

export interface RateLimitStore {
  /** Counts one attempt for `key` and returns the attempts in the current window (this one included). */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }>;
  /** The attempts in the current window, without counting one. */
  peek(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }>;
  reset(key: string): Promise<void>;
}

export class DbRateLimitStore implements RateLimitStore {
  constructor(private readonly prisma: PrismaClient) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }> {
    // One atomic upsert: concurrent attempts from several processes can neither lose counts nor race.
    const rows = await this.prisma.$queryRaw<{ count: number; window_start: Date }[]>`
      INSERT INTO "rate_limit" ("key", "window_start", "count") VALUES (${key}, now(), 1)
      ON CONFLICT ("key") DO UPDATE SET
        "count" = CASE WHEN "rate_limit"."window_start" < now() - make_interval(secs => ${windowMs / 1000}) THEN 1 ELSE "rate_limit"."count" + 1 END,
        "window_start" = CASE WHEN "rate_limit"."window_start" < now() - make_interval(secs => ${windowMs / 1000}) THEN now() ELSE "rate_limit"."window_start" END
      RETURNING "count", "window_start"`;
    const row = rows[0];
    return { count: Number(row.count), resetAt: new Date(new Date(row.window_start).getTime() + windowMs) };
  }

  async peek(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }> {
    const row = await this.prisma.rateLimit.findUnique({ where: { key } });
    if (!row || row.windowStart.getTime() < Date.now() - windowMs) return { count: 0, resetAt: new Date() };
    return { count: Number(row.count), resetAt: new Date(row.windowStart.getTime() + windowMs) };
  }

  async reset(key: string): Promise<void> {
    await this.prisma.rateLimit.deleteMany({ where: { key } });
  }
}

/**
 * Counted per email *and* IP, never per email alone: a per-email limit let anyone lock any account
 * out for 15 minutes with 10 wrong passwords (issue 19). Guessing one password from one address
 * backs off in steps (5 a minute, then `perEmailIp` per window, then `perEmailIpPerDay`); spraying
 * from one address is capped by `perIp`.
 */
export interface SignInLimits {
  windowMs: number;
  /** Attempts at one email from one client IP per window. */
  perEmailIp: number;
  /** Attempts at one email from one client IP per minute (the first step of the backoff). */
  perEmailIpPerMinute: number;
  /** Attempts at one email from one client IP per day (the last step). */
  perEmailIpPerDay: number;
  /** Attempts per client IP per window (spraying many accounts). */
  perIp: number;
  /** Sign-ups per client IP per signUpWindowMs (each costs a 32 MiB scrypt). */
  signUpsPerIp: number;
  signUpWindowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  windowMs: 15 * 60_000, perEmailIp: 10, perEmailIpPerMinute: 5, perEmailIpPerDay: 30, perIp: 100, signUpsPerIp: 10, signUpWindowMs: 3_600_000,
};
