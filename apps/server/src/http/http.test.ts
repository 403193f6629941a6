import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EVENTS, STEM_RANGES_HEADER, STEM_RANGES_MAX_PART_BYTES, type GetSessionResponse, type JoinAck, type ListSessionsResponse, type Presence } from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LocalBlobStore } from '../blob/local-blob-store.js';
import { seedDemoSession, type SeedEngine } from '../seed.js';
import { assertPostgresReachable, connectIo, cookieFrom, createSession, databaseKinds, fetchAs, quietLogger, signUp, SKIP_PG, startServer, waitFor } from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

describe.each(databaseKinds)('HTTP API, static site and presence over $name', (kind) => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let webDist: string;
  let sessionId: string;
  const audio = randomBytes(100_000);
  let audioHash: string;

  beforeAll(async () => {
    const database = await kind.create();
    cleanup = database.cleanup;
    webDist = path.join(database.config.dataDir, 'web');
    s = await startServer({ ...database.config, webDist });
    sessionId = await createSession(s, 'Song A');
    const blob = await s.server.blobs.put(audio);
    audioHash = blob.sha256;
    await s.server.db.prisma.stem.createMany({
      data: [
        { id: 'drums', sessionId, name: 'Drums', fileHash: blob.sha256, fileName: 'drums.wav', mimeType: 'audio/wav', sizeBytes: blob.size, sampleRate: 48000, channels: 2, durationSec: 12.5, position: 0, peaks: new Uint8Array([1, 2, 3]) },
        { id: 'ghost', sessionId, name: 'Ghost bass', fileHash: 'f'.repeat(64), fileName: 'bass.wav', mimeType: 'audio/wav', sizeBytes: 10, sampleRate: 48000, channels: 1, durationSec: 3, position: 1 },
      ],
    });
  });
  afterAll(async () => {
    await s?.server.close();
    await cleanup?.();
  });

  const stemUrl = (stem: string, what = 'audio') => `${s.url}/api/sessions/${sessionId}/stems/${stem}/${what}`;

  it('lists, creates and describes sessions', async () => {
    const list = (await (await fetchAs(s.owner, `${s.url}/api/sessions`)).json()) as ListSessionsResponse;
    expect(list.sessions.find((x) => x.id === sessionId)).toMatchObject({ title: 'Song A', stemCount: 2, durationSec: 12.5 });

    const detail = (await (await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}`)).json()) as GetSessionResponse;
    expect(detail.stems.map((x) => [x.id, x.name, x.position, x.url, x.peaksUrl])).toEqual([
      ['drums', 'Drums', 0, `/api/sessions/${sessionId}/stems/drums/audio`, `/api/sessions/${sessionId}/stems/drums/peaks`],
      ['ghost', 'Ghost bass', 1, `/api/sessions/${sessionId}/stems/ghost/audio`, null],
    ]);
    // Browsers cache stems locally under their content hash (the audio's ETag).
    const etag = (await fetchAs(s.owner, `${s.url}${detail.stems[0].url}`, { method: 'HEAD' })).headers.get('etag');
    expect(`"${detail.stems[0].contentHash}"`).toBe(etag);
  });

  it('validates input and answers JSON errors', async () => {
    const bad = await fetchAs(s.owner, `${s.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: '' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    const notJson = await fetchAs(s.owner, `${s.url}/api/sessions`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);

    for (const url of [`${s.url}/api/sessions/nope`, stemUrl('nope'), `${s.url}/api/sessions/nope/stems/drums/audio`, `${s.url}/api/nothing`]) {
      const res = await fetchAs(s.owner, url);
      expect(res.status, url).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('serves stem audio with ETag, Range, 304 and 416', async () => {
    const full = await fetchAs(s.owner, stemUrl('drums'));
    expect(full.status).toBe(200);
    expect(full.headers.get('etag')).toBe(`"${audioHash}"`);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(Buffer.from(await full.arrayBuffer()).equals(audio)).toBe(true);

    const part = await fetchAs(s.owner, stemUrl('drums'), { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${audio.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(audio.subarray(100, 200))).toBe(true);

    const open = await fetchAs(s.owner, stemUrl('drums'), { headers: { Range: 'bytes=99990-' } });
    expect(open.status).toBe(206);
    expect((await open.arrayBuffer()).byteLength).toBe(10);
    const suffix = await fetchAs(s.owner, stemUrl('drums'), { headers: { Range: 'bytes=-5' } });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(audio.subarray(-5))).toBe(true);

    const unsatisfiable = await fetchAs(s.owner, stemUrl('drums'), { headers: { Range: `bytes=${audio.length}-` } });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe(`bytes */${audio.length}`);

    const cached = await fetchAs(s.owner, stemUrl('drums'), { headers: { 'If-None-Match': `"${audioHash}"` } });
    expect(cached.status).toBe(304);
  });

  it('answers byte ranges of several stems in one request, each part on its own terms', async () => {
    const url = `${s.url}/api/sessions/${sessionId}/stems/ranges`;
    const post = (body: unknown) => fetchAs(s.owner, url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post({
      parts: [
        { stemId: 'drums', from: 100, to: 200 },
        { stemId: 'ghost', from: 0, to: 10 },
        { stemId: 'drums', from: audio.length - 5, to: audio.length + 1000 },
        { stemId: 'nope', from: 0, to: 10 },
        { stemId: 'drums', from: audio.length, to: audio.length + 10 },
        { stemId: 'drums', from: 0, to: 3 },
      ],
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(decodeURIComponent(res.headers.get(STEM_RANGES_HEADER)!))).toEqual([
      { length: 100, total: audio.length },
      { error: 'stem file missing: Ghost bass' },
      { length: 5, total: audio.length },
      { error: `unknown stem nope in session ${sessionId}` },
      { error: `bytes ${audio.length}- are outside 0-${audio.length - 1} of Drums` },
      { length: 3, total: audio.length },
    ]);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(Buffer.concat([audio.subarray(100, 200), audio.subarray(-5), audio.subarray(0, 3)]))).toBe(true);

    for (const bad of [{}, { parts: [] }, { parts: [{ stemId: 'drums', from: 10, to: 10 }] }, { parts: [{ stemId: 'drums', from: 0, to: STEM_RANGES_MAX_PART_BYTES + 1 }] }]) {
      const refused = await post(bad);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { message: string } }).error.message.length).toBeGreaterThan(5);
    }
  });

  it('says clearly when a stem file is missing on disk', async () => {
    const res = await fetchAs(s.owner, stemUrl('ghost'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'stem file missing: Ghost bass' } });
  });

  it('serves peaks with an ETag', async () => {
    const res = await fetchAs(s.owner, stemUrl('drums', 'peaks'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3]);
    const again = await fetchAs(s.owner, stemUrl('drums', 'peaks'), { headers: { 'If-None-Match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('serves the static export, the session page, and 404 for unknown sessions', async () => {
    const notBuilt = await fetchAs(s.owner, `${s.url}/`);
    expect(await notBuilt.text()).toContain('web app not built: run');

    await mkdir(path.join(webDist, '_next/static/chunks'), { recursive: true });
    await writeFile(path.join(webDist, 'index.html'), '<h1>home</h1>');
    await writeFile(path.join(webDist, '404.html'), '<h1>missing</h1>');
    await writeFile(path.join(webDist, '_next/static/chunks/app-123.js'), 'console.log(1)');
    await mkdir(path.join(webDist, 'session'), { recursive: true });
    await writeFile(path.join(webDist, 'session/index.html'), '<h1>session page</h1>');
    try {
      expect(await (await fetchAs(s.owner, `${s.url}/`)).text()).toBe('<h1>home</h1>');
      const js = await fetchAs(s.owner, `${s.url}/_next/static/chunks/app-123.js`);
      expect(js.headers.get('cache-control')).toContain('immutable');
      expect(js.headers.get('content-type')).toMatch(/javascript/);

      const page = await fetchAs(s.owner, `${s.url}/s/${sessionId}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe('<h1>session page</h1>');
      // Cross-origin isolated pages and scripts: the stem worker and the mix worklet share memory.
      for (const res of [page, js]) {
        expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
        expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      }
      const unknown = await fetchAs(s.owner, `${s.url}/s/does-not-exist`);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toBe('<h1>missing</h1>');
      // A signed-in non-member gets the same 404; an anonymous visitor gets the page, which sends them to sign in.
      expect((await fetchAs(await signUp(s.url, 'Stranger'), `${s.url}/s/${sessionId}`)).status).toBe(404);
      expect((await fetchAs(null, `${s.url}/s/${sessionId}`)).status).toBe(200);
      await writeFile(path.join(webDist, 'invite.html'), '<h1>invite page</h1>');
      expect(await (await fetchAs(null, `${s.url}/i/some-token`)).text()).toBe('<h1>invite page</h1>');

      await writeFile(path.join(webDist, 'session.html'), '<h1>flat session page</h1>');
      expect(await (await fetchAs(s.owner, `${s.url}/s/${sessionId}`)).text()).toBe('<h1>flat session page</h1>');

      expect((await fetchAs(s.owner, `${s.url}/..%2f..%2fetc/passwd`)).status).toBe(404);
    } finally {
      await rm(webDist, { recursive: true, force: true });
    }
  });

  it('relays presence over socket.io and validates joins', async () => {
    const connect = () => connectIo(s.url, s.owner);
    const a: Socket = connect();
    const b: Socket = connect();
    try {
      const join = (sock: Socket, payload: unknown) => sock.timeout(5000).emitWithAck(EVENTS.join, payload) as Promise<JoinAck>;
      const badJoin = await join(a, { sessionId: 'nope', name: 'A', color: '#ff0000' });
      expect(badJoin).toMatchObject({ ok: false, error: { code: 'not_found', message: 'unknown session nope' } });
      expect(await join(a, { sessionId, name: '', color: 'red' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });

      const ackA = await join(a, { sessionId, name: 'Ada', color: '#ff0000' });
      expect(ackA).toMatchObject({ ok: true, peers: [] });
      const seenByA: Presence[] = [];
      a.on(EVENTS.presence, (p: Presence) => seenByA.push(p));
      const ackB = await join(b, { sessionId, name: 'Bob', color: '#00ff00' });
      expect(ackB).toMatchObject({ ok: true, peers: [{ name: 'Ada', color: '#ff0000', control: null }] });
      await waitFor(() => seenByA.some((p) => p.name === 'Bob'));

      b.emit(EVENTS.presenceUpdate, { control: 'ch:drums:gain' });
      await waitFor(() => seenByA.some((p) => p.name === 'Bob' && p.control === 'ch:drums:gain'));
      const left = new Promise<{ peerId: string }>((resolve) => a.on(EVENTS.presenceLeft, resolve));
      b.disconnect();
      expect((await left).peerId).toBe(ackB.ok ? ackB.peerId : '');
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('seeds a demo session: blobs, stems with peaks, and a mix document with one channel per stem', async () => {
    // The real engine encoders and mix initializer; only the audio generator is a tiny stand-in for speed.
    const seedEngine: SeedEngine = await import('@mixroom/engine');
    const tone = (f: number) => Float32Array.from({ length: 4800 }, (_, i) => Math.sin((2 * Math.PI * f * i) / 48000) * 0.5);
    const id = await seedDemoSession(
      { prisma: s.server.db.prisma, blobs: s.server.blobs, logger: quietLogger, engine: seedEngine },
      async () => ({ title: 'Demo', tempo: 96, stems: [{ name: 'Kick', channels: [tone(60)], sampleRate: 48000 }, { name: 'Keys', channels: [tone(440), tone(442)], sampleRate: 48000, suggestedGainDb: -7.5 }] }),
    );
    // The demo accounts are members; signing in with the documented password opens the session.
    const signIn = await fetch(`${s.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'engineer@mixroom.demo', password: 'mixroom-demo' }) });
    expect(signIn.status).toBe(200);
    const demo = { ...s.owner, cookie: cookieFrom(signIn) };
    const detail = (await (await fetchAs(demo, `${s.url}/api/sessions/${id}`)).json()) as GetSessionResponse;
    expect(detail).toMatchObject({ title: 'Demo', tempo: 96 });
    expect(detail.stems.map((x) => [x.name, x.channels, x.durationSec])).toEqual([['Kick', 1, 0.1], ['Keys', 2, 0.1]]);
    const wav = await fetchAs(demo, `${s.url}${detail.stems[1].url}`);
    expect(wav.status).toBe(200);
    expect((await fetchAs(demo, `${s.url}${detail.stems[0].peaksUrl}`)).status).toBe(200);
    expect(detail.role).toBe('owner');
    // …and nobody else can.
    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}`)).status).toBe(404);
    const rows = await s.server.db.prisma.docUpdate.findMany({ where: { sessionId: id } });
    expect(rows).toHaveLength(1);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, rows[0].data);
    const channels = [...doc.getMap<Y.Map<unknown>>('channels').values()].map((c) => c.get('stemId'));
    expect(channels.sort()).toEqual(detail.stems.map((x) => x.id).sort());
    // The demo opens at the generator's suggested fader positions.
    const mix = new seedEngine.MixModel(doc).getState();
    expect(mix.channels.map((c) => [c.name, c.gain])).toEqual([['Kick', 0], ['Keys', -7.5]]);
  });
});

describe('LocalBlobStore', () => {
  it('stores content-addressed, streams ranges, and deduplicates', async () => {
    const root = path.join((await import('node:os')).tmpdir(), `mixroom-blobs-${Date.now()}`);
    const store = new LocalBlobStore(root);
    try {
      const bytes = randomBytes(300_000);
      async function* chunks() { for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536); }
      const a = await store.put(chunks());
      const b = await store.put(bytes);
      expect(a).toEqual(b);
      expect(store.pathOf(a.sha256)).toBe(path.join(root, a.sha256.slice(0, 2), a.sha256.slice(2)));
      const parts: Buffer[] = [];
      for await (const c of await store.createReadStream(a.sha256, { start: 10, end: 19 })) parts.push(c as Buffer);
      expect(Buffer.concat(parts).equals(bytes.subarray(10, 20))).toBe(true);
      await store.delete(a.sha256);
      expect(await store.has(a.sha256)).toBe(false);
      await expect(store.createReadStream(a.sha256)).rejects.toThrow(/not found/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
