// Fixed-window attempt counters. Kept in the database so every server process counts the same
// attempts (an in-memory counter per process would multiply the limit by the process count);
// a Redis INCR/PEXPIRE store fits the same interface.
import type { PrismaClient } from '../generated/prisma/client.js';

export interface RateLimitStore {
  /** Counts one attempt for `key` and returns the attempts in the current window (this one included). */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }>;
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

  async reset(key: string): Promise<void> {
    await this.prisma.rateLimit.deleteMany({ where: { key } });
  }
}

export interface SignInLimits {
  windowMs: number;
  /** Attempts per email address per window (guessing one account's password). */
  perEmail: number;
  /** Attempts per client IP per window (spraying many accounts). */
  perIp: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { windowMs: 15 * 60_000, perEmail: 10, perIp: 100 };
