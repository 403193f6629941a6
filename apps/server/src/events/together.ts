import {
  can,
  ClockPingPayload,
  EVENTS,
  TransportCommandPayload,
  type ClockPong,
  type TransportAck,
} from '@mixroom/protocol';
import { TransportCommandError, applyTransportCommand } from '@mixroom/engine';
import type { Server, Socket } from 'socket.io';
import type { Logger } from '../log.js';
import type { SocketData } from './presence.js';
import type { TransportStore } from './transport-store.js';

export interface TogetherDeps {
  /** Length of the session's song in seconds (longest stem). */
  songDuration(sessionId: string): Promise<number>;
  /** Where the states live: this process's memory, or Redis shared by every process. */
  store: TransportStore;
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
 * The states are ephemeral (a song position) and live in a TransportStore: with several server
 * processes, Redis, where a compare-and-set orders commands arriving at different processes.
 * Every process must then run on a synchronized clock (NTP), as starts are anchored to it.
 */
export function attachTogether(io: Server, deps: TogetherDeps): void {
  const now = deps.now ?? serverClock;
  const leadMs = deps.leadMs ?? 400;
  const limit = deps.rateLimit ?? { perSecond: 8, burst: 16 };

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
      deps.store.get(sessionId).then(
        (state) => ack({ ok: true, state }),
        (err) => {
          deps.logger.error('transport: could not read the shared transport', err);
          ack({ ok: false, error: { code: 'internal', message: 'could not read the shared transport' } });
        },
      );
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
      // Applied to the stored state atomically: another command (here or in another process) may
      // have been applied since this one arrived.
      let next;
      try {
        next = await deps.store.update(sessionId, (current) =>
          applyTransportCommand(current, parsed.data, { nowMs: now(), leadMs, songDuration: duration, by: nameOf() }),
        );
      } catch (err) {
        if (err instanceof TransportCommandError) return reply({ ok: false, error: { code: 'bad_request', message: err.message } });
        deps.logger.error('transport: could not store the command', err);
        return reply({ ok: false, error: { code: 'internal', message: 'could not store the command' } });
      }
      io.to(room(sessionId)).emit(EVENTS.transportState, next);
      reply({ ok: true, state: next });
    };
  });
}
