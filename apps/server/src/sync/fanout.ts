/**
 * Seam for running more than one server process. Each process keeps its own in-memory
 * Y.Doc per session (a cache of the DB update log); an update accepted by one process is
 * persisted there and published here so the other processes apply it to their cache and
 * relay it to their own sockets. `RedisFanout` (cluster/) implements it over Redis pub/sub.
 */
export interface DocUpdateFanout {
  /** `sourceId` identifies the publishing process so it does not receive its own updates. */
  publish(sessionId: string, update: Uint8Array, sourceId: string): void;
  /**
   * Yjs awareness changes (y-websocket's cursors and user states) of this process's own clients,
   * for the clients of the others. A process that starts holding a session asks the others for
   * their clients' current states (FanoutPeer.localAwareness).
   */
  publishAwareness(sessionId: string, update: Uint8Array, sourceId: string): void;
  /** Resolves once remote updates are being delivered (a Redis SUBSCRIBE is confirmed). */
  subscribe(sessionId: string, sourceId: string, peer: FanoutPeer): Promise<() => void>;
  /**
   * The subscribed copy was just read from the database: the others send what it lacks. An update
   * another process accepted (and published) before this one subscribed is in no message this one
   * receives, and in the database only once that process's write batch commits, which can be after
   * the read.
   */
  catchUp(sessionId: string, sourceId: string): void;
  close(): Promise<void>;
}

/**
 * One process's copy of a session, as the fan-out sees it. A transport that can lose messages
 * (a dropped Redis connection) catches up the Yjs way: it sends this copy's state vector to the
 * other processes, and each answers with `updateSince` of its own copy.
 */
export interface FanoutPeer {
  applyRemote(update: Uint8Array): void;
  applyRemoteAwareness(update: Uint8Array): void;
  /** The awareness states of this process's own clients, or null when it has none. */
  localAwareness(): Uint8Array | null;
  stateVector(): Uint8Array;
  /** Everything this copy holds that a copy at `stateVector` lacks. */
  updateSince(stateVector: Uint8Array): Uint8Array;
}

/** Fan-out between server instances living in the same process (one instance → a no-op). */
export class InProcessFanout implements DocUpdateFanout {
  private readonly subscribers = new Map<string, Set<{ sourceId: string; peer: FanoutPeer }>>();

  publish(sessionId: string, update: Uint8Array, sourceId: string): void {
    for (const sub of this.subscribers.get(sessionId) ?? []) {
      if (sub.sourceId !== sourceId) sub.peer.applyRemote(update);
    }
  }

  publishAwareness(sessionId: string, update: Uint8Array, sourceId: string): void {
    for (const sub of this.subscribers.get(sessionId) ?? []) {
      if (sub.sourceId !== sourceId) sub.peer.applyRemoteAwareness(update);
    }
  }

  async subscribe(sessionId: string, sourceId: string, peer: FanoutPeer): Promise<() => void> {
    let set = this.subscribers.get(sessionId);
    if (!set) this.subscribers.set(sessionId, (set = new Set()));
    const sub = { sourceId, peer };
    for (const other of set) {
      const states = other.sourceId !== sourceId ? other.peer.localAwareness() : null;
      if (states) peer.applyRemoteAwareness(states);
    }
    set.add(sub);
    return () => {
      set.delete(sub);
      if (set.size === 0) this.subscribers.delete(sessionId);
    };
  }

  catchUp(sessionId: string, sourceId: string): void {
    const set = this.subscribers.get(sessionId);
    const own = [...(set ?? [])].find((sub) => sub.sourceId === sourceId);
    if (!own) return;
    for (const other of set!) {
      if (other.sourceId === sourceId) continue;
      own.peer.applyRemote(other.peer.updateSince(own.peer.stateVector()));
      other.peer.applyRemote(own.peer.updateSince(other.peer.stateVector()));
    }
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }
}
