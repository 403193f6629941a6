/**
 * Telling "the database is busy or briefly away" apart from real failures, so a request under
 * load is retried or answered 503 with Retry-After instead of 500 (issue 19 item 8).
 */

/** Thrown once retries are used up: routes answer 503 `database_busy` with Retry-After. */
export class DatabaseBusyError extends Error {
  constructor(readonly cause: unknown) {
    super('The server is busy right now and could not reach its database in time. Please try again in a few seconds.');
  }
}

export interface DbWaitOptions {
  /** Longest wait for a connection or a transaction slot, per attempt (ms). */
  waitMs: number;
  /** Attempts in all (1 = no retry). */
  attempts: number;
  /** First pause between attempts (ms); doubles each time, with jitter. */
  retryDelayMs: number;
}

export const DEFAULT_DB_WAIT: DbWaitOptions = { waitMs: 5_000, attempts: 3, retryDelayMs: 200 };

const codeOf = (err: unknown): string | undefined => (err as { code?: unknown } | null)?.code as string | undefined;
const messageOf = (err: unknown): string => String((err as { message?: unknown } | null)?.message ?? err);

/**
 * True when the statement certainly never ran, so running it again cannot apply it twice: no
 * connection or transaction slot became free in time, or the database could not be reached at all.
 * (A connection lost mid-statement is not in this list: its write may have committed.)
 */
export function isTransientDbError(err: unknown): boolean {
  if (err instanceof DatabaseBusyError) return false;
  const code = codeOf(err);
  // P2028: "Unable to start a transaction in the given time" / an interactive transaction that
  // expired (rolled back); P2024: timed out fetching a connection.
  if (code === 'P2028' || code === 'P2024' || code === 'P1001') return true;
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === '57P03' /* cannot_connect_now */ || code === '53300' /* too_many_connections */) return true;
  const msg = messageOf(err);
  return /Unable to start a transaction in the given time|Transaction already closed|expired transaction|timeout exceeded when trying to connect|Connection terminated due to connection timeout|Timed out fetching a new connection|connect ECONNREFUSED|connect ENOENT|the database system is (starting up|shutting down)|too many clients/i.test(msg);
}

/** True for anything that means "try again later" rather than "this request is wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseBusyError || isTransientDbError(err)) return true;
  // P1017: the server closed the connection (the embedded database was killed mid-statement).
  const code = codeOf(err);
  if (code === 'P1017' || code === 'P1002') return true;
  return /could not reach its database in time|Connection terminated|Client has encountered a connection error|ECONNRESET|EPIPE/i.test(messageOf(err));
}

/** Runs `fn`, again after a pause when it failed transiently; DatabaseBusyError when it never got through. */
export async function withDbRetry<T>(fn: () => Promise<T>, options: DbWaitOptions, onRetry?: (err: unknown, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransientDbError(err)) throw err;
      if (attempt >= options.attempts) throw new DatabaseBusyError(err);
      onRetry?.(err, attempt);
      const delay = options.retryDelayMs * 2 ** (attempt - 1);
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * delay / 2));
    }
  }
}
