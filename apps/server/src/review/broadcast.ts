// Live review events to everyone watching a session. Emitting through socket.io rooms keeps
// the multi-process seam where socket.io already has one: with an adapter such as
// @socket.io/redis-adapter installed on the server, `io.to(room)` reaches sockets in every process.
import { can, REVIEW_EVENTS, ReviewSubscribePayload, type ActivityInfo, type CommentInfo, type DeliveryProgress, type ReferenceInfo, type ReviewSettings, type ReviewSubscribeAck, type VersionInfo } from '@mixroom/protocol';
import type { Server, Socket } from 'socket.io';
import type { AccessControl, Actor } from '../auth/access.js';
import type { MembershipChanges } from '../auth/membership-changes.js';
import type { Logger } from '../log.js';

export interface ReviewBroadcaster {
  comment(sessionId: string, comment: CommentInfo): void;
  version(sessionId: string, version: VersionInfo | { id: string; deleted: true }): void;
  activity(sessionId: string, event: ActivityInfo): void;
  settings(sessionId: string, settings: ReviewSettings): void;
  delivery(sessionId: string, progress: DeliveryProgress): void;
  reference(sessionId: string, reference: ReferenceInfo | { id: string; deleted: true }): void;
}

const reviewRoom = (sessionId: string) => `review:${sessionId}`;

export function socketIoBroadcaster(io: Server): ReviewBroadcaster {
  const emit = (sessionId: string, event: string, payload: unknown) => io.to(reviewRoom(sessionId)).emit(event, payload);
  return {
    comment: (s, c) => emit(s, REVIEW_EVENTS.comment, c),
    version: (s, v) => emit(s, REVIEW_EVENTS.version, v),
    activity: (s, e) => emit(s, REVIEW_EVENTS.activity, e),
    settings: (s, x) => emit(s, REVIEW_EVENTS.settings, x),
    delivery: (s, p) => emit(s, REVIEW_EVENTS.delivery, p),
    reference: (s, r) => emit(s, REVIEW_EVENTS.reference, r),
  };
}

/**
 * `review:subscribe` puts a socket in a session's review room after checking, with the
 * identity the connection was authenticated with (`socket.data.actor`), that it may view the session.
 */
export function attachReviewSubscriptions(io: Server, access: AccessControl, changes: MembershipChanges, logger: Logger): void {
  // A removed member stops receiving the session's review events at once (each process acts
  // on its own sockets; the change itself reaches every process through MembershipChanges).
  changes.subscribe(({ sessionId, userId, role }) => {
    if (can(role, 'session.view')) return;
    for (const socket of io.sockets.sockets.values()) {
      if ((socket.data as { actor?: Actor | null }).actor?.userId === userId) void socket.leave(reviewRoom(sessionId));
    }
  });
  io.on('connection', (socket: Socket) => {
    socket.on(REVIEW_EVENTS.subscribe, async (payload: unknown, ack?: (a: ReviewSubscribeAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const parsed = ReviewSubscribePayload.safeParse(payload);
      if (!parsed.success) return reply({ ok: false, error: { code: 'bad_request', message: 'invalid session id' } });
      const actor = (socket.data as { actor?: Actor | null }).actor;
      if (!actor) return reply({ ok: false, error: { code: 'unauthorized', message: 'sign in first' } });
      try {
        const role = await access.roleIn(actor.userId, parsed.data.sessionId);
        if (!can(role, 'session.view')) return reply({ ok: false, error: { code: 'not_found', message: `unknown session ${parsed.data.sessionId}` } });
        await socket.join(reviewRoom(parsed.data.sessionId));
        reply({ ok: true });
      } catch (err) {
        logger.error('review subscribe failed', err);
        reply({ ok: false, error: { code: 'internal', message: 'could not subscribe' } });
      }
    });
  });
}
