/**
 * Estimates the offset between this client's clock and the server's from NTP-style
 * round trips over an existing socket.
 *
 * One exchange gives: client send time t0, server time ts, client receive time t1. Both legs
 * take a non-negative time, so the true offset θ = server − client lies in [ts − t1, ts − t0].
 * Intersecting these intervals over a window of exchanges keeps the fastest UP leg seen and
 * the fastest DOWN leg seen, even when they came from different exchanges — far tighter than
 * trusting any single round trip when the legs jitter independently. The midpoint of the
 * intersection is the estimate and its half-width the error bound. If the intervals do not
 * intersect (a clock was stepped, or drifted over the window), it falls back to the median
 * offset of the fastest round trips.
 * A constant asymmetry of the path (up ≠ down) cannot be observed by any two-way method;
 * it stays as an error of (up − down) / 2, reported through `uncertaintyMs`.
 */
export interface ClockSample {
  /** Client clock when the request left, ms. */
  clientSendMs: number;
  /** Server clock when it answered, ms. */
  serverMs: number;
  /** Client clock when the answer arrived, ms. */
  clientReceiveMs: number;
}

export interface ClockSyncOptions {
  /** How many recent samples to keep. */
  window?: number;
  /** Fraction of the window (by smallest round trip) used for the estimate. */
  bestFraction?: number;
}

export class ClockSync {
  private samples: Array<{ offset: number; rtt: number; low: number; high: number }> = [];
  private readonly window: number;
  private readonly bestFraction: number;
  private estimate: { offsetMs: number; boundMs: number } | null = null;

  constructor(options: ClockSyncOptions = {}) {
    this.window = options.window ?? 32;
    this.bestFraction = options.bestFraction ?? 0.25;
  }

  /** Adds one exchange; ignores impossible ones (negative round trip, non-finite times). */
  addSample(s: ClockSample): void {
    const rtt = s.clientReceiveMs - s.clientSendMs;
    if (!Number.isFinite(rtt) || rtt < 0 || !Number.isFinite(s.serverMs)) return;
    this.samples.push({
      offset: s.serverMs - (s.clientSendMs + s.clientReceiveMs) / 2,
      rtt,
      low: s.serverMs - s.clientReceiveMs,
      high: s.serverMs - s.clientSendMs,
    });
    if (this.samples.length > this.window) this.samples.shift();
    this.recompute();
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  /** True once enough exchanges are in for the estimate to be trusted. */
  get ready(): boolean {
    return this.samples.length >= 4;
  }

  /** serverClock − clientClock, ms. */
  get offsetMs(): number {
    return this.estimate?.offsetMs ?? 0;
  }

  /** Worst-case error of the offset if the path is symmetric on its fastest legs; ms. */
  get uncertaintyMs(): number {
    return this.estimate ? this.estimate.boundMs : Infinity;
  }

  toServerTime(clientMs: number): number {
    return clientMs + this.offsetMs;
  }

  toClientTime(serverMs: number): number {
    return serverMs - this.offsetMs;
  }

  private recompute(): void {
    let low = -Infinity;
    let high = Infinity;
    for (const x of this.samples) {
      if (x.low > low) low = x.low;
      if (x.high < high) high = x.high;
    }
    if (low <= high) {
      this.estimate = { offsetMs: (low + high) / 2, boundMs: (high - low) / 2 };
      return;
    }
    const sorted = [...this.samples].sort((a, b) => a.rtt - b.rtt);
    const best = sorted.slice(0, Math.max(1, Math.ceil(sorted.length * this.bestFraction)));
    const offsets = best.map((b) => b.offset).sort((a, b) => a - b);
    const mid = offsets.length >> 1;
    const median = offsets.length % 2 ? offsets[mid] : (offsets[mid - 1] + offsets[mid]) / 2;
    this.estimate = { offsetMs: median, boundMs: best[0].rtt / 2 };
  }
}
