import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { decodePeaks, MixModel } from '@mixroom/engine';
import type { GetSessionResponse, StemTakesResponse } from '@mixroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config.js';
import { brokenFixtures, fixtureBytes, VALID_FIXTURES } from '../stems/test-fixtures.js';
import { createUpload, headOffset, patch, patchAndDrop, tusRequest, uploadAll, useTusCookie } from '../stems/tus-test-client.js';
import { assertPostgresReachable, connectClient, createSession, databaseKinds, fetchAs, SKIP_PG, startServer, waitFor } from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const listFiles = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
};

describe.each(databaseKinds)('stem uploads (tus) over $name', (kind) => {
  let config: Config;
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let sessionId: string;

  beforeAll(async () => {
    const database = await kind.create();
    config = { ...database.config, uploadMaxBytes: 8_000_000 };
    cleanup = database.cleanup;
    s = await startServer(config);
    sessionId = await createSession(s, 'Uploads');
    useTusCookie(s.owner.cookie);
  });
  afterAll(async () => {
    await s?.server.close();
    await cleanup?.();
  });

  const detail = async () => (await (await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}`)).json()) as GetSessionResponse;
  const dbCounts = async () => ({
    stems: await s.server.db.prisma.stem.count({ where: { sessionId } }),
    uploads: await s.server.db.prisma.upload.count(),
  });

  it('uploads a WAV in several PATCHes; a connected client sees the new channel and the bytes are served back', async () => {
    const client = connectClient(s.url.replace('http', 'ws') + '/yjs', sessionId, s.owner);
    await client.synced;
    const mix = new MixModel(client.doc);
    const wav = fixtureBytes('wav-pcm24');
    const res = await uploadAll(s.url, sessionId, wav, 'Lead Vocal.wav', 100_000);
    expect(res.status, res.body).toBe(204);
    const stemId = res.headers['mixroom-stem-id'] as string;
    await waitFor(() => mix.listChannels().some((c) => c.stemId === stemId), 5000, 'channel in the client doc');
    expect(mix.listChannels().find((c) => c.stemId === stemId)).toMatchObject({ name: 'Lead Vocal', id: res.headers['mixroom-channel-id'] });
    client.destroy();

    const stem = (await detail()).stems.find((x) => x.id === stemId)!;
    expect(stem).toMatchObject({ name: 'Lead Vocal', sampleRate: 48000, channels: 2 });
    const audio = await fetchAs(s.owner, `${s.url}${stem.url}`);
    expect(audio.headers.get('etag')).toBe(`"${sha(wav)}"`);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(sha(new Uint8Array(await audio.arrayBuffer()))).toBe(sha(wav));
    const peaks = decodePeaks(new Uint8Array(await (await fetchAs(s.owner, `${s.url}${stem.peaksUrl}`)).arrayBuffer()));
    expect(peaks.length).toBe(72000);
    expect(Math.max(...peaks.levels[3].data)).toBeGreaterThan(60); // the fixture peaks at 0.5 full scale
    expect((await dbCounts()).uploads).toBe(0);
  });

  it('accepts every supported format and serves each with its content type and ranges', async () => {
    for (const f of VALID_FIXTURES) {
      const bytes = fixtureBytes(f.name);
      const res = await uploadAll(s.url, sessionId, bytes, `${f.name}.${f.ext}`);
      expect(res.status, `${f.name}: ${res.body}`).toBe(204);
      const stemId = res.headers['mixroom-stem-id'] as string;
      const stem = (await detail()).stems.find((x) => x.id === stemId)!;
      expect(stem, f.name).toMatchObject({ sampleRate: f.expect.sampleRate, channels: f.expect.channels });
      const part = await fetchAs(s.owner, `${s.url}${stem.url}`, { headers: { Range: 'bytes=4-11' } });
      expect(part.status).toBe(206);
      expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(4, 12));
      // Opus is the one codec the server cannot decode; the browser draws it from the audio.
      expect(stem.peaksUrl === null, f.name).toBe(f.expect.codec === 'opus');
    }
  });

  it('resumes after a dropped connection from the offset the server reports', async () => {
    const wav = fixtureBytes('wav-pcm16');
    const created = await createUpload(s.url, sessionId, wav.length, 'dropped.wav');
    expect(created.status).toBe(201);
    await patchAndDrop(created.location!, 0, wav.subarray(0, 150_000), wav.length);
    const offset = await waitForOffset(created.location!, (o) => o === 150_000);
    const res = await patch(created.location!, offset, wav.subarray(offset));
    expect(res.status, res.body).toBe(204);
    const stemId = res.headers['mixroom-stem-id'] as string;
    const stored = await s.server.db.prisma.stem.findUniqueOrThrow({ where: { id: stemId } });
    expect(stored.fileHash).toBe(sha(wav));
  });

  it('refuses to finish an upload that was cancelled behind its back (row gone, e.g. by another process), keeping nothing', async () => {
    const wav = fixtureBytes('wav-pcm16');
    const stemsBefore = (await dbCounts()).stems;
    const created = await createUpload(s.url, sessionId, wav.length, 'cancelled.wav');
    expect((await patch(created.location!, 0, wav.subarray(0, 100_000))).status).toBe(204);
    // PATCHes answer from the row this process remembers; the database no longer has it.
    await s.server.db.prisma.upload.deleteMany({ where: { id: created.location!.split('/').pop()! } });
    const res = await patch(created.location!, 100_000, wav.subarray(100_000));
    expect(res.status).toBe(404);
    expect(res.body).toMatch(/was cancelled/);
    expect((await dbCounts()).stems).toBe(stemsBefore);
    expect(await listFiles(path.join(config.dataDir, 'uploads'))).toEqual([]);
  });

  it('answers the tus error cases with clear 4xx responses', async () => {
    const wav = fixtureBytes('wav-pcm16');
    const created = await createUpload(s.url, sessionId, wav.length, 'x.wav');
    const wrongOffset = await patch(created.location!, 10, wav.subarray(0, 10));
    expect(wrongOffset.status).toBe(409);
    expect(wrongOffset.body).toMatch(/does not match the 0 bytes received/);
    const noTus = await fetchAs(s.owner, created.location!, { method: 'PATCH', headers: { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' }, body: wav.subarray(0, 10) });
    expect(noTus.status).toBe(412);
    const wrongType = await tusRequest(created.location!, 'PATCH', { 'Content-Type': 'audio/wav', 'Upload-Offset': 0 }, wav.subarray(0, 10));
    expect(wrongType.status).toBe(415);
    const deleted = await tusRequest(created.location!, 'DELETE', {});
    expect(deleted.status).toBe(204);
    expect((await tusRequest(created.location!, 'HEAD', {})).status).toBe(404);
    const options = await tusRequest(`${s.url}/api/sessions/${sessionId}/uploads`, 'OPTIONS', {});
    expect(options.headers['tus-extension']).toBe('creation,termination,expiration');
  });

  it('refuses oversize files by declared length and by the bytes actually sent, keeping nothing', async () => {
    const before = await listFiles(config.dataDir);
    const declared = await createUpload(s.url, sessionId, 9_000_000, 'huge.wav');
    expect(declared.status).toBe(413);
    expect(declared.body).toMatch(/the file is 9.0 MB; stems may be at most 8.0 MB/);

    const wav = fixtureBytes('wav-pcm16');
    const created = await createUpload(s.url, sessionId, 1000, 'liar.wav');
    const res = await tusRequest(created.location!, 'PATCH', { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': 0, 'Transfer-Encoding': 'chunked' }, wav);
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/more bytes were sent than the declared Upload-Length 1000/);
    expect((await tusRequest(created.location!, 'HEAD', {})).status).toBe(404);
    expect((await dbCounts()).uploads).toBe(0);
    expect(await listFiles(config.dataDir).then((f) => f.filter((x) => !x.includes('pglite')))).toEqual(before.filter((x) => !x.includes('pglite')));
  });

  it('rejects every file of the bad-input corpus with 422 and its reason, leaving no trace', async () => {
    const stemsBefore = (await dbCounts()).stems;
    const filesBefore = (await listFiles(config.dataDir)).filter((x) => !x.includes('pglite'));
    for (const bad of brokenFixtures()) {
      if (bad.bytes.length === 0) {
        const res = await createUpload(s.url, sessionId, 0, 'empty.wav');
        expect(res.status).toBe(400);
        // Plain words, not the protocol header ("Upload-Length: 0") a person never sent.
        expect((JSON.parse(res.body) as { error: { message: string } }).error.message).toBe('this file is empty');
        continue;
      }
      const res = await uploadAll(s.url, sessionId, bad.bytes, `${bad.name}.wav`);
      expect(res.status, bad.name).toBe(422);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unsupported_audio');
      expect(body.error.message, bad.name).toMatch(bad.message);
    }
    expect(await dbCounts()).toEqual({ stems: stemsBefore, uploads: 0 });
    expect((await listFiles(config.dataDir)).filter((x) => !x.includes('pglite'))).toEqual(filesBefore);
  });

  it('keeps serving a download while an upload is streaming', async () => {
    const stem = (await detail()).stems[0];
    const wav = fixtureBytes('wav-pcm16');
    const created = await createUpload(s.url, sessionId, wav.length, 'slow.wav');
    // Hold a PATCH open (half the body sent) while downloading.
    const { request } = await import('node:http');
    const req = request(created.location!, { method: 'PATCH', headers: { 'Tus-Resumable': '1.0.0', Cookie: s.owner.cookie, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': 0, 'Content-Length': wav.length } });
    const done = new Promise<number>((resolve, reject) => { req.on('response', (r) => { r.resume(); resolve(r.statusCode ?? 0); }); req.on('error', reject); });
    req.write(wav.subarray(0, 100_000));
    await waitForOffset(created.location!, (o) => o === 100_000);
    const download = await fetchAs(s.owner, `${s.url}${stem.url}`);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(0);
    req.end(wav.subarray(100_000));
    expect(await done).toBe(204);
  });

  it('replaces a stem with a new take, lists and restores takes, renames and removes', async () => {
    const client = connectClient(s.url.replace('http', 'ws') + '/yjs', sessionId, s.owner);
    await client.synced;
    const mix = new MixModel(client.doc);
    const first = await uploadAll(s.url, sessionId, fixtureBytes('wav-pcm16'), 'Guitar.wav');
    const oldId = first.headers['mixroom-stem-id'] as string;
    const channelId = first.headers['mixroom-channel-id'] as string;
    await waitFor(() => mix.hasChannel(channelId));
    mix.setChannelGain(channelId, -4.5);

    const take2 = await uploadAll(s.url, sessionId, fixtureBytes('flac-24'), 'Guitar take 2.flac', 1 << 20, { replacesStemId: oldId });
    expect(take2.status, take2.body).toBe(204);
    const newId = take2.headers['mixroom-stem-id'] as string;
    expect(take2.headers['mixroom-channel-id']).toBe(channelId);
    await waitFor(() => mix.listChannels().find((c) => c.id === channelId)?.stemId === newId, 5000, 'channel re-pointed');
    expect(mix.getChannelParam(channelId, 'gain')).toBe(-4.5);
    const ids = (await detail()).stems.map((x) => x.id);
    expect(ids).toContain(newId);
    expect(ids).not.toContain(oldId);

    const takes = (await (await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}/stems/${newId}/takes`)).json()) as StemTakesResponse;
    expect(takes.takes.map((t) => [t.id, t.retiredAt === null])).toEqual([[newId, true], [oldId, false]]);
    // The old take's audio is still there.
    expect((await fetchAs(s.owner, `${s.url}${takes.takes[1].url}`)).status).toBe(200);

    const restored = await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}/stems/${oldId}/restore`, { method: 'POST' });
    expect(restored.status).toBe(200);
    await waitFor(() => mix.listChannels().find((c) => c.id === channelId)?.stemId === oldId, 5000, 'take restored');

    const renamed = await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}/stems/${oldId}`, { method: 'PATCH', body: JSON.stringify({ name: 'Rhythm Guitar' }) });
    expect(renamed.status).toBe(200);
    await waitFor(() => mix.listChannels().find((c) => c.id === channelId)?.name === 'Rhythm Guitar', 5000, 'renamed');
    const badName = await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}/stems/${oldId}`, { method: 'PATCH', body: JSON.stringify({ name: '  ' }) });
    expect(badName.status).toBe(400);

    const removed = await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}/stems/${oldId}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    await waitFor(() => !mix.hasChannel(channelId), 5000, 'channel removed');
    expect((await detail()).stems.map((x) => x.id)).not.toContain(oldId);
    const again = await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}/stems/${oldId}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
    client.destroy();
  });

  it('resumes an upload after the server restarts', async () => {
    const wav = fixtureBytes('wav-float32');
    const created = await createUpload(s.url, sessionId, wav.length, 'restart.wav');
    const half = Math.floor(wav.length / 2);
    expect((await patch(created.location!, 0, wav.subarray(0, half))).status).toBe(204);
    await s.server.close();
    // Same database: the owner's sign-in survives the restart.
    s = { ...(await startServer(config)), owner: s.owner };
    const location = created.location!.replace(/^http:\/\/[^/]+/, s.url);
    expect(await headOffset(location)).toBe(half);
    const res = await patch(location, half, wav.subarray(half));
    expect(res.status, res.body).toBe(204);
    const stored = await s.server.db.prisma.stem.findUniqueOrThrow({ where: { id: res.headers['mixroom-stem-id'] as string } });
    expect(stored.fileHash).toBe(sha(wav));
  });

  async function waitForOffset(location: string, ok: (o: number) => boolean): Promise<number> {
    let offset = -1;
    await waitFor(async () => ok((offset = await headOffset(location))), 5000, 'upload offset');
    return offset;
  }
});
