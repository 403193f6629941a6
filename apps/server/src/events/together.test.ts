import { EVENTS, type ClockPong, type JoinAck, type SharedTransportStateMessage, type TransportAck } from '@mixroom/protocol';
import { ClockSync, positionAt } from '@mixroom/engine';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectIo, createSession, pglite, startServer, waitFor } from '../test-support.js';

// The transport logic does not touch the database beyond the song length, so PGlite suffices here;
// the database suites cover PostgreSQL.
describe('Listen together over socket.io', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let sessionId: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const db = await pglite.create();
    cleanup = db.cleanup;
    s = await startServer(db.config);
    sessionId = await createSession(s, 'Together');
    await s.server.db.prisma.stem.create({
      data: { id: 'st1', sessionId, name: 'Drums', fileHash: 'a'.repeat(64), fileName: 'd.wav', mimeType: 'audio/wav', sizeBytes: 1, sampleRate: 48000, channels: 2, durationSec: 60, position: 0 },
    });
  });
  afterAll(async () => {
    for (const sock of sockets) sock.disconnect();
    await s?.server.close();
    await cleanup?.();
  });

  async function client(name: string, join = true) {
    const sock = connectIo(s.url, s.owner);
    sockets.push(sock);
    const states: SharedTransportStateMessage[] = [];
    sock.on(EVENTS.transportState, (st: SharedTransportStateMessage) => states.push(st));
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    if (join) {
      const ack = (await sock.timeout(5000).emitWithAck(EVENTS.join, { sessionId, name, color: '#336699' })) as JoinAck;
      expect(ack.ok).toBe(true);
    }
    const command = (payload: unknown) => sock.timeout(5000).emitWithAck(EVENTS.transportCommand, payload) as Promise<TransportAck>;
    return { sock, states, command };
  }

  it('answers clock pings so a client can estimate the offset to the server clock', async () => {
    const { sock } = await client('Pinger', false);
    const sync = new ClockSync();
    for (let i = 0; i < 8; i++) {
      const clientSendMs = performance.timeOrigin + performance.now();
      const pong = (await sock.timeout(5000).emitWithAck(EVENTS.clockPing, { clientSendMs })) as ClockPong;
      sync.addSample({ clientSendMs, serverMs: pong.serverMs, clientReceiveMs: performance.timeOrigin + performance.now() });
    }
    // Same process, same clock: the true offset is 0; loopback round trips bound the error.
    expect(Math.abs(sync.offsetMs)).toBeLessThanOrEqual(sync.uncertaintyMs + 0.5);
    expect(sync.uncertaintyMs).toBeLessThan(20);
  });

  it('orders commands, applies each once and sends the same states to everyone', async () => {
    const ana = await client('Ana');
    const ben = await client('Ben');
    const play = await ana.command({ kind: 'play', position: 10 });
    expect(play.ok).toBe(true);
    const seek = await ben.command({ kind: 'seek', position: 30 });
    const pause = await ana.command({ kind: 'pause' });
    expect(seek.ok && pause.ok).toBe(true);
    await waitFor(() => ana.states.length >= 3 && ben.states.length >= 3, 5000, 'three states at both clients');
    expect(ana.states.map((x) => x.seq)).toEqual(ben.states.map((x) => x.seq));
    expect(new Set(ana.states.map((x) => x.seq)).size).toBe(ana.states.length);
    expect(ana.states.map((x) => x.lastAction?.kind)).toEqual(['play', 'seek', 'pause']);
    expect(ana.states[0].lastAction).toMatchObject({ by: 'Ana', position: 10 });
    expect(ana.states[1].lastAction).toMatchObject({ by: 'Ben', position: 30 });
    // The start is scheduled in the future on the server clock, so everyone can start together.
    expect(ana.states[0].anchorServerMs).toBeGreaterThan(performance.timeOrigin + performance.now() - 5000);
    const paused = ana.states[2];
    expect(paused.playing).toBe(false);
    expect(paused.position).toBeGreaterThanOrEqual(30);
    expect(paused.position).toBeLessThan(31);
  });

  it('gives a late joiner the current transport', async () => {
    const ana = await client('Ana');
    const played = await ana.command({ kind: 'play', position: 42 });
    expect(played.ok).toBe(true);
    const late = await client('Late');
    const got = (await late.sock.timeout(5000).emitWithAck(EVENTS.transportGet, {})) as TransportAck;
    expect(got.ok).toBe(true);
    if (!got.ok || !played.ok) return;
    expect(got.state.seq).toBe(played.state.seq);
    expect(positionAt(got.state, got.state.anchorServerMs + 1000, 60)).toBeCloseTo(43, 5);
  });

  it('rejects commands from sockets that joined no session, positions outside the song and garbage', async () => {
    const outsider = await client('Outsider', false);
    const notJoined = await outsider.command({ kind: 'play', position: 1 });
    expect(notJoined).toMatchObject({ ok: false, error: { code: 'not_joined' } });

    const ana = await client('Ana');
    const before = (await ana.sock.timeout(5000).emitWithAck(EVENTS.transportGet, {})) as TransportAck;
    for (const bad of [{ kind: 'seek', position: 61 }, { kind: 'seek', position: -1 }, { kind: 'warp' }, 'play', { kind: 'seek', position: 'x' }]) {
      const r = await ana.command(bad);
      expect(r).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    const after = (await ana.sock.timeout(5000).emitWithAck(EVENTS.transportGet, {})) as TransportAck;
    expect(after.ok && before.ok && after.state.seq).toBe(before.ok && before.state.seq);
  });

  it('rate-limits a flood of seeks without desynchronizing anyone', async () => {
    const flooder = await client('Flooder');
    const watcher = await client('Watcher');
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => flooder.command({ kind: 'seek', position: i / 2 })));
    const accepted = results.filter((r) => r.ok);
    const limited = results.filter((r) => !r.ok && r.error.code === 'rate_limited');
    expect(limited.length).toBeGreaterThan(30);
    expect(accepted.length).toBeGreaterThan(0);
    // Everyone ends on the same, last accepted state.
    const last = accepted[accepted.length - 1];
    if (!last.ok) return;
    await waitFor(() => watcher.states.at(-1)?.seq === last.state.seq, 5000, 'watcher reaches the last accepted state');
    expect(flooder.states.at(-1)).toEqual(watcher.states.at(-1));
    expect(watcher.states.length).toBe(accepted.length);
  });
});
