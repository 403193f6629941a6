// Voice notes: a recording (Opus in WebM, made by ffmpeg from espeak-ng speech; and a WAV) posted
// as a comment, stored content-addressed, streamed back with Range, read back by ffprobe; members
// only, the role table decides who records, and what is refused is said in plain words.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeWav, initializeMix } from '@mixroom/engine';
import { can, REVIEW_EVENTS, reviewUrls, VOICE_NOTE_MAX_BYTES, type CommentInfo, type ListCommentsResponse } from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { assertPostgresReachable, createSession, databaseKinds, SKIP_PG, startServer, waitFor } from '../test-support.js';
import { anonymous, asUser, type UserClient } from './test-clients.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mixroom-voice-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SPEECH = path.resolve(__dirname, '../../../../packages/engine/test/speech/speech-16k.wav');
/** The espeak-ng recording as a browser's MediaRecorder would send it: Opus in WebM. */
const speechWebm = (): Uint8Array => {
  const out = path.join(tmp, 'speech.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', SPEECH, '-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', out]);
  return new Uint8Array(readFileSync(out));
};
const ffprobe = (bytes: Uint8Array, name: string) => {
  const file = path.join(tmp, name);
  writeFileSync(file, bytes);
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,sample_rate:format=duration', '-of', 'json', file]).toString()) as {
    streams: Array<{ codec_name: string }>; format: { duration: string };
  };
};
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each(databaseKinds)('voice notes over $name', (kind) => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let sessionId: string;
  let owner: UserClient, engineer: UserClient, artist: UserClient, viewer: UserClient, outsider: UserClient;
  let urls: ReturnType<typeof reviewUrls>;
  let webm: Uint8Array;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const database = await kind.create();
    cleanup = database.cleanup;
    s = await startServer(database.config);
    sessionId = await createSession(s, 'Night Drive');
    const elsewhere = await createSession(s, 'Other song');
    urls = reviewUrls(sessionId);
    // A 60 s song with one channel.
    await s.server.db.prisma.stem.create({
      data: { id: 'bass-stem', sessionId, name: 'Bass', fileHash: 'a'.repeat(64), fileName: 'bass.wav', mimeType: 'audio/wav', sizeBytes: 1, sampleRate: 48000, channels: 2, durationSec: 60 },
    });
    const doc = new Y.Doc();
    initializeMix(doc, [{ id: 'bass', name: 'Bass', stemId: 'bass-stem' }]);
    await s.server.db.prisma.docUpdate.create({ data: { sessionId, data: new Uint8Array(Y.encodeStateAsUpdate(doc)) } });
    owner = await asUser(s, 'owner', 'olga', [sessionId]);
    engineer = await asUser(s, 'engineer', 'eddie', [sessionId]);
    artist = await asUser(s, 'artist', 'ana', [sessionId]);
    viewer = await asUser(s, 'viewer', 'vic', [sessionId]);
    outsider = await asUser(s, 'owner', 'otto', [elsewhere]);
    webm = speechWebm();
  });
  afterAll(async () => {
    sockets.forEach((x) => x.close());
    await s?.server.close();
    await cleanup?.();
  });

  const post = (who: UserClient | ReturnType<typeof anonymous>, bytes: Uint8Array, query: Record<string, string | number>, type = 'audio/webm') =>
    who.fetch(`${urls.voiceNotes}?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`, {
      method: 'POST', body: Buffer.from(bytes), headers: { 'content-type': type },
    });

  it('a recorded note is a comment at its time, seen live, streamed back whole and by Range, and ffprobe reads the same speech', async () => {
    const sock = await artist.socket();
    sockets.push(sock);
    await new Promise((resolve) => sock.emit(REVIEW_EVENTS.subscribe, { sessionId }, resolve));
    const seen: CommentInfo[] = [];
    sock.on(REVIEW_EVENTS.comment, (c: CommentInfo) => seen.push(c));

    const res = await post(engineer, webm, { atSec: 12.5, durationSec: 3.2 });
    expect(res.status, await res.clone().text()).toBe(201);
    const note = (await res.json()) as CommentInfo;
    expect(note).toMatchObject({ atSec: 12.5, endSec: null, authorName: 'Eddie', body: 'Voice note (0:03)', parentId: null });
    expect(note.voice).toEqual({ url: urls.commentVoice(note.id), mimeType: 'audio/webm', durationSec: 3.2, sizeBytes: webm.length });
    // The mix it was recorded against is kept, as for a text comment.
    expect(note.mixUrl).toBe(urls.commentMix(note.id));
    await waitFor(() => seen.some((c) => c.id === note.id && c.voice?.sizeBytes === webm.length));

    const list = (await artist.json<ListCommentsResponse>(urls.comments)).body.comments;
    expect(list.find((c) => c.id === note.id)?.voice).toEqual(note.voice);

    const whole = await artist.fetch(note.voice!.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/webm');
    const back = new Uint8Array(await whole.arrayBuffer());
    expect(sha256(back)).toBe(sha256(webm));
    const probed = ffprobe(back, 'back.webm');
    expect(probed.streams[0].codec_name).toBe('opus');
    const speechSec = ffprobe(new Uint8Array(readFileSync(SPEECH)), 'speech.wav').format.duration;
    expect(Math.abs(Number(probed.format.duration) - Number(speechSec))).toBeLessThan(0.05);

    const part = await viewer.fetch(note.voice!.url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${webm.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(webm.subarray(100, 200)))).toBe(true);
  });

  it('threads, ranges and resolves like a text comment; a deleted note\'s audio is gone', async () => {
    const root = (await (await post(artist, webm, { atSec: 20, endSec: 24, durationSec: 3.2, body: 'listen to the snare here' })).json()) as CommentInfo;
    expect(root).toMatchObject({ atSec: 20, endSec: 24, body: 'listen to the snare here' });
    // A voice reply joins its thread's time, whatever time it names.
    const reply = (await (await post(engineer, webm, { atSec: 1, durationSec: 3.2, parentId: root.id })).json()) as CommentInfo;
    expect(reply).toMatchObject({ parentId: root.id, atSec: 20, endSec: 24 });
    expect(reply.voice?.mimeType).toBe('audio/webm');
    const resolved = await engineer.json<CommentInfo>(urls.comment(root.id) + '/resolve', { body: { resolved: true } });
    expect(resolved.status).toBe(200);
    expect(resolved.body.resolvedBy).toBe('Eddie');
    expect(resolved.body.voice?.url).toBe(urls.commentVoice(root.id));

    const deleted = await artist.json<CommentInfo>(urls.comment(root.id), { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.body.voice).toBeNull();
    const gone = await engineer.json(urls.commentVoice(root.id));
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe('this voice note was deleted');
    // The reply's audio stays (the same bytes, one blob).
    expect((await engineer.fetch(reply.voice!.url)).status).toBe(200);
  });

  it('a WAV is accepted and its own header sets the length', async () => {
    const wav = encodeWav([new Float32Array(16000 * 2.5)], 16000, { bitDepth: 16 });
    const res = await post(owner, wav, { atSec: 5, durationSec: 99 }, 'audio/wav');
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as CommentInfo).voice).toMatchObject({ mimeType: 'audio/wav', durationSec: 2.5 });
  });

  it('members the role table allows record; a viewer as the table says; an outsider gets 404, anonymous 401', async () => {
    const byViewer = await post(viewer, webm, { atSec: 2, durationSec: 3.2 });
    expect(byViewer.status).toBe(can('viewer', 'comments.write') ? 201 : 403);
    const note = (await (await post(owner, webm, { atSec: 3, durationSec: 3.2 })).json()) as CommentInfo;

    const outsiderPost = await post(outsider, webm, { atSec: 2, durationSec: 3.2 });
    expect(outsiderPost.status).toBe(404);
    const outsiderGet = await outsider.fetch(urls.commentVoice(note.id));
    expect(outsiderGet.status).toBe(404);
    expect(Buffer.from(await outsiderGet.arrayBuffer()).includes(Buffer.from(webm.subarray(0, 64)))).toBe(false);
    expect((await post(anonymous(s.url), webm, { atSec: 2, durationSec: 3.2 })).status).toBe(401);
    expect((await anonymous(s.url).fetch(urls.commentVoice(note.id))).status).toBe(401);
  });

  it('refuses in plain words: too large, not audio, outside the song, too long, no recording', async () => {
    const big = new Uint8Array(VOICE_NOTE_MAX_BYTES + 1);
    big.set(webm.subarray(0, 4));
    const large = await post(artist, big, { atSec: 2, durationSec: 60 });
    expect(large.status).toBe(413);
    expect(((await large.json()) as { error: { message: string } }).error.message).toBe(
      'the voice note is 4.0 MB; the largest accepted is 4.0 MB (about 2 minutes of speech) — record a shorter one',
    );
    const junk = await post(artist, new TextEncoder().encode('<html>not audio</html>'), { atSec: 2, durationSec: 1 });
    expect(junk.status).toBe(415);
    expect(((await junk.json()) as { error: { message: string } }).error.message).toBe('this is not a recording Mixroom can keep: send WebM/Opus, Ogg, MP4 audio or WAV');
    const outside = await post(artist, webm, { atSec: 75, durationSec: 3.2 });
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as { error: { message: string } }).error.message).toBe('time 75.0 s is outside the song (0–60.0 s)');
    const long = await post(artist, webm, { atSec: 2, durationSec: 600 });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { message: string } }).error.message).toBe('durationSec: a voice note is at most 2 minutes');
    const empty = await post(artist, new Uint8Array(0), { atSec: 2, durationSec: 1 });
    expect(empty.status).toBe(400);
    // None of the refused ones became a comment.
    const list = (await artist.json<ListCommentsResponse>(urls.comments)).body.comments;
    expect(list.filter((c) => c.authorName === 'Ana' && c.voice && c.atSec === 2)).toEqual([]);
  });
});
