import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { can, checkProtocolVersion, PROTOCOL_VERSION_PARAM, SessionId, WS_CLOSE, YJS_LIMITS, YJS_WS_PATH, type Role } from '@mixroom/protocol';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { AccessControl } from '../auth/access.js';
import { isForeignOrigin } from '../auth/csrf.js';
import type { MembershipChanges } from '../auth/membership-changes.js';
import { SIGN_IN_END_MESSAGES, type SignInWatch } from '../auth/sign-in-watch.js';
import type { Logger } from '../log.js';
import { MalformedMessageError, parseClientMessage, RefusedUpdateError } from './messages.js';
import type { Room, SyncConnection } from './room.js';
import { UnknownSessionError, type RoomManager } from './room-manager.js';

export interface YjsWebsocketOptions {
  /** A connection that misses one pong within this interval is terminated. */
  pingIntervalMs?: number;
  /** Frames above this are refused by `ws` before they are buffered (close 1009); default 4 × maxUpdateBytes. */
  maxPayloadBytes?: number;
  /** See RoomOptions.maxUpdateBytes. */
  maxUpdateBytes?: number;
  /** See Config.trustProxy: decides which Origin counts as our own. */
  trustProxy?: boolean;
}

/** WebSocket close reasons are limited to 123 UTF-8 bytes. */
const reason = (s: string) => (Buffer.byteLength(s) <= 123 ? s : Buffer.from(s).subarray(0, 120).toString() + '…');

/** Speaks the y-websocket protocol on `/yjs/<sessionId>`, on an http server we do not own. */
export class YjsWebsocketServer {
  private readonly wss: WebSocketServer;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly alive = new WeakMap<WebSocket, boolean>();
  /** Open connections by user, so a membership change reaches them at once. */
  private readonly byUser = new Map<string, Set<{ ws: WebSocket; conn: SyncConnection; sessionId: string }>>();
  private readonly unsubscribeChanges: () => void;

  constructor(
    private readonly rooms: RoomManager,
    private readonly logger: Logger,
    private readonly access: AccessControl,
    changes: MembershipChanges,
    /** Ends connections whose sign-in is signed out or expires (identity is not only a handshake check). */
    private readonly signIns: SignInWatch | null,
    private readonly options: YjsWebsocketOptions = {},
  ) {
    // Updates up to 4× the limit are read and answered with 4413 and a reason; beyond that `ws`
    // stops reading the frame at once (1009), so a 15 MB frame costs neither memory nor CPU.
    const maxPayload = options.maxPayloadBytes ?? 4 * (options.maxUpdateBytes ?? YJS_LIMITS.maxUpdateBytes);
    this.wss = new WebSocketServer({ noServer: true, maxPayload });
    this.pingTimer = setInterval(() => this.ping(), options.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
    this.unsubscribeChanges = changes.subscribe(({ sessionId, userId, role, sessionDeleted }) => {
      for (const entry of this.byUser.get(userId) ?? []) {
        if (entry.sessionId !== sessionId) continue;
        if (!role) entry.ws.close(WS_CLOSE.removed, sessionDeleted ? 'this session was deleted' : 'you were removed from this session');
        else applyRole(entry.conn, role);
      }
    });
  }

  /** Returns false when the request is not ours (so socket.io or others may take it). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (!pathname.startsWith(YJS_WS_PATH + '/')) return false;
    // A cross-site page must not open the user's session with their cookie.
    if (isForeignOrigin(req, this.options.trustProxy ?? false)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    let rawId: string;
    try {
      rawId = decodeURIComponent(pathname.slice(YJS_WS_PATH.length + 1));
    } catch {
      rawId = pathname.slice(YJS_WS_PATH.length + 1);
    }
    // Accept first, then close with a code: browsers expose close codes to the page, not HTTP statuses.
    const mismatch = checkProtocolVersion(new URL(req.url ?? '/', 'http://x').searchParams.get(PROTOCOL_VERSION_PARAM) ?? undefined);
    if (mismatch) {
      this.logger.info(`refused a Yjs client of protocol ${mismatch.clientVersion} (server: ${mismatch.serverVersion})`);
      this.wss.handleUpgrade(req, socket, head, (ws) => ws.close(WS_CLOSE.protocolMismatch, reason(mismatch.message)));
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.authorize(req, ws, rawId));
    return true;
  }

  private authorize(req: IncomingMessage, ws: WebSocket, rawId: string): void {
    // Buffer what arrives while we check; onConnection replays it in order.
    const early: [RawData, boolean][] = [];
    const hold = (data: RawData, isBinary: boolean) => early.push([data, isBinary]);
    ws.on('message', hold);
    ws.on('error', () => {});
    void (async () => {
      const actor = await this.access.identify(req);
      if (!actor) return ws.close(WS_CLOSE.unauthorized, 'sign in first');
      const parsed = SessionId.safeParse(rawId);
      const role = parsed.success ? await this.access.roleIn(actor.userId, parsed.data) : null;
      // Non-members hear the same as for a session that does not exist.
      if (!role || !can(role, 'session.view')) return ws.close(WS_CLOSE.unknownSession, reason(`unknown session ${rawId}`));
      if (ws.readyState !== WebSocket.OPEN) return;
      if (actor.signIn && this.signIns) {
        const unwatch = this.signIns.watch(actor.signIn, (why) => ws.close(WS_CLOSE.unauthorized, SIGN_IN_END_MESSAGES[why]));
        ws.once('close', unwatch);
      }
      ws.off('message', hold);
      this.onConnection(ws, parsed.data!, actor.userId, role);
      for (const [data, isBinary] of early) ws.emit('message', data, isBinary);
    })().catch((err) => {
      this.logger.error(`yjs authorization failed (session ${rawId})`, err);
      ws.close(1011, 'internal error checking access');
    });
  }

  private onConnection(ws: WebSocket, rawId: string, userId: string, role: Role): void {
    ws.binaryType = 'nodebuffer';
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('error', (err) => this.logger.warn(`yjs socket error (session ${rawId})`, err.message));

    const parsed = SessionId.safeParse(rawId);
    if (!parsed.success) {
      ws.close(WS_CLOSE.unknownSession, reason(`unknown session ${rawId}`));
      return;
    }
    const sessionId = parsed.data;
    // Every accepted update goes to each peer at once, and under load many land in one turn of the
    // event loop: corking the socket until the turn ends sends them in one write instead of one
    // syscall each (writev was the largest single cost in bench:soak's server profile). Order and
    // delivery are unchanged; a message waits at most for the current turn to finish.
    const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    let corked = false;
    const uncork = () => {
      corked = false;
      socket!.uncork();
    };
    const conn: SyncConnection = {
      userId,
      send: (data) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (socket && !corked) {
          corked = true;
          socket.cork();
          setImmediate(uncork);
        }
        ws.send(data, (err) => {
          if (err) ws.terminate();
        });
      },
    };
    applyRole(conn, role);
    const entry = { ws, conn, sessionId };
    let mine = this.byUser.get(userId);
    if (!mine) this.byUser.set(userId, (mine = new Set()));
    mine.add(entry);

    // Messages may arrive while the room loads; chaining each on the join keeps their order.
    const joined: Promise<Room | null> = this.rooms.join(sessionId, conn).then(
      (room) => {
        if (ws.readyState !== WebSocket.OPEN) {
          this.rooms.leave(room, conn);
          return null;
        }
        return room;
      },
      (err) => {
        if (err instanceof UnknownSessionError) {
          ws.close(WS_CLOSE.unknownSession, reason(err.message));
        } else {
          this.logger.error(`could not load session ${sessionId}`, err);
          ws.close(1011, 'internal error loading session');
        }
        return null;
      },
    );

    // Once joined, a message is handled as it arrives; until then (and while messages chained on
    // the join are still queued) it waits on the join, so the order holds. Not chaining every
    // message on the promise saves an allocation and a microtask per message.
    let room: Room | null | undefined;
    let waiting = 0;
    void joined.then((r) => {
      room = r;
    });
    const handle = (data: RawData, isBinary: boolean) => {
      if (!room || ws.readyState !== WebSocket.OPEN) return;
      try {
        if (!isBinary) throw new MalformedMessageError('text frames are not part of the protocol');
        room.handle(conn, parseClientMessage(toBytes(data)));
      } catch (err) {
        if (err instanceof RefusedUpdateError) {
          this.logger.warn(`refused a Yjs update of user ${userId} in session ${sessionId} (${err.code}): ${err.message}`);
          ws.close(err.code, reason(err.message));
          return;
        }
        if (!(err instanceof MalformedMessageError)) this.logger.error(`unexpected error handling a message in session ${sessionId}`, err);
        const msg = err instanceof MalformedMessageError ? err.message : 'internal error';
        this.logger.warn(`closing yjs connection in session ${sessionId}: ${msg}`);
        ws.close(err instanceof MalformedMessageError ? WS_CLOSE.malformed : 1011, reason(msg));
      }
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (room !== undefined && waiting === 0) return handle(data, isBinary);
      waiting++;
      void joined.then(() => {
        waiting--;
        handle(data, isBinary);
      });
    });

    ws.on('close', () => {
      mine.delete(entry);
      if (mine.size === 0) this.byUser.delete(userId);
      void joined.then((joinedRoom) => {
        if (joinedRoom && joinedRoom.conns.has(conn)) this.rooms.leave(joinedRoom, conn);
      });
    });
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  get connectionCount(): number {
    return this.wss.clients.size;
  }

  /** Closes every connection with 1001 and waits until they are gone. */
  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    this.unsubscribeChanges();
    const closing = [...this.wss.clients].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(WS_CLOSE.goingAway, 'server shutting down');
          // A peer that never answers the close handshake must not hold up shutdown.
          setTimeout(() => ws.terminate(), 1000).unref();
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function applyRole(conn: SyncConnection, role: Role): void {
  conn.readOnly = !can(role, 'mix.edit');
  conn.mayManageStems = can(role, 'stems.manage');
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
