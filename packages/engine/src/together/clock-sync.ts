/**
 * Estimates the offset between this client's clock and the server's from NTP-style
 * round trips over an existing socket.
 *
 * One exchange gives: client send time t0, server time ts, client receive time t1.
 * If the two legs took equal time, offset = ts − (t0 + t1) / 2. Jitter and queuing make
 * legs unequal; the error of one sample is at most rtt / 2. So we keep a window of recent
 * samples and trust the ones with the smallest round trips — queuing only ever adds delay,
 * so the fastest exchanges are the least skewed — and take the median offset among them.
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
  private samples: Array<{ offset: number; rtt: number; at: number }> = [];
  private readonly window: number;
  private readonly bestFraction: number;
  private estimate: { offsetMs: number; rttMs: number } | null = null;

  constructor(options: ClockSyncOptions = {}) {
    this.window = options.window ?? 32;
    this.bestFraction = options.bestFraction ?? 0.25;
  }

  /** Adds one exchange; ignores impossible ones (negative round trip, non-finite times). */
  addSample(s: ClockSample): void {
    const rtt = s.clientReceiveMs - s.clientSendMs;
    if (!Number.isFinite(rtt) || rtt < 0 || !Number.isFinite(s.serverMs)) return;
    this.samples.push({ offset: s.serverMs - (s.clientSendMs + s.clientReceiveMs) / 2, rtt, at: s.clientReceiveMs });
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

  /** Worst-case error of the offset given the best round trips seen (half the best RTT). */
  get uncertaintyMs(): number {
    return this.estimate ? this.estimate.rttMs / 2 : Infinity;
  }

  toServerTime(clientMs: number): number {
    return clientMs + this.offsetMs;
  }

  toClientTime(serverMs: number): number {
    return serverMs - this.offsetMs;
  }

  private recompute(): void {
    const sorted = [...this.samples].sort((a, b) => a.rtt - b.rtt);
    const take = Math.max(1, Math.ceil(sorted.length * this.bestFraction));
    const best = sorted.slice(0, take);
    // The window is short (≈ window × poll interval), so clock drift inside it is far
    // below the jitter we are filtering; older samples simply fall out of it.
    const offsets = best.map((b) => b.offset).sort((a, b) => a - b);
    const mid = offsets.length >> 1;
    const median = offsets.length % 2 ? offsets[mid] : (offsets[mid - 1] + offsets[mid]) / 2;
    this.estimate = { offsetMs: median, rttMs: best[0].rtt };
  }
}
