import { io, type Socket } from 'socket.io-client';
import {
  EVENTS,
  Presence,
  PresenceLeftPayload,
  PROTOCOL_VERSION,
  protocolMismatchOf,
  SOCKET_IO_PATH,
  type HandshakeAuth,
  type JoinAck,
  type JoinPayload,
  type PresenceUpdatePayload,
} from '@mixroom/protocol';
import type { Identity } from './identity';
import { redirectToSignIn } from './api';
import { appOutdated } from './app-outdated';

export interface PresenceSnapshot {
  selfId: string | null;
  connected: boolean;
  /** Everyone else in the session, keyed by peer id. */
  peers: ReadonlyMap<string, Presence>;
}

/**
 * Who else is in the session and which control each of them is holding. Ephemeral by
 * design, so it rides socket.io rather than the persistent Yjs document.
 */
export class PresenceClient {
  /** The session's socket.io connection, shared with "Listen together". */
  readonly socket: Socket;
  private snapshot: PresenceSnapshot = { selfId: null, connected: false, peers: new Map() };
  private readonly listeners = new Set<() => void>();
  private control: string | null = null;
  private status: { together: boolean; loading: boolean } = { together: false, loading: true };

  constructor(
    private readonly sessionId: string,
    private identity: Identity,
  ) {
    const auth: HandshakeAuth = { protocolVersion: PROTOCOL_VERSION };
    this.socket = io({ path: SOCKET_IO_PATH, transports: ['websocket'], auth: { ...auth } });
    // The server was updated and speaks another protocol: stop here and ask for a reload
    // (retrying would be refused the same way, for ever).
    this.socket.on('connect_error', (err) => {
      const mismatch = protocolMismatchOf(err);
      if (!mismatch) return;
      this.socket.disconnect();
      appOutdated.set(mismatch);
    });
    // (Re)join on every connect: after a reconnect the server has forgotten us.
    this.socket.on('connect', () => this.join());
    // Our role changed or we were removed: reload, so the page asks the server what we may do now.
    this.socket.on(EVENTS.accessChanged, () => window.location.reload());
    // Signed out (in another tab) or the sign-in expired: the server closed our sockets; sign in again.
    this.socket.on(EVENTS.signInEnded, () => redirectToSignIn());
    this.socket.on('disconnect', () => this.set({ connected: false, peers: new Map() }));
    this.socket.on(EVENTS.presence, (raw: unknown) => {
      const p = Presence.safeParse(raw);
      if (!p.success || p.data.peerId === this.snapshot.selfId) return;
      const peers = new Map(this.snapshot.peers);
      peers.set(p.data.peerId, p.data);
      this.set({ peers });
    });
    this.socket.on(EVENTS.presenceLeft, (raw: unknown) => {
      const p = PresenceLeftPayload.safeParse(raw);
      if (!p.success) return;
      const peers = new Map(this.snapshot.peers);
      peers.delete(p.data.peerId);
      this.set({ peers });
    });
  }

  private join(): void {
    const payload: JoinPayload = { sessionId: this.sessionId, name: this.identity.name, color: this.identity.color };
    this.socket.emit(EVENTS.join, payload, (ack: JoinAck) => {
      if (!ack || !ack.ok) {
        console.warn('[mixroom] presence join refused', ack);
        return;
      }
      const peers = new Map<string, Presence>();
      for (const raw of ack.peers) {
        const p = Presence.safeParse(raw);
        if (p.success && p.data.peerId !== ack.peerId) peers.set(p.data.peerId, p.data);
      }
      this.set({ selfId: ack.peerId, connected: true, peers });
      this.send({ ...this.status, ...(this.control ? { control: this.control } : {}) });
    });
  }

  private send(update: PresenceUpdatePayload): void {
    if (this.socket.connected) this.socket.emit(EVENTS.presenceUpdate, update);
  }

  /**
   * Announces the control this person is holding (a mix param key) or lets go of it. Letting go
   * of a control that is no longer the held one changes nothing: a wheel gesture on one knob
   * releases 400 ms after its last notch, by which time a drag on another may have started.
   */
  hold(control: string, held: boolean): void {
    const next = held ? control : this.control === control ? null : this.control;
    if (next === this.control) return;
    this.control = next;
    this.send({ control: next });
  }

  /** Tells the others whether this person follows the shared transport and is still loading stems. */
  setStatus(patch: Partial<{ together: boolean; loading: boolean }>): void {
    const next = { ...this.status, ...patch };
    if (next.together === this.status.together && next.loading === this.status.loading) return;
    this.status = next;
    this.send(next);
  }

  setIdentity(identity: Identity): void {
    this.identity = identity;
    this.send({ name: identity.name, color: identity.color });
  }

  /** Resolves once the server has let this socket into the session (after a reconnect, once it has again). */
  joined = (): Promise<void> => {
    if (this.snapshot.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.subscribe(() => {
        if (!this.snapshot.connected) return;
        off();
        resolve();
      });
    });
  };

  getSnapshot = (): PresenceSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<PresenceSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  dispose(): void {
    this.listeners.clear();
    this.socket.emit(EVENTS.leave);
    this.socket.disconnect();
  }
}
