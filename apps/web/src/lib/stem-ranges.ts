import { STEM_RANGES_HEADER, STEM_RANGES_MAX_BYTES, STEM_RANGES_MAX_PARTS, type StemRangePart } from '@mixroom/protocol';

/** One stem's byte range [from, to) wanted in a batched request. */
export interface RangeWant {
  stemId: string;
  from: number;
  to: number;
  /** Sent before anything else waiting (the blocks at the playhead that Play and a seek wait for). */
  urgent: boolean;
  /**
   * Sent before every other urgent part: the very bytes a sound waits for (an urgent run's own
   * first seconds), so a seek sounds once these arrive, not the whole blocks around them.
   */
  first?: boolean;
  /**
   * May stop short when a sound waits for its first bytes (read-ahead, background): it then
   * resolves with the bytes it received by then, whole or not.
   */
  mayYield?: boolean;
  /** The stem file's size, before any of its bytes. */
  onTotal(total: number): void;
  /** Bytes of the part at file offset `at`, in order; the array is only valid during the call. */
  onBytes(bytes: Uint8Array, at: number): void;
}

/** Where a part queues: a sound's first bytes, then the rest of what is urgent, then the rest. */
const FIRST = 2;
const rank = (want: RangeWant) => (want.urgent ? (want.first ? FIRST : 1) : 0);

/** The batch could not carry this part (the route is missing, the answer broke off): fetch it alone. */
export class BatchUnavailableError extends Error {}

interface Pending extends RangeWant {
  resolve(received: number): void;
  reject(error: Error): void;
}

export interface BatcherOptions {
  /** Parts and bytes per request (the server's limits at most). */
  maxParts?: number;
  maxBytes?: number;
  /** Requests in flight at once: a browser opens six connections to a host and the page needs some. */
  maxRequests?: number;
  /**
   * Further requests urgent parts may use when the others are all taken: a seek's blocks must not
   * wait for megabytes of read-ahead and background download on their way (the seek's sound did).
   */
  urgentRequests?: number;
}

/**
 * Gathers the byte ranges several stems need at the same moment (an open, a seek) into a few
 * requests to the session's ranges route, and hands each part's bytes back as they arrive. With
 * one request per stem, 48 stems took eight rounds of the browser's six connections.
 */
export class StemRangeBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** Batches of a sound's first bytes on their way. */
  private firstInFlight = 0;
  /** Batches on their way whose parts may all yield, and how to stop each. */
  private readonly yielding = new Map<Pending[], AbortController>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private unsupported = false;
  private readonly maxParts: number;
  private readonly maxBytes: number;
  private readonly maxRequests: number;
  private readonly urgentRequests: number;

  constructor(
    private readonly url: string,
    private readonly fetchFn: (url: string, init: RequestInit) => Promise<Response>,
    options: BatcherOptions = {},
  ) {
    this.maxParts = Math.min(options.maxParts ?? 24, STEM_RANGES_MAX_PARTS);
    this.maxBytes = Math.min(options.maxBytes ?? 16 << 20, STEM_RANGES_MAX_BYTES);
    this.maxRequests = options.maxRequests ?? 3;
    this.urgentRequests = options.urgentRequests ?? 2;
  }

  /** Resolves with the bytes received for the part; rejects with the server's words for it, or BatchUnavailableError. */
  request(want: RangeWant): Promise<number> {
    if (this.unsupported) return Promise.reject(new BatchUnavailableError('the server has no ranges route'));
    return new Promise<number>((resolve, reject) => {
      const pending = { ...want, resolve, reject };
      // A sound waits: what is on its way for later stops, so the first bytes have the connection.
      if (rank(want) === FIRST) for (const stop of this.yielding.values()) stop.abort();
      const firstBehind = this.queue.findIndex((p) => rank(p) < rank(want));
      this.queue.splice(firstBehind < 0 ? this.queue.length : firstBehind, 0, pending);
      // Everything asked for in this turn (a pump over 48 stems) goes out together.
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = null;
        this.flush();
      }, 0);
    });
  }

  private flush(): void {
    // Urgent parts queue first (a sound's first bytes before them); a batch carries parts of one
    // rank only, so an urgent batch can take a spare lane. While a sound's first bytes are on
    // their way nothing else sets out: sharing the connection with the rest of their blocks, they
    // had arrived no sooner than the whole blocks did.
    while (this.queue.length > 0 && this.inFlight < this.maxRequests + (this.queue[0].urgent ? this.urgentRequests : 0)) {
      const head = rank(this.queue[0]);
      if (this.firstInFlight > 0 && head < FIRST) return;
      const batch: Pending[] = [];
      let bytes = 0;
      while (this.queue.length > 0 && batch.length < this.maxParts && rank(this.queue[0]) === head) {
        const next = this.queue[0];
        const size = next.to - next.from;
        if (batch.length > 0 && bytes + size > this.maxBytes) break;
        batch.push(this.queue.shift()!);
        bytes += size;
      }
      this.inFlight++;
      if (head === FIRST) this.firstInFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        if (head === FIRST) this.firstInFlight--;
        this.flush();
      });
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    let done = 0;
    let received = 0;
    const streaming: Array<{ want: Pending; length: number }> = [];
    const stop = new AbortController();
    if (batch.every((p) => p.mayYield)) this.yielding.set(batch, stop);
    try {
      const res = await this.fetchFn(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ parts: batch.map((p) => ({ stemId: p.stemId, from: p.from, to: p.to })) }),
        signal: stop.signal,
      });
      if (!res.ok) {
        // A server without the route (an older process of a cluster) is not asked again.
        if (res.status === 405 || (res.status === 404 && (await res.text().catch(() => '')).includes('no API route'))) this.unsupported = true;
        throw new BatchUnavailableError(`ranges request answered ${res.status}`);
      }
      const header = res.headers.get(STEM_RANGES_HEADER);
      const parts = header ? (JSON.parse(decodeURIComponent(header)) as StemRangePart[]) : null;
      if (!parts || parts.length !== batch.length) throw new BatchUnavailableError('ranges answer without its parts');
      // Parts with nothing to send are settled first; the body carries the others in order.
      batch.forEach((want, i) => {
        const part = parts[i];
        if ('error' in part) return want.reject(new Error(part.error));
        want.onTotal(part.total);
        if (part.length === 0) return want.resolve(0);
        streaming.push({ want, length: part.length });
      });
      const reader = res.body!.getReader();
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended) break;
        let offset = 0;
        while (offset < value.length && done < streaming.length) {
          const { want, length } = streaming[done];
          const n = Math.min(length - received, value.length - offset);
          want.onBytes(value.subarray(offset, offset + n), want.from + received);
          offset += n;
          received += n;
          if (received === length) {
            want.resolve(length);
            done++;
            received = 0;
          }
        }
      }
      if (done < streaming.length) throw new BatchUnavailableError('the ranges answer ended early');
    } catch (e) {
      // Parts already settled stay settled (a promise settles once).
      if (stop.signal.aborted) {
        // Yielded to a sound's first bytes: each part keeps what it received.
        streaming[done]?.want.resolve(received);
        for (const want of batch) want.resolve(0);
        return;
      }
      const error = e instanceof BatchUnavailableError ? e : new BatchUnavailableError(e instanceof Error ? e.message : String(e));
      // The rest are fetched alone.
      for (const want of batch) want.reject(error);
    } finally {
      this.yielding.delete(batch);
    }
  }
}
