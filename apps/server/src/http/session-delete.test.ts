// Deleting a session: everyone's sockets close at once, and nothing of it stays — rows, the
// in-memory mix, blobs no other session uses, partial uploads — while shared blobs and other
// sessions are untouched.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { MixModel, encodeWav } from '@mixroom/engine';
import { EVENTS, WS_CLOSE, type AccessChangedPayload } from '@mixroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes } from '../stems/test-fixtures.js';
import { createUpload, patch, uploadAll, useTusCookie } from '../stems/tus-test-client.js';
import {
  addMember, assertPostgresReachable, connectClient, connectIo, createSession, databaseKinds, fetchAs, rawSocket, signUp, SKIP_PG, startServer, waitFor,
  type TestDatabase, type TestServer,
} from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

describe.each(databaseKinds)('deleting a session over $name', (kind) => {
  let database: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    database = await kind.create();
    s = await startServer(database.config);
    useTusCookie(s.owner.cookie);
  });
  afterAll(async () => {
    await s?.server.close();
    await database?.cleanup();
  });

  const blobPath = (sha: string) => path.join(database.config.dataDir, 'blobs', sha.slice(0, 2), sha);
  const blobExists = async (sha: string) => (await s.server.blobs.stat(sha)) !== null;

  it('closes every member\'s Yjs and socket.io connection, drops the live mix and removes rows, own blobs and partial uploads', async () => {
    const id = await createSession(s, 'Doomed');
    const keep = await createSession(s, 'Keeper');
    // The same file in both sessions (one blob), and one file only the doomed session has.
    expect((await uploadAll(s.url, id, fixtureBytes('wav-pcm16'), 'Shared.wav')).status).toBe(204);
    expect((await uploadAll(s.url, keep, fixtureBytes('wav-pcm16'), 'Shared.wav')).status).toBe(204);
    expect((await uploadAll(s.url, id, fixtureBytes('wav-pcm24'), 'Only here.wav')).status).toBe(204);
    const stems = await s.server.db.prisma.stem.findMany({ where: { sessionId: id } });
    const shared = stems.find((st) => st.name === 'Shared')!;
    const own = stems.find((st) => st.name === 'Only here')!;
    expect(await blobExists(own.fileHash)).toBe(true);
    expect(own.peaksHash && (await blobExists(own.peaksHash))).toBe(true);
    // An upload still in progress.
    const partial = await createUpload(s.url, id, 10_000, 'half.wav');
    expect((await patch(partial.location!, 0, new Uint8Array(4000))).status).toBe(204);
    const uploadFiles = await readdir(path.join(database.config.dataDir, 'uploads'));
    expect(uploadFiles.length).toBeGreaterThan(0);

    // The owner and an artist are in the session, mixing.
    const artist = await signUp(s.url, 'Artist');
    await addMember(s, id, artist, 'artist');
    const ownerWs = rawSocket(`${s.wsUrl}/${id}`, s.owner);
    const artistClient = connectClient(s.wsUrl, id, artist);
    await Promise.all([ownerWs.opened, artistClient.synced]);
    const artistClosed = new Promise<number>((resolve) => artistClient.provider.on('connection-close', (e: CloseEvent | null) => resolve(e?.code ?? 0)));
    const io = connectIo(s.url, artist);
    const changed: AccessChangedPayload[] = [];
    io.on(EVENTS.accessChanged, (p: AccessChangedPayload) => changed.push(p));
    const ioGone = new Promise<string>((resolve) => io.on('disconnect', (r) => resolve(r)));
    expect(((await io.timeout(5000).emitWithAck(EVENTS.join, { sessionId: id, name: 'Artist', color: '#abcdef' })) as { ok: boolean }).ok).toBe(true);
    // A move that is still only in memory when the delete arrives must not be written afterwards.
    new MixModel(artistClient.doc).setChannelGain(new MixModel(artistClient.doc).getState().channels[0].id, -7);

    // Only the owner may delete.
    expect((await fetchAs(artist, `${s.url}/api/sessions/${id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);

    expect(await ownerWs.closed).toEqual({ code: WS_CLOSE.removed, reason: 'this session was deleted' });
    expect(await artistClosed).toBe(WS_CLOSE.removed);
    expect(await ioGone).toBe('io server disconnect');
    expect(changed).toEqual([{ sessionId: id, role: null }]);
    artistClient.destroy();

    // Rows: none left anywhere.
    const prisma = s.server.db.prisma;
    await waitFor(async () => (await prisma.docUpdate.count({ where: { sessionId: id } })) === 0, 2000, 'no doc rows');
    await new Promise((r) => setTimeout(r, 300)); // past a flush window: nothing is written back
    expect(await prisma.mixSession.count({ where: { id } })).toBe(0);
    expect(await prisma.docUpdate.count({ where: { sessionId: id } })).toBe(0);
    expect(await prisma.stem.count({ where: { sessionId: id } })).toBe(0);
    expect(await prisma.membership.count({ where: { sessionId: id } })).toBe(0);
    expect(await prisma.upload.count({ where: { sessionId: id } })).toBe(0);
    expect(s.server.rooms.peek(id)).toBeUndefined();
    // Files: its own blobs and its partial upload are gone; the shared blob stays for the other session.
    expect(await blobExists(own.fileHash)).toBe(false);
    expect(await blobExists(own.peaksHash!)).toBe(false);
    expect(existsSync(blobPath(own.fileHash))).toBe(false);
    expect(await blobExists(shared.fileHash)).toBe(true);
    expect(await readdir(path.join(database.config.dataDir, 'uploads'))).toEqual([]);

    // The session is gone for everyone; the other one still works and still plays its stem.
    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}`)).status).toBe(404);
    expect((await rawSocket(`${s.wsUrl}/${id}`, s.owner).closed).code).toBe(WS_CLOSE.unknownSession);
    const kept = await fetchAs(s.owner, `${s.url}/api/sessions/${keep}`);
    const keptStem = ((await kept.json()) as { stems: Array<{ url: string }> }).stems[0];
    expect((await fetchAs(s.owner, `${s.url}${keptStem.url}`)).status).toBe(200);
    const list = (await (await fetchAs(s.owner, `${s.url}/api/sessions`)).json()) as { sessions: Array<{ id: string }> };
    expect(list.sessions.map((x) => x.id)).toEqual([keep]);
    io.close();
  });

  it('also removes the FLAC and MP3 made from its masters', async () => {
    const id = await createSession(s, 'Delivered');
    const tone = [0, 1].map(() => Float32Array.from({ length: 48000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 330 * i) / 48000)));
    const posted = await fetchAs(s.owner, `${s.url}/api/sessions/${id}/versions?source=upload`, {
      method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(encodeWav(tone, 48000, { bitDepth: 24, dither: 'none' })),
    });
    expect(posted.status).toBe(201);
    const version = (await posted.json()) as { id: string };
    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}/versions/${version.id}/decision`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) })).status).toBe(200);
    for (const format of ['flac', 'mp3']) {
      expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}/versions/${version.id}/download?format=${format}`)).status).toBe(200);
    }
    const prisma = s.server.db.prisma;
    const source = (await prisma.version.findUniqueOrThrow({ where: { id: version.id } })).fileHash;
    const derived = await prisma.derivedBlob.findMany({ where: { sourceHash: source } });
    expect(derived.map((d) => d.format).sort()).toEqual(['flac', 'mp3']);
    for (const d of derived) expect(await blobExists(d.hash)).toBe(true);

    expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => !(await blobExists(source)), 5000, 'the master to be removed');
    for (const d of derived) expect(await blobExists(d.hash)).toBe(false);
    expect(await prisma.derivedBlob.count({ where: { sourceHash: source } })).toBe(0);
  });
});
