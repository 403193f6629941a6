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
class BusyStore {
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

const isBusy = (res: Response) => res.status === 503 && res.headers.has('retry-after');

/**
 * fetch that waits out 503 + Retry-After (the server's `database_busy`): the advised wait, doubled
 * on each further busy answer, at most `maxWaitMs`; after `retries` the last 503 is returned.
 * `init.body` must be re-sendable (a string, as JSON calls are).
 */
export async function fetchRetryingWhenBusy(url: string, init: RequestInit, options: BusyRetryOptions = {}): Promise<Response> {
  const { retries = 6, maxWaitMs = 8_000, scale = 1 } = options;
  let res = await fetch(url, init);
  if (!isBusy(res)) return res;
  serverBusy.enter();
  try {
    for (let attempt = 0; attempt < retries && isBusy(res); attempt++) {
      const advised = retryAfterMs(res.headers.get('retry-after')) ?? 1000;
      const wait = Math.min(maxWaitMs, Math.max(250, advised) * 2 ** attempt) * scale;
      await res.body?.cancel().catch(() => {});
      await new Promise((r) => setTimeout(r, wait));
      res = await fetch(url, init);
    }
    return res;
  } finally {
    serverBusy.leave();
  }
}
