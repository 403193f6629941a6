import type { Role } from '@mixroom/protocol';

export interface MembershipChange {
  sessionId: string;
  userId: string;
  /** The new role; null when the member was removed (or the session deleted). */
  role: Role | null;
  /** The whole session was deleted (every process drops its in-memory copy of it). */
  sessionDeleted?: boolean;
}

/**
 * "Someone's access to a session changed": open websockets and socket.io connections of that
 * user must be closed or downgraded at once. Like DocUpdateFanout, this is the seam for several
 * server processes — a Redis pub/sub channel implements the same interface.
 */
export interface MembershipChanges {
  publish(change: MembershipChange): void;
  subscribe(fn: (change: MembershipChange) => void): () => void;
}

export class InProcessMembershipChanges implements MembershipChanges {
  private readonly subscribers = new Set<(change: MembershipChange) => void>();

  publish(change: MembershipChange): void {
    for (const fn of this.subscribers) fn(change);
  }

  subscribe(fn: (change: MembershipChange) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
