// Seeded convergence fuzz: stock y-websocket clients editing the mix through MixModel and through
// raw Yjs operations (what MixModel would write, written by hand), on two server processes that
// share PostgreSQL and Redis (in one Node process here, each with its own rooms, sockets and Redis
// connections, like cluster.test.ts), with random disconnects, sockets cut mid-flight, reconnects
// to either process and role changes (artist → viewer → artist) while edits are in flight.
// Afterwards every replica, both servers and the database hold the same document, and every edit
// any client made is in it (a viewer's edits are refused and resent once it may edit again).
// A failure prints the seed; `MIXROOM_FUZZ_SEED=<seed>` replays that schedule alone.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CHANNEL_STRIP_PARAMS, MixModel, mulberry32, paramKey, sanitizeParamValue, type ChannelParamId } from '@mixroom/engine';
import {
  addMember, connectClient, createSession, fetchAs, postgres, SKIP_PG, signUp, startServer, waitFor,
  type TestDatabase, type TestServer, type TestUser,
} from '../test-support.js';

const REDIS_URL = process.env.MIXROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SKIP_REDIS = process.env.MIXROOM_SKIP_REDIS === '1';
const SEEDS = process.env.MIXROOM_FUZZ_SEED ? [Number(process.env.MIXROOM_FUZZ_SEED)] : [1, 2, 3].map(() => (Math.random() * 2 ** 31) >>> 0);
const STEPS = Number(process.env.MIXROOM_FUZZ_STEPS ?? 120);

/** Seeded (mulberry32), so a failing run names the seed that replays it. */
function rng(seed: number) {
  const next = mulberry32(seed);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

const CHANNELS = ['drums', 'bass', 'keys'];
const PARAMS: ChannelParamId[] = ['gain', 'pan', 'mute', 'send1.level', 'eq2.gain'];

describe.skipIf(SKIP_PG || SKIP_REDIS)('convergence fuzz over two processes (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let servers: TestServer[];
  let redis: Redis;
  const prefix = `mixroom-fuzz-${randomUUID().slice(0, 8)}:`;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect().catch((err: Error) => {
      throw new Error(`Redis at ${REDIS_URL} is unreachable (${err.message}); start it or set MIXROOM_SKIP_REDIS=1`);
    });
    database = await postgres.create();
    const config = { ...database.config, redisUrl: REDIS_URL, redisPrefix: prefix };
    const one = await startServer(config);
    const two = await startServer(config);
    servers = [one, two];
  });

  afterAll(async () => {
    for (const s of servers ?? []) await s.server.close();
    await database?.cleanup();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it.each(SEEDS.map((seed) => [seed]))('seed %i: every replica, both processes and the database converge; no edit is lost', async (seed) => {
    try {
      await runSchedule(seed);
    } catch (err) {
      (err as Error).message = `convergence fuzz failed with seed ${seed} (replay: MIXROOM_FUZZ_SEED=${seed}): ${(err as Error).message}`;
      console.error(`convergence fuzz: failing seed ${seed}`);
      throw err;
    }
  });

  async function runSchedule(seed: number) {
    const r = rng(seed);
    const [one] = servers;
    const owner = one.owner;
    const id = await createSession(one);
    const engineer = await signUp(one.url, 'Eng');
    const artist = await signUp(one.url, 'Artist');
    await addMember(one, id, engineer, 'engineer');
    await addMember(one, id, artist, 'artist');
    await one.server.rooms.edit(id, (d) => {
      const mix = new MixModel(d);
      for (const c of CHANNELS) mix.addChannel({ id: c, name: c[0].toUpperCase() + c.slice(1), stemId: `stem-${c}` });
    });
    const setRole = async (role: string) => {
      const res = await fetchAs(owner, `${one.url}/api/sessions/${id}/members/${artist.id}`, { method: 'PATCH', body: JSON.stringify({ role }) });
      expect(res.status).toBe(200);
    };

    interface Client { user: TestUser; raw: boolean; c: ReturnType<typeof connectClient>; model: MixModel; server: number; edits: number }
    const clients: Client[] = [];
    const connect = (user: TestUser, raw: boolean, server: number, doc = new Y.Doc()): Client['c'] => {
      const c = connectClient(servers[server].wsUrl, id, user, doc);
      return c;
    };
    const users: [TestUser, boolean][] = [[owner, false], [engineer, false], [engineer, true], [artist, false], [artist, true]];
    for (const [user, raw] of users) {
      const server = r.int(2);
      const c = connect(user, raw, server);
      clients.push({ user, raw, c, model: new MixModel(c.doc), server, edits: 0 });
    }
    await Promise.all(clients.map((cl) => cl.c.synced));
    let artistRole = 'artist';

    /** What MixModel's register writes, by hand: delete this writer's old entries for the key, append the new one. */
    const rawSet = (doc: Y.Doc, key: string, v: number) => {
      const params = doc.getMap<Y.Array<{ k: string; v: unknown; t: number }>>('params');
      doc.transact(() => {
        let mine = params.get(String(doc.clientID));
        if (!mine) params.set(String(doc.clientID), (mine = new Y.Array()));
        let maxT = 0;
        params.forEach((arr) => arr.forEach((e) => { if (e.t > maxT) maxT = e.t; }));
        params.forEach((arr) => {
          const items = arr.toArray();
          for (let i = items.length - 1; i >= 0; i--) if (items[i].k === key) arr.delete(i, 1);
        });
        mine.push([{ k: key, v, t: maxT + 1 }]);
      });
    };

    for (let step = 0; step < STEPS; step++) {
      const cl = r.pick(clients);
      const roll = r.next();
      if (roll < 0.6) {
        const ch = r.pick(CHANNELS);
        const param = r.pick(PARAMS);
        // Raw writers must write what MixModel would (anything else is refused, see shape.test.ts).
        const def = CHANNEL_STRIP_PARAMS[param];
        const value = sanitizeParamValue(def, Math.round((def.min + r.next() * (def.max - def.min)) * 100) / 100)!;
        if (cl.raw) rawSet(cl.c.doc, paramKey({ kind: 'channel', channelId: ch }, param), value);
        else if (r.next() < 0.1) cl.model.setDeliveryTarget(r.pick(['spotify', 'apple-music', 'youtube']));
        else cl.model.setChannelParam(ch, param, value);
        cl.edits++;
      } else if (roll < 0.66 && cl.user === owner) {
        cl.model.renameChannel(r.pick(CHANNELS), `Take ${step}`);
        cl.edits++;
      } else if (roll < 0.74) {
        cl.c.provider.disconnect();
      } else if (roll < 0.82) {
        // Cut the socket mid-flight: whatever it was sending is lost; y-websocket reconnects by itself.
        (cl.c.provider.ws as unknown as { terminate?: () => void } | null)?.terminate?.();
      } else if (roll < 0.92) {
        // Reconnect, possibly to the other process (same doc, same client id).
        cl.c.provider.destroy();
        cl.server = r.int(2);
        cl.c = connect(cl.user, cl.raw, cl.server, cl.c.doc);
      } else {
        artistRole = artistRole === 'artist' ? 'viewer' : 'artist';
        await setRole(artistRole);
      }
      if (r.next() < 0.3) await new Promise((res) => setTimeout(res, r.int(40)));
    }

    // Heal: the artist may edit again, everyone reconnects; what was refused or cut is resent.
    if (artistRole !== 'artist') await setRole('artist');
    for (const cl of clients) if (!cl.c.provider.wsconnected && !cl.c.provider.wsconnecting) cl.c.provider.connect();
    const rooms = async () => Promise.all(servers.map(async (s) => { await s.server.rooms.read(id, () => null); return (await s.server.rooms.peek(id))!.doc; }));
    const sv = (d: Y.Doc) => Buffer.from(Y.encodeStateVector(d)).toString('base64');
    const stateOf = (d: Y.Doc) => JSON.stringify(new MixModel(d).getState());
    const agree = async () => {
      const docs = [...clients.map((c) => c.c.doc), ...(await rooms())];
      return docs.every((d) => sv(d) === sv(docs[0]) && stateOf(d) === stateOf(docs[0]));
    };
    try {
      await waitFor(agree, 60_000, `every replica and both processes to agree (seed ${seed})`);
    } catch (err) {
      const show = (d: Y.Doc) => JSON.stringify([...Y.decodeStateVector(Y.encodeStateVector(d))]);
      for (const cl of clients) console.error(`client ${cl.c.doc.clientID} (${cl.user.name}${cl.raw ? ', raw' : ''}, server ${cl.server}, connected ${cl.c.provider.wsconnected}): ${show(cl.c.doc)}`);
      for (const d of await rooms()) console.error(`room: ${show(d)}`);
      throw err;
    }

    // Nothing any client wrote is missing: each replica's own clock is fully in the servers' doc.
    const [roomOne, roomTwo] = await rooms();
    for (const cl of clients) {
      const own = Y.getState(cl.c.doc.store, cl.c.doc.clientID);
      expect(Y.getState(roomOne.store, cl.c.doc.clientID), `edits of a ${cl.raw ? 'raw Yjs' : 'MixModel'} client (${cl.edits} made)`).toBe(own);
      expect(Y.getState(roomTwo.store, cl.c.doc.clientID)).toBe(own);
    }
    // The database holds the same document.
    await Promise.all(servers.map(async (s) => (await s.server.rooms.peek(id))!.flush()));
    const stored = new Y.Doc();
    for (const row of await one.server.db.prisma.docUpdate.findMany({ where: { sessionId: id }, orderBy: { id: 'asc' } })) Y.applyUpdate(stored, row.data);
    expect(sv(stored)).toBe(sv(roomOne));
    expect(stateOf(stored)).toBe(stateOf(roomOne));
    expect(clients.reduce((n, c) => n + c.edits, 0)).toBeGreaterThan(0);
    for (const cl of clients) cl.c.destroy();
  }
});
