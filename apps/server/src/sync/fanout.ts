/**
 * Seam for running more than one server process. Each process keeps its own in-memory
 * Y.Doc per session (a cache of the DB update log); an update accepted by one process is
 * persisted there and published here so the other processes apply it to their cache and
 * relay it to their own sockets. A Redis pub/sub implementation (channel per session,
 * payload = update bytes + source id) drops in behind this interface; nothing else changes.
 */
export interface DocUpdateFanout {
  /** `sourceId` identifies the publishing process so it does not receive its own updates. */
  publish(sessionId: string, update: Uint8Array, sourceId: string): void;
  subscribe(sessionId: string, sourceId: string, onRemoteUpdate: (update: Uint8Array) => void): () => void;
  close(): Promise<void>;
}

/** Fan-out between server instances living in the same process (one instance → a no-op). */
export class InProcessFanout implements DocUpdateFanout {
  private readonly subscribers = new Map<string, Set<{ sourceId: string; fn: (u: Uint8Array) => void }>>();

  publish(sessionId: string, update: Uint8Array, sourceId: string): void {
    for (const sub of this.subscribers.get(sessionId) ?? []) {
      if (sub.sourceId !== sourceId) sub.fn(update);
    }
  }

  subscribe(sessionId: string, sourceId: string, fn: (u: Uint8Array) => void): () => void {
    let set = this.subscribers.get(sessionId);
    if (!set) this.subscribers.set(sessionId, (set = new Set()));
    const sub = { sourceId, fn };
    set.add(sub);
    return () => {
      set.delete(sub);
      if (set.size === 0) this.subscribers.delete(sessionId);
    };
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }
}
