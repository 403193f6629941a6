// Reference tracks over real HTTP and a real database (PGlite and PostgreSQL): files made by sox
// and ffmpeg, loudness checked against ffmpeg's ebur128, spectra against theory; who may upload
// and who may only listen; references never become stems; the reference chosen at approval is
// recorded with it and outlives the reference; bytes go with the reference and the session.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeWav } from '@mixroom/engine';
import { reviewUrls, type ListReferencesResponse, type ReferenceInfo, type SessionDetail, type SpectrumInfo, type VersionInfo } from '@mixroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPostgresReachable, createSession, databaseKinds, SKIP_PG, startServer } from '../test-support.js';
import { anonymous, asUser, type UserClient } from './test-clients.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mixroom-refs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Pink noise at 44.1 kHz stereo from sox, as a 16-bit WAV and a 320 kbps MP3 (ffmpeg's LAME). */
function makeReferences() {
  const wav = path.join(tmp, 'pink.wav');
  const mp3 = path.join(tmp, 'pink.mp3');
  execFileSync('sox', ['-R', '-n', '-r', '44100', '-c', '2', '-b', '16', wav, 'synth', '8', 'pinknoise', 'vol', '0.25']);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '320k', mp3]);
  return { wavPath: wav, mp3Path: mp3, wav: readFileSync(wav), mp3: readFileSync(mp3) };
}

/** A master: a 997 Hz sine at −12 dBFS peak, 3 s, 48 kHz stereo. */
function sineMaster(): Uint8Array {
  const sr = 48000;
  const ch = [0, 1].map(() => Float32Array.from({ length: sr * 3 }, (_, i) => 0.25 * Math.sin((2 * Math.PI * 997 * i) / sr)));
  return encodeWav(ch, sr, { bitDepth: 24, dither: 'none' });
}

/** ffmpeg's own decoder and ebur128 meter: integrated, LRA, true peak (dBTP). */
function ffmpegLoudnessOfFile(file: string) {
  const out = execFileSync('ffmpeg', ['-nostdin', '-nostats', '-hide_banner', '-i', file, '-af', 'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const last = (key: string) => Number([...out.matchAll(new RegExp(`^lavfi\\.r128\\.${key}=(\\S+)$`, 'gm'))].pop()?.[1]);
  return { integrated: last('I'), range: last('LRA'), truePeak: 20 * Math.log10(last('true_peak')) };
}

const band = (s: SpectrumInfo, hz: number) => s.levelsDb[s.centersHz.indexOf(hz)];

describe.each(databaseKinds)('reference tracks over $name', (kind) => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let sessionId: string;
  let engineer: UserClient, artist: UserClient, viewer: UserClient, outsider: UserClient;
  let files: ReturnType<typeof makeReferences>;
  let urls: ReturnType<typeof reviewUrls>;

  const upload = (who: UserClient, body: Uint8Array, name: string, fileName = '') =>
    who.fetch(`${urls.references}?${new URLSearchParams({ name, fileName })}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(body) });

  beforeAll(async () => {
    files = makeReferences();
    const database = await kind.create();
    cleanup = database.cleanup;
    s = await startServer(database.config);
    sessionId = await createSession(s, 'Refs');
    urls = reviewUrls(sessionId);
    const other = await createSession(s, 'Elsewhere');
    engineer = await asUser(s, 'engineer', 'eddie', [sessionId]);
    artist = await asUser(s, 'artist', 'ana', [sessionId]);
    viewer = await asUser(s, 'viewer', 'vic', [sessionId]);
    outsider = await asUser(s, 'owner', 'otto', [other]);
  });
  afterAll(async () => {
    await s?.server.close();
    await cleanup?.();
  });

  it('measures an MP3 reference on upload: loudness as ffmpeg reads it, a flat pink-noise spectrum', async () => {
    const res = await upload(artist, files.mp3, 'Pink (MP3)', 'pink.mp3');
    expect(res.status, await res.clone().text()).toBe(201);
    const ref = (await res.json()) as ReferenceInfo;
    expect(ref).toMatchObject({ name: 'Pink (MP3)', fileName: 'pink.mp3', format: 'mp3', channels: 2, sampleRate: 44100, createdByName: 'Ana' });
    expect(ref.durationSec).toBeGreaterThan(7.9);
    const ff = ffmpegLoudnessOfFile(files.mp3Path);
    expect(Math.abs(ref.loudness.integrated! - ff.integrated)).toBeLessThan(0.1);
    expect(Math.abs(ref.loudness.truePeak! - ff.truePeak)).toBeLessThan(0.3);
    // Pink noise: equal power per 1/3 octave (the MP3's low-pass takes the top bands).
    const mids = ref.spectrum.centersHz.filter((f) => f >= 31.5 && f <= 12500).map((f) => band(ref.spectrum, f)!);
    expect(Math.max(...mids) - Math.min(...mids)).toBeLessThan(2);
    // Its bytes stream back unchanged, with ranges (the browser's player fetches them whole).
    const audio = await viewer.fetch(ref.audioUrl);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await audio.arrayBuffer()).equals(files.mp3)).toBe(true);
    const part = await viewer.fetch(ref.audioUrl, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect((await viewer.fetch(ref.peaksUrl!)).status).toBe(200);
  });

  it('reads a WAV reference exactly: loudness within 0.1 LU of ffmpeg, at its own rate', async () => {
    const res = await upload(engineer, files.wav, 'Pink (WAV)');
    expect(res.status).toBe(201);
    const ref = (await res.json()) as ReferenceInfo;
    expect(ref).toMatchObject({ format: 'wav', sampleRate: 44100, channels: 2 });
    const ff = ffmpegLoudnessOfFile(files.wavPath);
    expect(Math.abs(ref.loudness.integrated! - ff.integrated)).toBeLessThan(0.1);
    expect(Math.abs(ref.loudness.range - ff.range)).toBeLessThan(0.5);
  });

  it('lets a viewer list and listen but not upload or delete; outsiders 404, anonymous 401', async () => {
    const list = await viewer.json<ListReferencesResponse>(urls.references);
    expect(list.status).toBe(200);
    expect(list.body.references.map((r) => r.name)).toEqual(['Pink (MP3)', 'Pink (WAV)']);
    expect((await upload(viewer, files.wav, 'Nope')).status).toBe(403);
    expect((await viewer.fetch(urls.reference(list.body.references[0].id), { method: 'DELETE' })).status).toBe(403);
    expect((await upload(outsider, files.wav, 'Nope')).status).toBe(404);
    expect((await outsider.fetch(list.body.references[0].audioUrl)).status).toBe(404);
    expect((await anonymous(s.url).fetch(urls.references)).status).toBe(401);
  });

  it('refuses what is not audio, and a missing name, in words', async () => {
    const junk = await upload(artist, new TextEncoder().encode('this is not audio at all'), 'Junk');
    expect(junk.status).toBe(400);
    expect(((await junk.json()) as { error: { message: string } }).error.message).toMatch(/not an audio file this server reads: send a WAV, FLAC, MP3 or Ogg file/);
    const noName = await upload(artist, files.wav, '   ');
    expect(noName.status).toBe(400);
    expect(((await noName.json()) as { error: { message: string } }).error.message).toMatch(/name: name is empty/);
  });

  it('never become stems: the session still lists none', async () => {
    const detail = await engineer.json<SessionDetail>(`/api/sessions/${sessionId}`);
    expect(detail.body.stems).toEqual([]);
  });

  it("measures a version's spectrum on request: a 997 Hz sine at −12 dBFS reads −12 dB in the 1 kHz band", async () => {
    const up = await engineer.fetch(`${urls.versions}?source=upload`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(sineMaster()) });
    const v = (await up.json()) as VersionInfo;
    const spec = await viewer.json<SpectrumInfo>(v.spectrumUrl);
    expect(spec.status).toBe(200);
    expect(band(spec.body, 1000)).toBeCloseTo(20 * Math.log10(0.25), 1);
    expect(band(spec.body, 500)! < -80).toBe(true);
    // Kept: the second answer is the stored one.
    expect((await s.server.db.prisma.version.findUnique({ where: { id: v.id }, select: { spectrum: true } }))?.spectrum).toEqual(spec.body);
  });

  it('records the reference an approval was compared with, and keeps its name and hash after the reference is deleted', async () => {
    const up = await engineer.fetch(`${urls.versions}?source=upload`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(sineMaster()) });
    const v = (await up.json()) as VersionInfo;
    const refs = (await artist.json<ListReferencesResponse>(urls.references)).body.references;
    const ref = refs.find((r) => r.name === 'Pink (WAV)')!;
    const bad = await artist.json(urls.versionDecision(v.id), { body: { decision: 'approve', referenceId: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/referenceId: unknown reference nope/);
    const ok = await artist.json<VersionInfo>(urls.versionDecision(v.id), { body: { decision: 'approve', referenceId: ref.id } });
    expect(ok.status).toBe(200);
    expect(ok.body.decision?.reference).toEqual({ id: ref.id, name: 'Pink (WAV)', sha256: ref.fileHash });
    const del = await artist.fetch(urls.reference(ref.id), { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await s.server.blobs.has(ref.fileHash)).toBe(false);
    const after = await viewer.json<VersionInfo>(urls.version(v.id));
    expect(after.body.decision?.reference).toEqual({ id: null, name: 'Pink (WAV)', sha256: ref.fileHash });
    expect((await viewer.fetch(ref.audioUrl)).status).toBe(404);
  });

  it('goes with its session: deleting the session removes the reference bytes', async () => {
    const doomed = await createSession(s, 'Doomed');
    const owner = await asUser(s, 'owner', 'olga', [doomed]);
    const res = await owner.fetch(`${reviewUrls(doomed).references}?name=Solo`, { method: 'POST', body: Buffer.from(files.mp3) });
    const ref = (await res.json()) as ReferenceInfo;
    // The same MP3 is still a reference of the first session: only the doomed copy's row goes.
    const other = await upload(artist, files.wav, 'Kept');
    const kept = (await other.json()) as ReferenceInfo;
    expect((await owner.fetch(`/api/sessions/${doomed}`, { method: 'DELETE' })).status).toBe(204);
    expect(await s.server.blobs.has(ref.fileHash)).toBe(true);
    expect(await s.server.blobs.has(kept.fileHash)).toBe(true);
    const lone = await createSession(s, 'Lone');
    const o2 = await asUser(s, 'owner', 'olga', [lone]);
    const sine = sineMaster();
    const r2 = (await (await o2.fetch(`${reviewUrls(lone).references}?name=Sine`, { method: 'POST', body: Buffer.from(sine) })).json()) as ReferenceInfo;
    expect(await s.server.blobs.has(r2.fileHash)).toBe(true);
    expect((await o2.fetch(`/api/sessions/${lone}`, { method: 'DELETE' })).status).toBe(204);
    // The same bytes are a version in the first session, so they stay; a file only this session had goes.
    expect(await s.server.blobs.has(r2.fileHash)).toBe(true);
    const lone2 = await createSession(s, 'Lone 2');
    const o3 = await asUser(s, 'owner', 'olga', [lone2]);
    const unique = encodeWav([Float32Array.from({ length: 48000 }, (_, i) => 0.1 * Math.sin(i / 7))], 48000, { bitDepth: 16, dither: 'none' });
    const r3 = (await (await o3.fetch(`${reviewUrls(lone2).references}?name=Unique`, { method: 'POST', body: Buffer.from(unique) })).json()) as ReferenceInfo;
    expect((await o3.fetch(`/api/sessions/${lone2}`, { method: 'DELETE' })).status).toBe(204);
    expect(await s.server.blobs.has(r3.fileHash)).toBe(false);
  });
});
