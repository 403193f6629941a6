// The server answers 503 `database_busy` with Retry-After when its database is saturated; the
// request did nothing, so it is sent again after the advised wait (growing, capped) instead of
// showing an error. While any request waits, `serverBusy` says so and the page shows "The server
// is busy, retrying…".

export interface BusyRetryOptions {
  /** Tries after the first (default 6: ~2+4+8+8+8+8 s with Retry-After: 2). */
  retries?: number;
  /** Longest single wait, ms. */
  maxWaitMs?: number;
  /** Multiplies every wait (tests). */
  scale?: number;
}

type Listener = () => void;

/** How many requests are waiting out a busy server right now (a tiny external store for React). */
export class BusyStore {
  private waiting = 0;
  private readonly listeners = new Set<Listener>();
  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getSnapshot = (): boolean => this.waiting > 0;
  enter(): void {
    if (this.waiting++ === 0) this.emit();
  }
  leave(): void {
    if (--this.waiting === 0) this.emit();
  }
  private emit(): void {
    for (const l of this.listeners) l();
  }
}

export const serverBusy = new BusyStore();
export const SERVER_BUSY_MESSAGE = 'The server is busy, retrying…';

/** Seconds of a Retry-After header (delta-seconds or an HTTP date); null when absent or unusable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A 503 with Retry-After: the server's `database_busy` (the request did nothing; send it again). */
export const isBusyAnswer = (status: number, retryAfter: string | null) => status === 503 && retryAfter !== null;
const isBusy = (res: Response) => isBusyAnswer(res.status, res.headers.get('retry-after'));

/** How long to wait before try `attempt + 1` (0-based): the advised wait, doubled per further busy answer, capped. */
export function busyWaitMs(retryAfter: string | null, attempt: number, options: BusyRetryOptions = {}): number {
  const { maxWaitMs = 8_000, scale = 1 } = options;
  const advised = retryAfterMs(retryAfter) ?? 1000;
  return Math.min(maxWaitMs, Math.max(250, advised) * 2 ** attempt) * scale;
}

/**
 * Holds the "server is busy" notice on while a longer job (an upload) waits out busy answers, or
 * mirrors another realm's notice (the stem worker's downloads): `hold(true)` any number of times
 * shows it once, `hold(false)` takes it away.
 */
export function busyHold(store: BusyStore = serverBusy): (on: boolean) => void {
  let held = false;
  return (on) => {
    if (on === held) return;
    held = on;
    if (on) store.enter();
    else store.leave();
  };
}

/**
 * fetch that waits out 503 + Retry-After (the server's `database_busy`): the advised wait, doubled
 * on each further busy answer, at most `maxWaitMs`; after `retries` the last 503 is returned.
 * `init.body` must be re-sendable (a string or bytes, not a stream). An abort during a wait ends it.
 */
export async function fetchRetryingWhenBusy(url: string, init: RequestInit = {}, options: BusyRetryOptions = {}): Promise<Response> {
  const { retries = 6 } = options;
  let res = await fetch(url, init);
  if (!isBusy(res)) return res;
  serverBusy.enter();
  try {
    for (let attempt = 0; attempt < retries && isBusy(res); attempt++) {
      const wait = busyWaitMs(res.headers.get('retry-after'), attempt, options);
      await res.body?.cancel().catch(() => {});
      await sleep(wait, init.signal);
      res = await fetch(url, init);
    }
    return res;
  } finally {
    serverBusy.leave();
  }
}

function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
