import type { Logger } from '../log.js';
import type { UpdateLog } from './update-log.js';

/** A room as the batcher sees it: pending updates it can hand over and take back. */
export interface BatchSource {
  readonly sessionId: string;
  /** The merged pending updates, now owned by the batcher; null when there are none. */
  takeBatch(): Uint8Array | null;
  /** A write failed: the batch goes back in front of anything that arrived meanwhile. */
  restoreBatch(update: Uint8Array): void;
  /** The batch is committed. */
  committed(): void;
  /** Set once the room is gone (a deleted session): a failed write of it is dropped, not retried. */
  readonly destroyed?: boolean;
}

/**
 * Persists the pending updates of every session with changes in ONE multi-row insert per
 * window, instead of one insert per session. With embedded PGlite every statement runs on the
 * server's own thread, so per-session inserts (20 busy sessions × 20 windows/s) kept the event
 * loop busy enough to delay fan-out; one statement per window costs about as much as one.
 * Writes are serialized, so each session's rows keep their order.
 */
export class WriteBatcher {
  private readonly dirty = new Set<BatchSource>();
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly log: UpdateLog,
    private readonly delayMs: number,
    private readonly logger: Logger,
  ) {}

  /** The source has new pending updates; they are written within `delayMs`. */
  markDirty(source: BatchSource): void {
    this.dirty.add(source);
    if (!this.closed) this.timer ??= setTimeout(() => void this.flush().catch(() => {}), this.delayMs);
  }

  forget(source: BatchSource): void {
    this.dirty.delete(source);
  }

  /** Writes everything pending now (after any write in flight); resolves once that attempt finished. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = this.chain.then(() => this.writeDirty());
    this.chain = run.catch(() => {});
    return run;
  }

  /** Stops timers; explicit flush() calls still write. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = null;
  }

  private async writeDirty(): Promise<void> {
    const batch: { source: BatchSource; update: Uint8Array }[] = [];
    for (const source of this.dirty) {
      const update = source.takeBatch();
      if (update) batch.push({ source, update });
    }
    this.dirty.clear();
    if (batch.length === 0) return;
    try {
      await this.log.appendMany(batch.map(({ source, update }) => ({ sessionId: source.sessionId, update })));
      for (const { source } of batch) source.committed();
      return;
    } catch (err) {
      if (batch.length === 1) return this.failed(batch, err);
    }
    // One session's row can fail on its own (e.g. the session was just deleted); don't let it
    // hold back everyone else's updates.
    const failed: typeof batch = [];
    let lastError: unknown;
    for (const item of batch) {
      try {
        await this.log.appendMany([{ sessionId: item.source.sessionId, update: item.update }]);
        item.source.committed();
      } catch (err) {
        failed.push(item);
        lastError = err;
      }
    }
    if (failed.length > 0) this.failed(failed, lastError);
  }

  private failed(batch: { source: BatchSource; update: Uint8Array }[], err: unknown): void {
    batch = batch.filter(({ source }) => !source.destroyed);
    if (batch.length === 0) return;
    for (const { source, update } of batch) {
      source.restoreBatch(update);
      this.dirty.add(source);
    }
    this.logger.error(`failed to persist updates for ${batch.map((b) => b.source.sessionId).join(', ')}; retrying`, err);
    if (!this.closed) this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      void this.flush().catch(() => {});
    }, 1000);
  }
}
