// Talkback signalling with real sockets: who may enter the voice, who may send audio, where a
// message may go, malformed and oversized payloads, and a relay between two server processes that
// share only PostgreSQL and Redis (as cluster.test.ts).
import { randomUUID } from 'node:crypto';
import {
  EVENTS, sdpSendsAudio, TALK_EVENTS, TALK_LIMITS, TALK_MAX_PEERS,
  type JoinAck, type TalkJoinAck, type TalkLeftPayload, type TalkSignalAck, type TalkSignalMessage,
} from '@mixroom/protocol';
import { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember, connectIo, createSession, pglite, postgres, signUp, SKIP_PG, startServer, waitFor, type TestServer, type TestUser,
} from '../test-support.js';

const SENDING = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\n';
const LISTENING = SENDING.replace('a=sendrecv', 'a=recvonly');

describe('sdpSendsAudio', () => {
  it('reads the direction of each audio section', () => {
    expect(sdpSendsAudio(SENDING)).toBe(true);
    expect(sdpSendsAudio(SENDING.replace('a=sendrecv', 'a=sendonly'))).toBe(true);
    expect(sdpSendsAudio(LISTENING)).toBe(false);
    expect(sdpSendsAudio(SENDING.replace('a=sendrecv', 'a=inactive'))).toBe(false);
    // No direction attribute means sendrecv; a rejected section (port 0) sends nothing.
    expect(sdpSendsAudio(SENDING.replace('a=sendrecv\r\n', ''))).toBe(true);
    expect(sdpSendsAudio(SENDING.replace('m=audio 9', 'm=audio 0'))).toBe(false);
    // A second audio section that sends is found behind a listening one.
    expect(sdpSendsAudio(`${LISTENING}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=sendonly\r\n`)).toBe(true);
  });
});

/** A socket.io client in a session, optionally in its voice, recording what it hears. */
async function member(s: TestServer, user: TestUser, sessionId: string, name: string, voice = true) {
  const sock = connectIo(s.url, user);
  await new Promise<void>((resolve, reject) => { sock.once('connect', () => resolve()); sock.once('connect_error', reject); });
  const heard: TalkSignalMessage[] = [];
  const left: string[] = [];
  sock.on(TALK_EVENTS.incoming, (m: TalkSignalMessage) => heard.push(m));
  sock.on(TALK_EVENTS.left, (p: TalkLeftPayload) => left.push(p.peerId));
  const joined = (await sock.timeout(5000).emitWithAck(EVENTS.join, { sessionId, name, color: '#336699' })) as JoinAck;
  let talk: TalkJoinAck | null = null;
  if (joined.ok && voice) talk = (await sock.timeout(5000).emitWithAck(TALK_EVENTS.join, null)) as TalkJoinAck;
  const signal = (payload: unknown) => sock.timeout(5000).emitWithAck(TALK_EVENTS.signal, payload) as Promise<TalkSignalAck>;
  return { sock, heard, left, joined, talk, signal };
}
const settle = () => new Promise((r) => setTimeout(r, 150));

describe('talkback signalling (one process)', () => {
  let s: TestServer;
  let cleanup: () => Promise<void>;
  let sessionId: string;
  let otherSession: string;
  const users: Record<string, TestUser> = {};
  const sockets: Socket[] = [];
  const join = async (...args: Parameters<typeof member>) => {
    const m = await member(...args);
    sockets.push(m.sock);
    return m;
  };

  beforeAll(async () => {
    const db = await pglite.create();
    cleanup = db.cleanup;
    s = await startServer(db.config);
    sessionId = await createSession(s, 'Talk');
    otherSession = await createSession(s, 'Elsewhere');
    for (const role of ['engineer', 'artist', 'viewer'] as const) {
      users[role] = await signUp(s.url, role);
      await addMember(s, sessionId, users[role], role);
    }
    users.outsider = await signUp(s.url, 'Outsider');
    users.elsewhere = await signUp(s.url, 'Elsewhere');
    await addMember(s, otherSession, users.elsewhere, 'engineer');
  });
  afterAll(async () => {
    for (const sock of sockets) sock.disconnect();
    await s?.server.close();
    await cleanup?.();
  });

  it('relays offer, answer and ICE between two members, naming the sender', async () => {
    const ana = await join(s, s.owner, sessionId, 'Ana');
    const ben = await join(s, users.engineer, sessionId, 'Ben');
    expect(ana.talk).toMatchObject({ ok: true, canTalk: true, peers: [] });
    expect(ben.talk).toMatchObject({ ok: true, canTalk: true, peers: [{ peerId: ana.sock.id, name: 'Ana', canTalk: true }] });
    expect(await ben.signal({ to: ana.sock.id, kind: 'offer', sdp: SENDING })).toEqual({ ok: true });
    await waitFor(() => ana.heard.length === 1);
    expect(ana.heard[0]).toEqual({ kind: 'offer', sdp: SENDING, from: ben.sock.id, name: 'Ben' });
    expect(await ana.signal({ to: ben.sock.id, kind: 'answer', sdp: SENDING })).toEqual({ ok: true });
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    expect(await ana.signal({ to: ben.sock.id, kind: 'ice', candidate })).toEqual({ ok: true });
    await waitFor(() => ben.heard.length === 2);
    expect(ben.heard.map((m) => m.kind)).toEqual(['answer', 'ice']);
    expect(ben.heard[1].candidate).toEqual(candidate);
    // Leaving the voice tells the others; signalling to the one who left reaches nobody.
    ana.sock.emit(TALK_EVENTS.leave);
    await waitFor(() => ben.left.includes(ana.sock.id!));
    expect(await ana.signal({ to: ben.sock.id, kind: 'hangup' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    ana.sock.disconnect();
    ben.sock.disconnect();
  });

  it('a viewer listens but may not send audio', async () => {
    const owner = await join(s, s.owner, sessionId, 'Owner');
    const viewer = await join(s, users.viewer, sessionId, 'Vic');
    expect(viewer.talk).toMatchObject({ ok: true, canTalk: false });
    // The owner's talking offer reaches the viewer; the viewer's listening answer reaches the owner.
    expect(await owner.signal({ to: viewer.sock.id, kind: 'offer', sdp: SENDING })).toEqual({ ok: true });
    await waitFor(() => viewer.heard.length === 1);
    expect(await viewer.signal({ to: owner.sock.id, kind: 'answer', sdp: LISTENING })).toEqual({ ok: true });
    await waitFor(() => owner.heard.length === 1);
    // An answer or offer that would send the viewer's voice is refused, in words, and not relayed.
    const refused = await viewer.signal({ to: owner.sock.id, kind: 'answer', sdp: SENDING });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/may listen but not talk/);
    expect(await viewer.signal({ to: owner.sock.id, kind: 'offer', sdp: SENDING.replace('a=sendrecv', 'a=sendonly') })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await settle();
    expect(owner.heard).toHaveLength(1);
    owner.sock.disconnect();
    viewer.sock.disconnect();
  });

  it('a non-member gets no signalling and cannot send any', async () => {
    const owner = await join(s, s.owner, sessionId, 'Owner');
    const outsider = await join(s, users.outsider, sessionId, 'Outsider');
    expect(outsider.joined.ok).toBe(false);
    // Not in the session: talk:join and signalling are refused …
    expect(((await outsider.sock.timeout(5000).emitWithAck(TALK_EVENTS.join, null)) as TalkJoinAck)).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    expect(await outsider.signal({ to: owner.sock.id, kind: 'offer', sdp: SENDING })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    // … a member addressing the outsider's socket reaches nothing …
    expect(await owner.signal({ to: outsider.sock.id, kind: 'offer', sdp: SENDING })).toEqual({ ok: true });
    // … and a member of another session, in that session's voice, cannot reach this one's.
    const elsewhere = await join(s, users.elsewhere, otherSession, 'Eli');
    expect(elsewhere.talk?.ok).toBe(true);
    expect(await elsewhere.signal({ to: owner.sock.id, kind: 'offer', sdp: SENDING })).toEqual({ ok: true });
    expect(await owner.signal({ to: elsewhere.sock.id, kind: 'offer', sdp: SENDING })).toEqual({ ok: true });
    await settle();
    expect(outsider.heard).toEqual([]);
    expect(owner.heard).toEqual([]);
    expect(elsewhere.heard).toEqual([]);
    // A member who joined the session but not its voice hears nothing either.
    const quiet = await join(s, users.artist, sessionId, 'Quiet', false);
    expect(await owner.signal({ to: quiet.sock.id, kind: 'offer', sdp: SENDING })).toEqual({ ok: true });
    await settle();
    expect(quiet.heard).toEqual([]);
    for (const m of [owner, outsider, elsewhere, quiet]) m.sock.disconnect();
  });

  it('refuses malformed and oversized payloads with a plain-word reason', async () => {
    const ana = await join(s, s.owner, sessionId, 'Ana');
    const ben = await join(s, users.artist, sessionId, 'Ben');
    const cases: [unknown, RegExp][] = [
      [null, /expected object/i],
      [{ to: ben.sock.id, kind: 'shout' }, /kind must be offer, answer, ice or hangup/],
      [{ to: ben.sock.id, kind: 'offer' }, /sdp/],
      [{ to: ben.sock.id, kind: 'offer', sdp: 'hello' }, /not SDP/],
      [{ to: ben.sock.id, kind: 'offer', sdp: SENDING + 'a=x\r\n'.repeat(TALK_LIMITS.maxSdpChars / 5) }, /longer than 16384 characters/],
      [{ to: ben.sock.id, kind: 'ice', candidate: { candidate: 'x'.repeat(2000) } }, /ICE candidate is longer than 1024/],
      [{ to: ben.sock.id, kind: 'hangup', extra: 1 }, /unrecognized key/i],
      [{ to: ana.sock.id, kind: 'hangup' }, /yourself/],
    ];
    for (const [payload, reason] of cases) {
      const ack = await ana.signal(payload);
      expect(ack.ok, JSON.stringify(payload).slice(0, 80)).toBe(false);
      if (!ack.ok) {
        expect(ack.error.code).toBe('bad_request');
        expect(ack.error.message).toMatch(reason);
      }
    }
    await settle();
    expect(ben.heard).toEqual([]);
    ana.sock.disconnect();
    ben.sock.disconnect();
  });

  it(`holds at most ${TALK_MAX_PEERS} people in one voice`, async () => {
    const session = await createSession(s, 'Crowd');
    const people = [];
    for (let i = 0; i < TALK_MAX_PEERS; i++) people.push(await join(s, s.owner, session, `P${i}`));
    expect(people.every((p) => p.talk?.ok)).toBe(true);
    const extra = await join(s, s.owner, session, 'Seventh');
    expect(extra.talk).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // Someone leaving makes room.
    people[0].sock.disconnect();
    await waitFor(async () => ((await extra.sock.timeout(5000).emitWithAck(TALK_EVENTS.join, null)) as TalkJoinAck).ok);
    for (const p of [...people, extra]) p.sock.disconnect();
  });
});

const REDIS_URL = process.env.MIXROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
describe.skipIf(SKIP_PG || process.env.MIXROOM_SKIP_REDIS === '1')('talkback signalling across two server processes', () => {
  let one: TestServer;
  let two: TestServer;
  let redis: Redis;
  let cleanup: () => Promise<void>;
  const prefix = `mixroom-talk-${randomUUID().slice(0, 8)}:`;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const database = await postgres.create();
    cleanup = database.cleanup;
    const config = { ...database.config, redisUrl: REDIS_URL, redisPrefix: prefix };
    one = await startServer(config);
    two = await startServer(config);
  });
  afterAll(async () => {
    await one?.server.close();
    await two?.server.close();
    await cleanup?.();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('relays to a peer connected to the other process, and only within the session', async () => {
    const sessionId = await createSession(one, 'Two processes');
    const viewer = await signUp(one.url, 'Viewer');
    await addMember(one, sessionId, viewer, 'viewer');
    const ana = await member(one, one.owner, sessionId, 'Ana');
    const vic = await member(two, viewer, sessionId, 'Vic');
    try {
      // The roster spans both processes, with each one's role.
      expect(vic.talk).toMatchObject({ ok: true, canTalk: false, peers: [{ peerId: ana.sock.id, name: 'Ana', canTalk: true }] });
      expect(await ana.signal({ to: vic.sock.id, kind: 'offer', sdp: SENDING })).toEqual({ ok: true });
      await waitFor(() => vic.heard.length === 1);
      expect(vic.heard[0]).toMatchObject({ kind: 'offer', from: ana.sock.id, name: 'Ana' });
      expect(await vic.signal({ to: ana.sock.id, kind: 'answer', sdp: LISTENING })).toEqual({ ok: true });
      await waitFor(() => ana.heard.length === 1);
      expect(await vic.signal({ to: ana.sock.id, kind: 'answer', sdp: SENDING })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      // Leaving the session on one process is heard on the other.
      vic.sock.emit(EVENTS.leave);
      await waitFor(() => ana.left.includes(vic.sock.id!));
      expect(await ana.signal({ to: vic.sock.id, kind: 'offer', sdp: SENDING })).toEqual({ ok: true });
      await settle();
      expect(vic.heard).toHaveLength(1);
    } finally {
      ana.sock.disconnect();
      vic.sock.disconnect();
    }
  });
});
