import {
  can, TALK_EVENTS, TALK_MAX_PEERS, TalkSignalPayload, sdpSendsAudio,
  type IceServers, type TalkJoinAck, type TalkLeftPayload, type TalkPeer, type TalkSignalAck, type TalkSignalMessage,
} from '@mixroom/protocol';
import type { Server, Socket } from 'socket.io';
import type { Logger } from '../log.js';
import type { SocketData } from './presence.js';

export interface TalkDeps {
  logger: Logger;
  /** Token bucket per socket for signalling messages (ICE candidates come in bursts). */
  rateLimit?: { perSecond: number; burst: number };
  now?: () => number;
  /** STUN/TURN servers for the browsers (ICE_SERVERS). */
  iceServers?: IceServers;
}

/** Everyone in a session's voice. */
export const voiceRoom = (sessionId: string) => `voice:${sessionId}`;
/** One socket in a session's voice: signalling is addressed here, so it reaches nobody outside it. */
export const voicePeerRoom = (sessionId: string, peerId: string) => `voice:${sessionId}:${peerId}`;

/** Leaves the voice rooms of the socket's session (on leaving the session, a switch, a disconnect). */
export function leaveVoice(io: Server, socket: Socket, sessionId: string): void {
  if (!socket.rooms.has(voiceRoom(sessionId))) return;
  void socket.leave(voiceRoom(sessionId));
  void socket.leave(voicePeerRoom(sessionId, socket.id));
  const left: TalkLeftPayload = { peerId: socket.id };
  io.to(voiceRoom(sessionId)).emit(TALK_EVENTS.left, left);
}

const zodMessage = (e: { issues: { path: PropertyKey[]; message: string }[] }) =>
  e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');

/**
 * Talkback signalling. The media goes peer-to-peer (WebRTC, a mesh of up to TALK_MAX_PEERS);
 * the server relays offers, answers and ICE candidates between members of the same session who
 * entered its voice, addressed to a room per peer and session: a message for a socket of another
 * session, or one not in the voice, reaches nobody. The rooms live in socket.io's adapter, so with
 * several processes (Redis adapter) a peer connected to another process is reached the same way.
 * Everyone with `session.view` may listen; an offer or answer that would send audio needs `talk`.
 */
export function attachTalk(io: Server, deps: TalkDeps): void {
  const limit = deps.rateLimit ?? { perSecond: 40, burst: 120 };
  const now = deps.now ?? (() => performance.now());

  io.on('connection', (socket: Socket) => {
    const data = socket.data as SocketData;
    let tokens = limit.burst;
    let refilledAt = now();
    const takeToken = () => {
      const t = now();
      tokens = Math.min(limit.burst, tokens + ((t - refilledAt) / 1000) * limit.perSecond);
      refilledAt = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    };
    const fail = (code: 'not_joined' | 'forbidden' | 'bad_request' | 'rate_limited' | 'conflict' | 'internal', message: string) =>
      ({ ok: false as const, error: { code, message } });

    socket.on(TALK_EVENTS.join, async (_payload: unknown, ack?: (a: TalkJoinAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const sessionId = data.sessionId;
      if (!sessionId) return reply(fail('not_joined', 'join a session first'));
      if (!can(data.role, 'session.view')) return reply(fail('forbidden', 'your role may not use session.view'));
      let peers: TalkPeer[];
      try {
        const sockets = await io.in(voiceRoom(sessionId)).fetchSockets();
        peers = sockets
          .filter((s) => s.id !== socket.id)
          .map((s) => {
            const d = s.data as SocketData;
            return { peerId: s.id, name: d.presence?.name ?? 'Someone', canTalk: can(d.role, 'talk') };
          });
      } catch (err) {
        deps.logger.error('talk: could not list the voice', err);
        return reply(fail('internal', 'could not list who is in the voice'));
      }
      // The session may have changed while the list was fetched.
      if (data.sessionId !== sessionId) return reply(fail('not_joined', 'join a session first'));
      if (peers.length >= TALK_MAX_PEERS) {
        return reply(fail('conflict', `the voice is full: at most ${TALK_MAX_PEERS} people can be in it at once`));
      }
      await socket.join([voiceRoom(sessionId), voicePeerRoom(sessionId, socket.id)]);
      reply({ ok: true, peerId: socket.id, canTalk: can(data.role, 'talk'), peers, iceServers: deps.iceServers ?? [] });
    });

    socket.on(TALK_EVENTS.leave, () => {
      if (data.sessionId) leaveVoice(io, socket, data.sessionId);
    });

    socket.on(TALK_EVENTS.signal, (payload: unknown, ack?: (a: TalkSignalAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const sessionId = data.sessionId;
      if (!sessionId) return reply(fail('not_joined', 'join a session first'));
      // The role is re-read per message: a membership change updates it while the socket stays open.
      if (!can(data.role, 'session.view')) return reply(fail('forbidden', 'your role may not use session.view'));
      if (!socket.rooms.has(voiceRoom(sessionId))) return reply(fail('not_joined', 'enter the voice (talk:join) first'));
      if (!takeToken()) return reply(fail('rate_limited', 'too many signalling messages; slow down'));
      const parsed = TalkSignalPayload.safeParse(payload);
      if (!parsed.success) return reply(fail('bad_request', zodMessage(parsed.error)));
      const { to, ...rest } = parsed.data;
      if (to === socket.id) return reply(fail('bad_request', 'you cannot send signalling to yourself'));
      if ((rest.kind === 'offer' || rest.kind === 'answer') && sdpSendsAudio(rest.sdp) && !can(data.role, 'talk')) {
        return reply(fail('forbidden', `your role (${data.role}) may listen but not talk: send audio only with the talk capability`));
      }
      const message = { ...rest, from: socket.id, name: data.presence?.name ?? 'Someone' } as TalkSignalMessage;
      io.to(voicePeerRoom(sessionId, to)).emit(TALK_EVENTS.incoming, message);
      reply({ ok: true });
    });
  });
}
