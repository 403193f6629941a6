import {
  can,
  ClockPingPayload,
  EVENTS,
  TransportCommandPayload,
  type ClockPong,
  type TransportAck,
} from '@mixroom/protocol';
import {
  INITIAL_SHARED_TRANSPORT,
  TransportCommandError,
  applyTransportCommand,
  type SharedTransportState,
} from '@mixroom/engine';
import type { Server, Socket } from 'socket.io';
import type { Logger } from '../log.js';
import type { SocketData } from './presence.js';

export interface TogetherDeps {
  /** Length of the session's song in seconds (longest stem). */
  songDuration(sessionId: string): Promise<number>;
  logger: Logger;
  /** Server clock in ms; the same clock answers clock pings and anchors starts. */
  now?: () => number;
  /** How far in the future starts are scheduled, so every client hears of them in time. */
  leadMs?: number;
  /** Token bucket per socket for transport commands. */
  rateLimit?: { perSecond: number; burst: number };
}

/** Epoch milliseconds from a monotonic source: wall-clock steps must not move scheduled starts. */
export const serverClock = () => performance.timeOrigin + performance.now();

const room = (sessionId: string) => `session:${sessionId}`;

/**
 * "Listen together": a shared transport per session, ordered by this server. Commands are
 * applied one at a time (socket.io delivers a socket's events in order and the handlers are
 * synchronous after validation), each gets the next sequence number and is broadcast to the
 * whole session, so every client sees the same states in the same order, exactly once.
 *
 * The states live in this process only as a cache: they are ephemeral (a song position), and
 * with several server processes a session's commands would be routed to one owner process, or
 * kept in Redis, like the Yjs fan-out seam.
 */
export function attachTogether(io: Server, deps: TogetherDeps): { stateOf(sessionId: string): SharedTransportState } {
  const now = deps.now ?? serverClock;
  const leadMs = deps.leadMs ?? 400;
  const limit = deps.rateLimit ?? { perSecond: 8, burst: 16 };
  const states = new Map<string, SharedTransportState>();
  const stateOf = (sessionId: string) => states.get(sessionId) ?? INITIAL_SHARED_TRANSPORT;

  io.on('connection', (socket: Socket) => {
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
    const joinedSession = (): string | undefined => (socket.data as SocketData).sessionId;
    // The role is re-checked per event: a membership change updates it while the socket stays open.
    const forbidden = (capability: 'session.view' | 'transport.control') =>
      can((socket.data as SocketData).role, capability) ? null : { ok: false as const, error: { code: 'forbidden' as const, message: `your role may not use ${capability}` } };
    const nameOf = (): string => (socket.data as { presence?: { name: string } }).presence?.name ?? 'Someone';

    socket.on(EVENTS.clockPing, (payload: unknown, ack?: (pong: ClockPong) => void) => {
      if (typeof ack !== 'function' || !ClockPingPayload.safeParse(payload).success) return;
      ack({ serverMs: now() });
    });

    socket.on(EVENTS.transportGet, (_payload: unknown, ack?: (a: TransportAck) => void) => {
      if (typeof ack !== 'function') return;
      const sessionId = joinedSession();
      if (!sessionId) return ack({ ok: false, error: { code: 'not_joined', message: 'join a session first' } });
      const denied = forbidden('session.view');
      if (denied) return ack(denied);
      ack({ ok: true, state: stateOf(sessionId) });
    });

    // One socket's commands are handled strictly in arrival order, even across the awaits.
    let chain: Promise<void> = Promise.resolve();
    socket.on(EVENTS.transportCommand, (payload: unknown, ack?: (a: TransportAck) => void) => {
      chain = chain.then(() => handleCommand(payload, typeof ack === 'function' ? ack : () => {})).catch((err) => {
        deps.logger.error('transport command failed', err);
      });
    });

    const handleCommand = async (payload: unknown, reply: (a: TransportAck) => void) => {
      const sessionId = joinedSession();
      if (!sessionId) return reply({ ok: false, error: { code: 'not_joined', message: 'join a session first' } });
      const denied = forbidden('transport.control');
      if (denied) return reply(denied);
      const parsed = TransportCommandPayload.safeParse(payload);
      if (!parsed.success) return reply({ ok: false, error: { code: 'bad_request', message: parsed.error.issues.map((i) => i.message).join('; ') } });
      if (!takeToken()) {
        return reply({ ok: false, error: { code: 'rate_limited', message: 'too many transport commands; slow down' } });
      }
      let duration: number;
      try {
        duration = await deps.songDuration(sessionId);
      } catch (err) {
        deps.logger.error('transport: could not read the song length', err);
        return reply({ ok: false, error: { code: 'internal', message: 'could not read the song length' } });
      }
      // Re-read after the await: another command may have been applied meanwhile.
      let next: SharedTransportState;
      try {
        next = applyTransportCommand(stateOf(sessionId), parsed.data, { nowMs: now(), leadMs, songDuration: duration, by: nameOf() });
      } catch (err) {
        if (err instanceof TransportCommandError) return reply({ ok: false, error: { code: 'bad_request', message: err.message } });
        throw err;
      }
      states.set(sessionId, next);
      io.to(room(sessionId)).emit(EVENTS.transportState, next);
      reply({ ok: true, state: next });
    };
  });

  return { stateOf };
}
