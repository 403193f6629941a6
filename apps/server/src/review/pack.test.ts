// The delivery pack, checked with independent tools: `unzip -t` (archive integrity), ffprobe
// (formats, rates, bit depths, tags), `sha256sum -c` against the pack's own manifest, and the
// manifest recorded with the approval. Plus: ISRC validation, unapproved versions, membership.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeWav, encodeWav } from '@mixroom/engine';
import { reviewUrls, type CommentInfo, type VersionInfo } from '@mixroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, databaseKinds, startServer } from '../test-support.js';
import { normaliseIsrc } from './pack-files.js';
import { asUser, type UserClient } from './test-clients.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mixroom-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function master(): Uint8Array {
  const sr = 48000;
  const ch = [0, 1].map((c) => Float32Array.from({ length: sr * 3 }, (_, i) => 0.4 * Math.sin((2 * Math.PI * (440 + c * 110) * i) / sr)));
  return encodeWav(ch, sr, { bitDepth: 24, dither: 'none' });
}

function probe(file: string) {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], { encoding: 'utf8' })) as {
    streams: Array<{ codec_name: string; sample_rate: string; channels: number; bits_per_sample: number; duration: string }>;
    format: { tags?: Record<string, string> };
  };
}

describe('ISRC', () => {
  it('accepts the usual spellings and refuses others in plain words', () => {
    expect(normaliseIsrc('gb-abc-26-00001')).toBe('GBABC2600001');
    expect(normaliseIsrc(' USRC17607839 ')).toBe('USRC17607839');
    for (const bad of ['GB-ABC-26-0001', '12ABC2600001', 'GB-AB!-26-00001', '']) expect(() => normaliseIsrc(bad)).toThrow(/is not valid: it must be 12 characters like GB-ABC-26-00001/);
  });
});

const kind = databaseKinds[0];
describe(`delivery pack over ${kind.name}`, () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let sessionId: string;
  let engineer: UserClient, artist: UserClient, outsider: UserClient;
  let v: VersionInfo;

  beforeAll(async () => {
    const database = await kind.create();
    cleanup = database.cleanup;
    s = await startServer(database.config);
    sessionId = await createSession(s, 'Night Drive');
    const other = await createSession(s, 'Elsewhere');
    await s.server.db.prisma.stem.create({ data: { id: 'pk-stem', sessionId, name: 'Bass', fileHash: 'a'.repeat(64), fileName: 'b.wav', mimeType: 'audio/wav', sizeBytes: 1, sampleRate: 48000, channels: 2, durationSec: 3 } });
    engineer = await asUser(s, 'engineer', 'eddie', [sessionId]);
    artist = await asUser(s, 'artist', 'ana', [sessionId]);
    outsider = await asUser(s, 'owner', 'otto', [other]);
    const up = await engineer.fetch(`${reviewUrls(sessionId).versions}?source=upload&notes=final`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(master()) });
    expect(up.status).toBe(201);
    v = (await up.json()) as VersionInfo;
    const urls = reviewUrls(sessionId);
    const c = (await artist.json<CommentInfo>(urls.comments, { body: { body: 'vocal too loud in the chorus', atSec: 1.5, endSec: 2.5 } })).body;
    await engineer.json(urls.comments, { body: { body: 'down 1 dB', atSec: 0, parentId: c.id } });
    expect((await engineer.json(`${urls.comment(c.id)}/resolve`, { body: { resolved: true } })).status).toBe(200);
    await artist.json(urls.comments, { body: { body: 'still open', atSec: 0.5 } });
  });
  afterAll(async () => {
    await s?.server.close();
    await cleanup?.();
  });

  const packUrl = (q: Record<string, string>) => `/api/sessions/${sessionId}/versions/${v.id}/pack?${new URLSearchParams(q)}`;
  const meta = { title: 'Night Drive', artist: 'Ana Ray', isrc: 'gb-abc-26-00001' };

  it('refuses an unapproved version, a bad ISRC, missing fields, outsiders and anonymous callers', async () => {
    const early = await artist.fetch(packUrl(meta));
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(/is not approved: a delivery pack is made only from an approved version/);
    expect((await artist.json(reviewUrls(sessionId).versionDecision(v.id), { body: { decision: 'approve' } })).status).toBe(200);
    const bad = await artist.fetch(packUrl({ ...meta, isrc: 'GB-ABC-26-001' }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/ISRC "GB-ABC-26-001" is not valid/);
    const noTitle = await artist.fetch(packUrl({ artist: 'Ana Ray' }));
    expect(noTitle.status).toBe(400);
    expect(((await noTitle.json()) as { error: { message: string } }).error.message).toMatch(/title/);
    expect((await artist.fetch(packUrl({ ...meta, colour: 'red' }))).status).toBe(400);
    expect((await outsider.fetch(packUrl(meta))).status).toBe(404);
    expect((await fetch(`${s.url}${packUrl(meta)}`)).status).toBe(401);
  });

  it('streams one ZIP whose files decode with the right formats, carry the metadata and match the recorded manifest', async () => {
    const res = await artist.fetch(packUrl(meta));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-length')).toBeNull(); // streamed, not buffered first
    const zipFile = path.join(tmp, 'pack.zip');
    const bytes = Buffer.from(await res.arrayBuffer());
    writeFileSync(zipFile, bytes);
    expect(execFileSync('unzip', ['-t', zipFile], { encoding: 'utf8' })).toMatch(/No errors detected/);
    const dir = path.join(tmp, 'pack');
    execFileSync('unzip', ['-o', '-q', zipFile, '-d', dir]);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['Ana-Ray-Night-Drive-320kbps.mp3', 'Ana-Ray-Night-Drive-44.1kHz-16bit.wav', 'Ana-Ray-Night-Drive-48kHz-24bit.wav', 'MANIFEST.sha256', 'changelog.txt', 'loudness-report.json', 'loudness-report.txt']);
    // The pack's own manifest checks out with coreutils.
    expect(execFileSync('sha256sum', ['-c', 'MANIFEST.sha256'], { cwd: dir, encoding: 'utf8' })).not.toMatch(/FAILED/);

    const hi = probe(path.join(dir, 'Ana-Ray-Night-Drive-48kHz-24bit.wav'));
    expect(hi.streams[0]).toMatchObject({ codec_name: 'pcm_s24le', sample_rate: '48000', channels: 2, bits_per_sample: 24 });
    expect(Number(hi.streams[0].duration)).toBeCloseTo(3, 3);
    const hiTags = Object.fromEntries(Object.entries(hi.format.tags ?? {}).map(([k, x]) => [k.toLowerCase(), x]));
    // LIST/INFO (title, artist, ISRC) and BWF bext (ffmpeg names its description "comment", originator "encoded_by").
    expect(hiTags).toMatchObject({ title: 'Night Drive', artist: 'Ana Ray', isrc: 'GBABC2600001', comment: 'Ana Ray - Night Drive', encoded_by: 'Mixroom', originator_reference: 'GBABC2600001' });
    expect(hiTags.coding_history).toMatch(/^A=PCM,F=48000,W=24,M=stereo/);
    // The 24-bit file carries the master's samples exactly (same PCM bytes as the approved upload's data chunk).
    const sourcePcm = Buffer.from(master()).subarray(44);
    const packed = readFileSync(path.join(dir, 'Ana-Ray-Night-Drive-48kHz-24bit.wav'));
    expect(packed.subarray(packed.length - sourcePcm.length).equals(sourcePcm)).toBe(true);

    const cd = probe(path.join(dir, 'Ana-Ray-Night-Drive-44.1kHz-16bit.wav'));
    expect(cd.streams[0]).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '44100', channels: 2, bits_per_sample: 16 });
    expect(Number(cd.streams[0].duration)).toBeCloseTo(3, 3);
    // sox agrees on the rate and depth.
    const soxi = (flag: string) => execFileSync('soxi', [flag, path.join(dir, 'Ana-Ray-Night-Drive-44.1kHz-16bit.wav')], { encoding: 'utf8' }).trim();
    expect([soxi('-r'), soxi('-b')]).toEqual(['44100', '16']);
    // Through the engine's resampler and dither the 0.4-amplitude tones keep their level.
    const cdPcm = decodeWav(new Uint8Array(readFileSync(path.join(dir, 'Ana-Ray-Night-Drive-44.1kHz-16bit.wav'))));
    for (const ch of cdPcm.channels) expect(ch.subarray(4410, 4410 * 29).reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeCloseTo(0.4, 2);

    const mp3 = probe(path.join(dir, 'Ana-Ray-Night-Drive-320kbps.mp3'));
    expect(mp3.streams[0]).toMatchObject({ codec_name: 'mp3', channels: 2 });
    const mp3Tags = Object.fromEntries(Object.entries(mp3.format.tags ?? {}).map(([k, x]) => [k.toLowerCase(), x]));
    expect(mp3Tags).toMatchObject({ title: 'Night Drive', artist: 'Ana Ray' });
    expect(mp3Tags.tsrc ?? mp3Tags.isrc).toBe('GBABC2600001');

    const report = JSON.parse(readFileSync(path.join(dir, 'loudness-report.json'), 'utf8')) as { integratedLufs: number; loudnessRangeLu: number; truePeakDbtp: number; platforms: Array<{ id: string; playbackGainDb: number }>; isrc: string };
    expect(report.integratedLufs).toBeCloseTo(v.loudness.integrated!, 6);
    expect(report.isrc).toBe('GBABC2600001');
    expect(report.platforms.find((p) => p.id === 'spotify')!.playbackGainDb).toBeCloseTo(-14 - v.loudness.integrated!, 1);
    expect(readFileSync(path.join(dir, 'loudness-report.txt'), 'utf8')).toMatch(/Integrated loudness: -\d+\.\d LUFS/);
    const log = readFileSync(path.join(dir, 'changelog.txt'), 'utf8');
    expect(log).toMatch(/1 resolved comment\n/);
    expect(log).toMatch(/0:01\.5–0:02\.5 Ana: vocal too loud in the chorus — resolved/);
    expect(log).toMatch(/Eddie: down 1 dB/);
    expect(log).not.toMatch(/still open/);

    // Recorded with the approval: every file's hash, and the archive's.
    const recorded = ((await (await artist.fetch(`/api/sessions/${sessionId}/versions/${v.id}/report`)).json()) as { pack: { zipSha256: string; files: Array<{ name: string; sha256: string }>; metadata: { isrc: string } } }).pack;
    expect(recorded.zipSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(recorded.metadata.isrc).toBe('GBABC2600001');
    expect(recorded.files).toHaveLength(6);
    for (const f of recorded.files) expect(createHash('sha256').update(readFileSync(path.join(dir, f.name))).digest('hex'), f.name).toBe(f.sha256);
  });
});
