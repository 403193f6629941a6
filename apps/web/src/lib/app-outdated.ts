// The server speaks another PROTOCOL_VERSION than this page (it was updated while the page was
// open): retrying cannot help, only a reload brings the matching page. Whoever meets the refusal
// (the socket.io connection, see presence.ts) records it here and the page shows a banner with a
// Reload button (UpdatedBanner).
import type { ProtocolMismatch } from '@mixroom/protocol';

type Listener = () => void;

/** A tiny external store for React: the refusal, or null while the page and server agree. */
export class OutdatedStore {
  private mismatch: ProtocolMismatch | null = null;
  private readonly listeners = new Set<Listener>();
  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getSnapshot = (): ProtocolMismatch | null => this.mismatch;
  set(mismatch: ProtocolMismatch): void {
    if (this.mismatch) return;
    this.mismatch = mismatch;
    for (const l of this.listeners) l();
  }
}

export const appOutdated = new OutdatedStore();
