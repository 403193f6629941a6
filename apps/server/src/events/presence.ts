import type { Server as HttpServer } from 'node:http';
import {
  can, checkProtocolVersion, EVENTS, JoinPayload, PresenceUpdatePayload, SOCKET_IO_PATH,
  type AccessChangedPayload, type JoinAck, type SignInEndedPayload, type Presence, type PresenceLeftPayload, type Role,
} from '@mixroom/protocol';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { Actor } from '../auth/access.js';
import { isForeignOrigin } from '../auth/csrf.js';
import type { DbAccessControl } from '../auth/db-access.js';
import type { MembershipChanges } from '../auth/membership-changes.js';
import { SIGN_IN_END_MESSAGES, type SignInWatch } from '../auth/sign-in-watch.js';
import { HttpError } from '../http/respond.js';
import type { Logger } from '../log.js';
import { leaveVoice } from './talk.js';

export interface PresenceDeps {
  access: DbAccessControl;
  trustProxy: boolean;
  changes: MembershipChanges;
  signIns: SignInWatch;
  logger: Logger;
  /** socket.io's Redis adapter when several processes serve the sessions (see cluster/). */
  adapter?: ServerOptions['adapter'];
}

/** What the server knows about a socket; `actor` is set for every connected socket. */
export interface SocketData {
  actor: Actor;
  sessionId?: string;
  /** Role in `sessionId`, kept current by membership changes. */
  role?: Role;
  presence?: Presence;
}

const room = (sessionId: string) => `session:${sessionId}`;
const zodMessage = (e: { issues: { path: PropertyKey[]; message: string }[] }) =>
  e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');

/**
 * Presence over socket.io: who is in a session and which control each one is holding.
 * Ephemeral by design — nothing here is persisted; the mix itself travels over Yjs.
 * Only signed-in users connect (the handshake carries the session cookie); joining a session
 * needs `session.view` in it.
 */
export function attachPresence(httpServer: HttpServer, deps: PresenceDeps): Server {
  const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(httpServer, {
    path: SOCKET_IO_PATH,
    serveClient: false,
    // The web app is served from this origin; no cross-origin clients.
    cors: undefined,
    // Cross-site pages must not open a socket riding on the user's cookie.
    allowRequest: (req, callback) => callback(null, !isForeignOrigin(req, deps.trustProxy)),
    ...(deps.adapter ? { adapter: deps.adapter } : {}),
  });

  // A page of another protocol version is refused before anything else, with a typed reason
  // (`connect_error`'s data: ProtocolMismatch) that tells it to reload rather than retry.
  io.use((socket, next) => {
    const mismatch = checkProtocolVersion((socket.handshake.auth as { protocolVersion?: unknown } | undefined)?.protocolVersion);
    if (!mismatch) return next();
    deps.logger.info(`refused a socket.io client of protocol ${mismatch.clientVersion} (server: ${mismatch.serverVersion})`);
    next(Object.assign(new Error(mismatch.message), { data: mismatch }));
  });

  io.use((socket, next) => {
    deps.access.identify(socket.request).then(
      (actor) => {
        if (!actor) return next(Object.assign(new Error('sign in first'), { data: { code: 'unauthorized' } }));
        (socket.data as SocketData).actor = actor;
        next();
      },
      (err) => {
        deps.logger.error('socket.io authentication failed', err);
        next(new Error('could not check the sign-in'));
      },
    );
  });

  // Removal or a role change reaches the user's sockets at once. Every process hears of it through
  // the seam and acts on its own sockets only.
  deps.changes.subscribe(({ sessionId, userId, role }) => {
    void io.local.in(room(sessionId)).fetchSockets().then((sockets) => {
      for (const s of sockets) {
        const data = s.data as SocketData;
        if (data.actor.userId !== userId || data.sessionId !== sessionId) continue;
        const payload: AccessChangedPayload = { sessionId, role };
        s.emit(EVENTS.accessChanged, payload);
        if (role) {
          data.role = role;
        } else {
          s.emit(EVENTS.presenceLeft, { peerId: s.id });
          s.disconnect(true);
        }
      }
    });
  });

  io.on('connection', (socket: Socket) => {
    const data = socket.data as SocketData;
    // Signed out or expired: say why (the page goes to sign in), then cut the connection.
    if (data.actor.signIn) {
      const unwatch = deps.signIns.watch(data.actor.signIn, (reason) => {
        const payload: SignInEndedPayload = { reason, message: SIGN_IN_END_MESSAGES[reason] };
        socket.emit(EVENTS.signInEnded, payload);
        socket.disconnect(true);
      });
      socket.once('disconnect', unwatch);
    }

    const leave = () => {
      if (!data.sessionId) return;
      const left: PresenceLeftPayload = { peerId: socket.id };
      leaveVoice(io, socket, data.sessionId);
      socket.to(room(data.sessionId)).emit(EVENTS.presenceLeft, left);
      void socket.leave(room(data.sessionId));
      data.sessionId = undefined;
      data.role = undefined;
      data.presence = undefined;
    };

    socket.on(EVENTS.join, async (payload: unknown, ack?: (a: JoinAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const parsed = JoinPayload.safeParse(payload);
      if (!parsed.success) return reply({ ok: false, error: { code: 'bad_request', message: zodMessage(parsed.error) } });
      const { sessionId, name, color } = parsed.data;
      let role: Role;
      try {
        role = (await deps.access.authorize(data.actor, sessionId, 'session.view')).role;
      } catch (err) {
        if (err instanceof HttpError) return reply({ ok: false, error: { code: err.code, message: err.message } });
        deps.logger.error('presence join failed', err);
        return reply({ ok: false, error: { code: 'internal', message: 'could not look up the session' } });
      }
      leave();
      data.sessionId = sessionId;
      data.role = role;
      data.presence = { peerId: socket.id, name, color, control: null, together: false, loading: false };
      await socket.join(room(sessionId));
      const peers = (await io.in(room(sessionId)).fetchSockets())
        .filter((s) => s.id !== socket.id)
        .flatMap((s) => ((s.data as SocketData).presence ? [(s.data as SocketData).presence!] : []));
      socket.to(room(sessionId)).emit(EVENTS.presence, data.presence);
      reply({ ok: true, peerId: socket.id, peers });
    });

    socket.on(EVENTS.presenceUpdate, (payload: unknown) => {
      if (!data.sessionId || !data.presence || !can(data.role, 'session.view')) return;
      const parsed = PresenceUpdatePayload.safeParse(payload);
      if (!parsed.success) {
        deps.logger.warn(`ignoring invalid presence update from ${socket.id}: ${zodMessage(parsed.error)}`);
        return;
      }
      data.presence = { ...data.presence, ...parsed.data, peerId: socket.id, control: parsed.data.control === undefined ? data.presence.control : parsed.data.control };
      socket.to(room(data.sessionId)).emit(EVENTS.presence, data.presence);
    });

    socket.on(EVENTS.leave, leave);
    socket.on('disconnect', leave);
  });

  return io;
}
