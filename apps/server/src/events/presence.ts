import type { Server as HttpServer } from 'node:http';
import {
  EVENTS, JoinPayload, PresenceUpdatePayload, SOCKET_IO_PATH,
  type JoinAck, type Presence, type PresenceLeftPayload,
} from '@mixroom/protocol';
import { Server, type Socket } from 'socket.io';
import type { Logger } from '../log.js';

export interface PresenceDeps {
  sessionExists(id: string): Promise<boolean>;
  logger: Logger;
}

interface SocketData {
  sessionId?: string;
  presence?: Presence;
}

const room = (sessionId: string) => `session:${sessionId}`;
const zodMessage = (e: { issues: { path: PropertyKey[]; message: string }[] }) =>
  e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');

/**
 * Presence over socket.io: who is in a session and which control each one is holding.
 * Ephemeral by design — nothing here is persisted; the mix itself travels over Yjs.
 */
export function attachPresence(httpServer: HttpServer, deps: PresenceDeps): Server {
  const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(httpServer, {
    path: SOCKET_IO_PATH,
    serveClient: false,
    // The web app is served from this origin; no cross-origin clients.
    cors: undefined,
  });

  io.on('connection', (socket: Socket) => {
    const data = socket.data as SocketData;

    const leave = () => {
      if (!data.sessionId) return;
      const left: PresenceLeftPayload = { peerId: socket.id };
      socket.to(room(data.sessionId)).emit(EVENTS.presenceLeft, left);
      void socket.leave(room(data.sessionId));
      data.sessionId = undefined;
      data.presence = undefined;
    };

    socket.on(EVENTS.join, async (payload: unknown, ack?: (a: JoinAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const parsed = JoinPayload.safeParse(payload);
      if (!parsed.success) return reply({ ok: false, error: { code: 'bad_request', message: zodMessage(parsed.error) } });
      const { sessionId, name, color } = parsed.data;
      try {
        if (!(await deps.sessionExists(sessionId))) {
          return reply({ ok: false, error: { code: 'not_found', message: `unknown session ${sessionId}` } });
        }
      } catch (err) {
        deps.logger.error('presence join failed', err);
        return reply({ ok: false, error: { code: 'internal', message: 'could not look up the session' } });
      }
      leave();
      data.sessionId = sessionId;
      data.presence = { peerId: socket.id, name, color, control: null, together: false, loading: false };
      await socket.join(room(sessionId));
      const peers = (await io.in(room(sessionId)).fetchSockets())
        .filter((s) => s.id !== socket.id)
        .flatMap((s) => ((s.data as SocketData).presence ? [(s.data as SocketData).presence!] : []));
      socket.to(room(sessionId)).emit(EVENTS.presence, data.presence);
      reply({ ok: true, peerId: socket.id, peers });
    });

    socket.on(EVENTS.presenceUpdate, (payload: unknown) => {
      if (!data.sessionId || !data.presence) return;
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
