// A page loaded before the server was updated speaks an older PROTOCOL_VERSION: the server must
// refuse its connections with a reason the page can act on ("please reload"), not let it retry
// for ever against events and documents it no longer understands. Real sockets, real server.
import {
  EVENTS, PROTOCOL_MISMATCH_MESSAGE, PROTOCOL_VERSION, PROTOCOL_VERSION_PARAM, protocolMismatchOf, WS_CLOSE,
  type HandshakeAuth, type JoinAck, type ProtocolMismatch,
} from '@mixroom/protocol';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { createSession, pglite, rawSocket, startServer, webSocketWithCookie, type TestDatabase, type TestServer, type TestUser } from '../test-support.js';

// The check happens before any database work, so one database kind is enough.
describe('PROTOCOL_VERSION at connect', () => {
  let database: TestDatabase;
  let s: TestServer;
  let sessionId: string;
  beforeAll(async () => {
    database = await pglite.create();
    s = await startServer(database.config);
    sessionId = await createSession(s, 'Versions');
  });
  afterAll(async () => {
    await s?.server.close();
    await database?.cleanup();
  });

  const connectIo = (user: TestUser, auth?: HandshakeAuth) =>
    ioClient(s.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie: user.cookie }, ...(auth ? { auth: { ...auth } } : {}) });
  const outcome = (io: Socket) =>
    new Promise<{ connected: true } | { connected: false; error: Error }>((resolve) => {
      io.once('connect', () => resolve({ connected: true }));
      io.once('connect_error', (error) => resolve({ connected: false, error }));
    });

  it('socket.io: a client of another version is refused with a typed protocol_mismatch reason', async () => {
    for (const version of [PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1]) {
      const io = connectIo(s.owner, { protocolVersion: version });
      const result = await outcome(io);
      io.disconnect();
      expect(result.connected).toBe(false);
      if (result.connected) continue;
      expect(result.error.message).toBe(PROTOCOL_MISMATCH_MESSAGE);
      const expected: ProtocolMismatch = { code: 'protocol_mismatch', serverVersion: PROTOCOL_VERSION, clientVersion: version, message: PROTOCOL_MISMATCH_MESSAGE };
      expect(protocolMismatchOf(result.error)).toEqual(expected);
    }
  });

  it('socket.io: the right version connects and joins the session', async () => {
    const io = connectIo(s.owner, { protocolVersion: PROTOCOL_VERSION });
    expect(await outcome(io)).toEqual({ connected: true });
    const ack = await new Promise<JoinAck>((resolve) => io.emit(EVENTS.join, { sessionId, name: 'Owner', color: '#336699' }, resolve));
    io.disconnect();
    expect(ack.ok).toBe(true);
  });

  it('socket.io: a wrong version is refused before the sign-in is even looked at; other refusals are not mistaken for it', async () => {
    const anonymous = ioClient(s.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { protocolVersion: PROTOCOL_VERSION + 1 } });
    const refused = await outcome(anonymous);
    anonymous.disconnect();
    expect(!refused.connected && protocolMismatchOf(refused.error)?.code).toBe('protocol_mismatch');

    const signedOut = ioClient(s.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { protocolVersion: PROTOCOL_VERSION } });
    const other = await outcome(signedOut);
    signedOut.disconnect();
    expect(other.connected).toBe(false);
    expect(!other.connected && protocolMismatchOf(other.error)).toBeNull();
  });

  it('Yjs: another ?v= is closed with 4426 and the reload message; the right one syncs the mix', async () => {
    const wrong = rawSocket(`${s.wsUrl}/${sessionId}?${PROTOCOL_VERSION_PARAM}=${PROTOCOL_VERSION + 1}`, s.owner);
    wrong.ws.on('error', () => {});
    const stillOpen = new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5000));
    expect(await Promise.race([wrong.closed, stillOpen])).toEqual({ code: WS_CLOSE.protocolMismatch, reason: PROTOCOL_MISMATCH_MESSAGE });
    wrong.ws.terminate();
    expect(wrong.messages).toHaveLength(0);

    const doc = new Y.Doc();
    const provider = new WebsocketProvider(s.wsUrl, sessionId, doc, {
      WebSocketPolyfill: webSocketWithCookie(s.owner.cookie) as never,
      disableBc: true,
      params: { [PROTOCOL_VERSION_PARAM]: String(PROTOCOL_VERSION) },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('not synced within 10 s')), 10_000);
        provider.on('sync', (synced: boolean) => synced && (clearTimeout(timer), resolve()));
      });
      expect(provider.wsconnected).toBe(true);
    } finally {
      provider.destroy();
      doc.destroy();
    }
  });
});
