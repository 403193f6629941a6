import { INITIAL_SHARED_TRANSPORT, type SharedTransportState } from '@mixroom/engine';

/**
 * Where each session's "Listen together" transport lives. Commands must be applied one at a
 * time per session, across every server process, so each gets the next sequence number exactly
 * once: `update` applies `change` atomically (the Redis store retries on a concurrent write).
 */
export interface TransportStore {
  get(sessionId: string): Promise<SharedTransportState>;
  /** `change` may throw to refuse the command; then nothing is stored. */
  update(sessionId: string, change: (current: SharedTransportState) => SharedTransportState): Promise<SharedTransportState>;
  /** The session was deleted. */
  forget(sessionId: string): Promise<void>;
}

/** One process: a map is atomic enough (the change runs synchronously). */
export class InProcessTransportStore implements TransportStore {
  private readonly states = new Map<string, SharedTransportState>();

  async get(sessionId: string): Promise<SharedTransportState> {
    return this.states.get(sessionId) ?? INITIAL_SHARED_TRANSPORT;
  }

  async update(sessionId: string, change: (current: SharedTransportState) => SharedTransportState): Promise<SharedTransportState> {
    const next = change(this.states.get(sessionId) ?? INITIAL_SHARED_TRANSPORT);
    this.states.set(sessionId, next);
    return next;
  }

  async forget(sessionId: string): Promise<void> {
    this.states.delete(sessionId);
  }
}
