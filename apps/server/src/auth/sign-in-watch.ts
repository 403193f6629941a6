// Identity is checked when a websocket or socket.io connection opens; this keeps checking it
// for as long as the connection lives. A connection ends at once when its sign-in session is
// signed out (here, or — through SignInEvents — in another process) and when it expires (a timer
// at the expiry). A periodic sweep asks the database, which is the truth shared by every
// process, whether the sign-ins behind open connections still exist and are unexpired, so a
// sign-out handled by a process that could not publish is still honoured within one sweep.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../log.js';

/** The sign-in session behind a connection (row id of `auth_session`, not the cookie token). */
export interface SignIn {
  id: string;
  expiresAt: Date;
}

export type SignInEndReason = 'signed_out' | 'expired';

/** "These sign-in sessions ended": the seam for several server processes (Redis pub/sub fits it). */
export interface SignInEvents {
  publish(signInId: string): void;
  subscribe(fn: (signInId: string) => void): () => void;
}

export class InProcessSignInEvents implements SignInEvents {
  private readonly subscribers = new Set<(signInId: string) => void>();

  publish(signInId: string): void {
    for (const fn of this.subscribers) fn(signInId);
  }

  subscribe(fn: (signInId: string) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}

export const SIGN_IN_END_MESSAGES: Record<SignInEndReason, string> = {
  signed_out: 'you signed out',
  expired: 'your sign-in expired; sign in again',
};

type End = (reason: SignInEndReason) => void;

interface Watched {
  expiresAt: Date;
  ends: Set<End>;
  timer: NodeJS.Timeout | null;
}

/** setTimeout fires at once for delays above 2^31−1 ms (~24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Keeps each `IN (…)` list of the sweep a reasonable size. */
const SWEEP_BATCH = 500;

export interface SignInWatchOptions {
  /** How often the database is asked about every watched sign-in (default 30 s). */
  sweepMs: number;
}

export class SignInWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: SignInEvents,
    private readonly logger: Logger,
    options: SignInWatchOptions = { sweepMs: 30_000 },
  ) {
    this.unsubscribe = events.subscribe((id) => this.end(id, 'signed_out'));
    this.sweepTimer = setInterval(() => void this.sweep().catch((err) => this.logger.error('checking sign-ins of open connections failed', err)), options.sweepMs);
    this.sweepTimer.unref();
  }

  /**
   * Calls `end` once when the sign-in ends (signed out or expired). Returns the function that
   * stops watching (call it when the connection closes for any other reason).
   */
  watch(signIn: SignIn, end: End): () => void {
    let w = this.watched.get(signIn.id);
    if (!w) {
      w = { expiresAt: signIn.expiresAt, ends: new Set(), timer: null };
      this.watched.set(signIn.id, w);
      this.arm(signIn.id, w);
    }
    w.ends.add(end);
    return () => {
      const cur = this.watched.get(signIn.id);
      if (!cur) return;
      cur.ends.delete(end);
      if (cur.ends.size === 0) this.forget(signIn.id);
    };
  }

  /** A sign-out: ends its connections in this process and, through the seam, in every other. */
  signedOut(signInId: string): void {
    this.events.publish(signInId);
  }

  /** Number of sign-ins with open connections here (tests, diagnostics). */
  get size(): number {
    return this.watched.size;
  }

  /** Asks the database which watched sign-ins are gone or expired, and ends them. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepNow().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweepNow(): Promise<void> {
    const ids = [...this.watched.keys()];
    for (let i = 0; i < ids.length; i += SWEEP_BATCH) {
      const batch = ids.slice(i, i + SWEEP_BATCH);
      const now = new Date();
      const alive = await this.prisma.authSession.findMany({ where: { id: { in: batch } }, select: { id: true, expiresAt: true } });
      const expiresAt = new Map(alive.map((a) => [a.id, a.expiresAt]));
      for (const id of batch) {
        const at = expiresAt.get(id);
        if (!at) this.end(id, 'signed_out');
        else if (at.getTime() <= now.getTime()) this.end(id, 'expired');
      }
    }
  }

  close(): void {
    clearInterval(this.sweepTimer);
    this.unsubscribe();
    for (const id of [...this.watched.keys()]) this.forget(id);
  }

  private arm(id: string, w: Watched): void {
    const delay = w.expiresAt.getTime() - Date.now();
    w.timer = setTimeout(() => {
      if (this.watched.get(id) !== w) return;
      if (w.expiresAt.getTime() > Date.now()) this.arm(id, w);
      else this.end(id, 'expired');
    }, Math.max(0, Math.min(delay, MAX_TIMER_MS)));
    w.timer.unref();
  }

  private end(id: string, reason: SignInEndReason): void {
    const w = this.watched.get(id);
    if (!w) return;
    this.forget(id);
    for (const end of w.ends) {
      try {
        end(reason);
      } catch (err) {
        this.logger.error(`closing a connection of sign-in ${id} failed`, err);
      }
    }
  }

  private forget(id: string): void {
    const w = this.watched.get(id);
    if (!w) return;
    if (w.timer) clearTimeout(w.timer);
    this.watched.delete(id);
  }
}
