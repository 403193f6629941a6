import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initializeMix, measureLoudness, MixModel, encodeWav, decodeWav, mixStateFromUpdate } from '@mixroom/engine';
import { MIX_STATE_HEADER, REVIEW_EVENTS, reviewUrls, type ActivityInfo, type CommentInfo, type Role, type VersionInfo } from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { assertPostgresReachable, connectClient, createSession, databaseKinds, SKIP_PG, startServer, waitFor } from '../test-support.js';
import { anonymous, asUser, type UserClient } from './test-clients.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mixroom-review-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 3 s stereo master: a tone at `dbfs`, 24-bit (no dither, so files are reproducible). */
function master(dbfs: number, freq = 440): Uint8Array {
  const sr = 48000;
  const amp = 10 ** (dbfs / 20);
  const ch = [0, 1].map(() => Float32Array.from({ length: sr * 3 }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / sr)));
  return encodeWav(ch, sr, { bitDepth: 24, dither: 'none' });
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function nextEvent<T>(socket: Socket, event: string, match: (x: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const on = (x: T) => {
      if (!match(x)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(x);
    };
    socket.on(event, on);
  });
}

describe.each(databaseKinds)('review loop over $name', (kind) => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let sessionId: string;
  let otherSessionId: string;
  let owner: UserClient, engineer: UserClient, artist: UserClient, viewer: UserClient;
  let urls: ReturnType<typeof reviewUrls>;
  const sockets: Socket[] = [];
  /** A signed-up account, member with `role` of both test sessions. */
  const member = (role: Role, key: string, name?: string) => asUser(s, role, key, [sessionId, otherSessionId], name);

  beforeAll(async () => {
    const database = await kind.create();
    cleanup = database.cleanup;
    s = await startServer(database.config);
    sessionId = await createSession(s, 'Night Drive');
    otherSessionId = await createSession(s, 'Other song');
    urls = reviewUrls(sessionId);
    // A 60 s song with three channels in its mix document.
    await s.server.db.prisma.stem.create({
      data: { id: 'bass-stem', sessionId, name: 'Bass', fileHash: 'a'.repeat(64), fileName: 'bass.wav', mimeType: 'audio/wav', sizeBytes: 1, sampleRate: 48000, channels: 2, durationSec: 60 },
    });
    const doc = new Y.Doc();
    initializeMix(doc, [{ id: 'bass', name: 'Bass', stemId: 'bass-stem' }, { id: 'keys', name: 'Keys', stemId: 'k' }, { id: 'lead', name: 'Lead', stemId: 'l' }]);
    await s.server.db.prisma.docUpdate.create({ data: { sessionId, data: new Uint8Array(Y.encodeStateAsUpdate(doc)) } });
    owner = await member('owner', 'olga');
    engineer = await member('engineer', 'eddie');
    artist = await member('artist', 'ana');
    viewer = await member('viewer', 'vic');
  });
  afterAll(async () => {
    sockets.forEach((x) => x.close());
    await s?.server.close();
    await cleanup?.();
  });

  const subscribed = async (user: UserClient, session = sessionId) => {
    const socket = await user.socket();
    sockets.push(socket);
    const ack = await socket.emitWithAck(REVIEW_EVENTS.subscribe, { sessionId: session });
    expect(ack).toEqual({ ok: true });
    return socket;
  };
  const upload = (user: UserClient, bytes: Uint8Array, opts: { notes?: string; source?: string; mix?: Uint8Array; session?: string } = {}) =>
    user.fetch(`${reviewUrls(opts.session ?? sessionId).versions}?source=${opts.source ?? 'upload'}&notes=${encodeURIComponent(opts.notes ?? '')}`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', ...(opts.mix ? { [MIX_STATE_HEADER]: Buffer.from(opts.mix).toString('base64') } : {}) },
      body: Buffer.from(bytes),
    });

  describe('comments', () => {
    it('fans a new comment out live to another client and lists comments by time, with threads', async () => {
      const listener = await subscribed(engineer);
      const arrived = nextEvent<CommentInfo>(listener, REVIEW_EVENTS.comment, (c) => c.body === 'vocal too loud here');
      const activity = nextEvent<ActivityInfo>(listener, REVIEW_EVENTS.activity, (e) => e.kind === 'comment.created');
      const later = await artist.json<CommentInfo>(urls.comments, { body: { body: 'vocal too loud here', atSec: 30, endSec: 34.5, channelId: 'lead' } });
      expect(later.status).toBe(201);
      expect(await arrived).toMatchObject({ id: later.body.id, authorId: artist.userId, authorName: 'Ana', atSec: 30, endSec: 34.5, channelId: 'lead', parentId: null, resolvedAt: null });
      expect((await activity).text).toBe('Ana commented at 0:30: “vocal too loud here”');

      const earlier = await viewer.json<CommentInfo>(urls.comments, { body: { body: 'nice intro', atSec: 2 } });
      expect(earlier.status).toBe(201);
      const reply = await engineer.json<CommentInfo>(urls.comments, { body: { body: 'pulled it down 2 dB', atSec: 0, parentId: later.body.id } });
      expect(reply.status).toBe(201);
      // Replies join their thread's time, whatever time they were sent with.
      expect(reply.body).toMatchObject({ parentId: later.body.id, atSec: 30, endSec: 34.5 });
      const replyToReply = await artist.json<CommentInfo>(urls.comments, { body: { body: 'better', atSec: 0, parentId: reply.body.id } });
      expect(replyToReply.body.parentId).toBe(later.body.id);

      const list = await viewer.json<{ comments: CommentInfo[] }>(urls.comments);
      expect(list.body.comments.map((c) => c.body)).toEqual(['nice intro', 'vocal too loud here', 'pulled it down 2 dB', 'better']);
    });

    it('resolves and reopens threads, filters open/resolved, and only authors (or the owner) edit or delete', async () => {
      const c = (await artist.json<CommentInfo>(urls.comments, { body: { body: 'snare too bright', atSec: 10 } })).body;
      const r = (await engineer.json<CommentInfo>(urls.comments, { body: { body: 'fixed', atSec: 0, parentId: c.id } })).body;
      const resolved = await engineer.json<CommentInfo>(`${urls.comment(c.id)}/resolve`, { body: { resolved: true } });
      expect(resolved.body).toMatchObject({ resolvedBy: 'Eddie' });
      expect(resolved.body.resolvedAt).not.toBeNull();
      const resolvedList = (await artist.json<{ comments: CommentInfo[] }>(`${urls.comments}?status=resolved`)).body.comments;
      expect(resolvedList.map((x) => x.id)).toEqual([c.id, r.id]);
      const open = (await artist.json<{ comments: CommentInfo[] }>(`${urls.comments}?status=open`)).body.comments;
      expect(open.map((x) => x.id)).not.toContain(c.id);
      expect((await artist.json(`${urls.comments}?status=maybe`)).status).toBe(400);
      expect((await engineer.json(`${urls.comment(r.id)}/resolve`, { body: { resolved: true } })).status).toBe(400);
      const reopened = await artist.json<CommentInfo>(`${urls.comment(c.id)}/resolve`, { body: { resolved: false } });
      expect(reopened.body.resolvedAt).toBeNull();

      expect((await engineer.json(urls.comment(c.id), { method: 'PATCH', body: { body: 'hijack' } })).status).toBe(403);
      expect((await viewer.json(urls.comment(c.id), { method: 'DELETE' })).status).toBe(403);
      const edited = await artist.json<CommentInfo>(urls.comment(c.id), { method: 'PATCH', body: { body: 'snare a bit too bright' } });
      expect(edited.body.body).toBe('snare a bit too bright');
      expect(edited.body.editedAt).not.toBeNull();
      const moderated = await owner.json<CommentInfo>(urls.comment(r.id), { method: 'PATCH', body: { body: 'fixed (EQ at 5 kHz)' } });
      expect(moderated.status).toBe(200);

      // Deleting keeps the thread: replies survive, the deleted text does not.
      const deleted = await artist.json<CommentInfo>(urls.comment(c.id), { method: 'DELETE' });
      expect(deleted.body).toMatchObject({ body: '', mixUrl: null });
      const after = (await artist.json<{ comments: CommentInfo[] }>(urls.comments)).body.comments;
      expect(after.find((x) => x.id === c.id)?.deletedAt).not.toBeNull();
      expect(after.find((x) => x.id === r.id)?.body).toBe('fixed (EQ at 5 kHz)');
      const replyToDeleted = await engineer.json(urls.comments, { body: { body: 'hello?', atSec: 0, parentId: c.id } });
      expect(replyToDeleted).toMatchObject({ status: 409, body: { error: { code: 'conflict', message: 'cannot reply to a deleted comment' } } });
      expect((await artist.json(urls.comment(c.id), { method: 'PATCH', body: { body: 'undelete' } })).status).toBe(409);
    });

    it('stores the mix at the moment of writing, for "recall mix"', async () => {
      const client = connectClient(s.wsUrl, sessionId, s.owner);
      await client.synced;
      const model = new MixModel(client.doc);
      model.setChannelGain('bass', -7.5);
      const room = await s.server.rooms.peek(sessionId)!;
      await waitFor(() => new MixModel(room.doc).getChannelParam('bass', 'gain') === -7.5, 5000, 'gain to reach the server');
      const c = (await artist.json<CommentInfo>(urls.comments, { body: { body: 'bass is right now', atSec: 20 } })).body;
      model.setChannelGain('bass', 0);
      const res = await artist.fetch(c.mixUrl!);
      expect(res.status).toBe(200);
      const recalled = mixStateFromUpdate(new Uint8Array(await res.arrayBuffer()));
      expect(recalled.channels.find((x) => x.id === 'bass')?.gain).toBe(-7.5);
      client.destroy();
    });

    it('refuses bad input with clear errors and stores markup as plain text', async () => {
      const before = await s.server.db.prisma.comment.count();
      const cases: Array<[unknown, number, RegExp]> = [
        [{ body: '', atSec: 1 }, 400, /comment body is empty/],
        [{ body: '   \n ', atSec: 1 }, 400, /comment body is empty/],
        [{ body: 'x'.repeat(100_000), atSec: 1 }, 400, /longer than 5000 characters/],
        [{ body: 'late', atSec: 75 }, 400, /time 75\.0 s is outside the song \(0–60\.0 s\)/],
        [{ body: 'long', atSec: 50, endSec: 70 }, 400, /range 50\.0 s–70\.0 s is outside the song/],
        [{ body: 'reversed', atSec: 20, endSec: 10 }, 400, /range end must be after its start/],
        [{ body: 'negative', atSec: -1 }, 400, /time must be ≥ 0/],
        [{ body: 'nan', atSec: 'soon' }, 400, /atSec/],
        [{ body: 'who', atSec: 1, channelId: 'tuba' }, 400, /unknown channel tuba/],
        [{ body: 'orphan', atSec: 1, parentId: 'nope' }, 404, /unknown comment nope/],
        [{ body: 'extra', atSec: 1, authorId: 'someone-else' }, 400, /authorId/],
      ];
      for (const [body, status, message] of cases) {
        const res = await artist.json(urls.comments, { body });
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
        expect(res.body.error.message).toMatch(message);
      }
      expect((await artist.json(urls.comments, { body: '{not json' })).status).toBe(400);
      // A thread in another session cannot be answered from here.
      const foreign = (await artist.json<CommentInfo>(reviewUrls(otherSessionId).comments, { body: { body: 'elsewhere', atSec: 1 } })).body;
      expect((await artist.json(urls.comments, { body: { body: 'cross', atSec: 1, parentId: foreign.id } })).status).toBe(404);
      expect(await s.server.db.prisma.comment.count()).toBe(before + 1);

      const html = '<script>alert(1)</script><b>bold</b> & "quotes"';
      const c = await artist.json<CommentInfo>(urls.comments, { body: { body: html, atSec: 3 } });
      expect(c.status).toBe(201);
      expect((await artist.json<CommentInfo[]>(urls.comments)).body).toMatchObject({ comments: expect.arrayContaining([expect.objectContaining({ body: html })]) });
    });
  });

  describe('roles', () => {
    it('lets everyone comment, only owner/engineer create versions, only artist/owner decide, and nobody anonymous', async () => {
      for (const u of [owner, engineer, artist, viewer]) {
        expect((await u.json(urls.comments, { body: { body: `hi from ${u.role}`, atSec: 5 } })).status, u.role).toBe(201);
      }
      expect((await upload(viewer, master(-20))).status).toBe(403);
      expect((await upload(artist, master(-20))).status).toBe(403);
      const mine = await upload(engineer, master(-20), { notes: 'engineer v' });
      expect(mine.status).toBe(201);
      const v = (await mine.json()) as VersionInfo;
      // An engineer cannot approve, not even their own version; neither can a viewer.
      for (const u of [engineer, viewer]) {
        const res = await u.json(urls.versionDecision(v.id), { body: { decision: 'approve' } });
        expect(res.status, u.role).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
      }
      expect((await artist.json(urls.settings, { method: 'PUT', body: { deliverOnlyApproved: true } })).status).toBe(403);
      const anon = anonymous(s.url);
      expect((await anon.fetch(urls.comments)).status).toBe(401);
      expect((await anon.fetch(urls.versions)).status).toBe(401);
      const sock = await (await member('viewer', 'vic')).socket();
      sockets.push(sock);
      expect(await sock.emitWithAck(REVIEW_EVENTS.subscribe, { sessionId: 'no-such-session' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect(await sock.emitWithAck(REVIEW_EVENTS.subscribe, { sessionId: '../bad' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      await s.server.db.prisma.version.delete({ where: { id: v.id } });
    });
  });

  describe('versions and approval', () => {
    it('accepts the mix state of a long-lived session (well past 16 KiB of header) with a bounced version', async () => {
      const doc = new Y.Doc();
      initializeMix(doc, [{ id: 'bass', name: 'Bass', stemId: 'bass-stem' }]);
      // Many browsers over many days: every writer keeps registers of its own.
      for (let w = 0; w < 500; w++) {
        const writer = new Y.Doc();
        Y.applyUpdate(writer, Y.encodeStateAsUpdate(doc));
        new MixModel(writer).setChannelGain('bass', -w / 10);
        Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer));
      }
      const mix = Y.encodeStateAsUpdate(doc);
      expect(Buffer.from(mix).toString("base64").length).toBeGreaterThan(16 * 1024);
      // Building that history can block this process past the server's 5 s keep-alive: let the client
      // see the idle socket's close first, or it reuses a dead connection (ECONNRESET on a loaded machine).
      await new Promise((r) => setTimeout(r, 100));
      const res = await upload(engineer, master(-20), { source: 'bounce', mix });
      expect(res.status, await res.clone().text()).toBe(201);
      const v = (await res.json()) as VersionInfo;
      await s.server.db.prisma.version.delete({ where: { id: v.id } });
    });

    let v1: VersionInfo;
    let v2: VersionInfo;
    let v1Bytes: Uint8Array;

    it('creates numbered versions with their loudness, peaks, and what changed in the mix', async () => {
      const doc = new Y.Doc();
      initializeMix(doc, [{ id: 'bass', name: 'Bass', stemId: 'b' }, { id: 'keys', name: 'Keys', stemId: 'k' }, { id: 'lead', name: 'Lead', stemId: 'l' }]);
      const m = new MixModel(doc);
      m.setChannelGain('bass', -6);
      m.setPan('keys', -0.2);
      const mixA = Y.encodeStateAsUpdate(doc);
      m.setChannelGain('bass', -4.5);
      m.setPan('keys', 0);
      m.setMute('lead', true);
      const mixB = Y.encodeStateAsUpdate(doc);

      const listener = await subscribed(artist);
      const announced = nextEvent<VersionInfo>(listener, REVIEW_EVENTS.version, (v) => 'number' in v);
      v1Bytes = master(-20);
      const r1 = await upload(engineer, v1Bytes, { source: 'bounce', notes: 'first pass', mix: mixA });
      expect(r1.status).toBe(201);
      v1 = (await r1.json()) as VersionInfo;
      expect((await announced).id).toBe(v1.id);
      const expected = measureLoudness(decodeWav(v1Bytes).channels, 48000, { series: false });
      expect(v1).toMatchObject({ format: 'wav', sampleRate: 48000, channels: 2, bitDepth: 24, durationSec: 3, notes: 'first pass', source: 'bounce', status: 'pending', createdByName: 'Eddie', changes: null, fileHash: sha256(v1Bytes) });
      expect(v1.loudness.integrated).toBeCloseTo(expected.integrated, 1);
      expect(v1.loudness.truePeak).toBeCloseTo(expected.truePeak, 1);
      expect(v1.peaksUrl).not.toBeNull();
      expect(v1.number).toBeGreaterThanOrEqual(1);

      v2 = (await (await upload(engineer, master(-14, 220), { source: 'bounce', mix: mixB })).json()) as VersionInfo;
      expect(v2.number).toBe(v1.number + 1);
      expect(v2.changes).toEqual(['Bass +1.5 dB', 'Keys pan L20 → C', 'Lead muted']);
      expect(v2.loudness.integrated! - v1.loudness.integrated!).toBeCloseTo(6, 0);

      // Streaming with ranges, like stems.
      const part = await artist.fetch(v1.audioUrl, { headers: { Range: 'bytes=0-43' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(v1Bytes.subarray(0, 44)))).toBe(true);
      expect((await artist.fetch(v1.peaksUrl!)).status).toBe(200);
    });

    it('numbers concurrent uploads uniquely and refuses files that are not WAV', async () => {
      const results = await Promise.all([1, 2, 3].map(() => upload(engineer, master(-30))));
      const numbers = await Promise.all(results.map(async (r) => ((await r.json()) as VersionInfo).number));
      expect(new Set(numbers).size).toBe(3);
      expect(Math.min(...numbers)).toBe(v2.number + 1);
      const bad = await upload(engineer, new TextEncoder().encode('<html>not audio</html>'));
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/not a usable WAV file/);
      expect((await upload(engineer, new Uint8Array(0))).status).toBe(400);
      const badMix = await engineer.fetch(`${urls.versions}?source=bounce`, { method: 'POST', headers: { [MIX_STATE_HEADER]: 'not-yjs!!' }, body: Buffer.from(master(-20)) });
      expect(badMix.status).toBe(400);
      // Clean up the extra versions so later numbering assertions stay simple.
      const list = (await artist.json<{ versions: VersionInfo[] }>(urls.versions)).body.versions;
      for (const v of list.filter((x) => x.number > v2.number)) expect((await engineer.json(urls.version(v.id), { method: 'DELETE' })).status).toBe(200);
    });

    it('places comments on a version\'s timeline (its length bounds them) and replies stay on it', async () => {
      const listener = await subscribed(engineer);
      const seen = nextEvent<CommentInfo>(listener, REVIEW_EVENTS.comment, (c) => c.versionId === v1.id);
      const on = await artist.json<CommentInfo>(urls.comments, { body: { body: 'snare too loud in v1', atSec: 1.5, endSec: 2.5, versionId: v1.id } });
      expect(on.status).toBe(201);
      expect(on.body).toMatchObject({ versionId: v1.id, atSec: 1.5, endSec: 2.5 });
      expect((await seen).id).toBe(on.body.id);
      const reply = await engineer.json<CommentInfo>(urls.comments, { body: { body: 'fixed in v2', atSec: 0, parentId: on.body.id } });
      expect(reply.body).toMatchObject({ versionId: v1.id, atSec: 1.5, parentId: on.body.id });
      const listed = (await viewer.json<{ comments: CommentInfo[] }>(urls.comments)).body.comments;
      expect(listed.find((c) => c.id === on.body.id)?.versionId).toBe(v1.id);
      // v1 is 3 s long although the song is 60 s; unknown versions and those of another session are refused.
      const late = await artist.json(urls.comments, { body: { body: 'late', atSec: 5, versionId: v1.id } });
      expect(late.status).toBe(400);
      expect(late.body.error.message).toMatch(new RegExp(`time 5\\.0 s is outside v${v1.number} \\(0–3\\.0 s\\)`));
      const unknown = await artist.json(urls.comments, { body: { body: 'where', atSec: 1, versionId: 'nope' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/unknown version nope in this session/);
      expect((await artist.json(reviewUrls(otherSessionId).comments, { body: { body: 'cross', atSec: 1, versionId: v1.id } })).status).toBe(400);
    });

    it('approves with the SHA-256 of the audio, then the version is immutable and a later version needs its own approval', async () => {
      const listener = await subscribed(engineer);
      const seen = nextEvent<VersionInfo>(listener, REVIEW_EVENTS.version, (v) => v.id === v1.id && v.status === 'approved');
      const ok = await artist.json<VersionInfo>(urls.versionDecision(v1.id), { body: { decision: 'approve', comment: 'love it' } });
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('approved');
      expect(ok.body.decision).toMatchObject({ decision: 'approve', byId: artist.userId, byName: 'Ana', sha256: sha256(v1Bytes), comment: 'love it' });
      expect((await seen).decision?.sha256).toBe(sha256(v1Bytes));

      const notes = await engineer.json(urls.version(v1.id), { method: 'PATCH', body: { notes: 'changed' } });
      expect(notes).toMatchObject({ status: 409, body: { error: { message: `v${v1.number} is approved and can no longer be changed` } } });
      expect((await engineer.json(urls.version(v1.id), { method: 'DELETE' })).status).toBe(409);
      expect((await owner.json(urls.versionDecision(v1.id), { body: { decision: 'approve' } })).status).toBe(409);
      expect((await artist.json(urls.versionDecision(v1.id), { body: { decision: 'request_changes', comment: 'wait' } })).status).toBe(409);
      const still = (await artist.json<VersionInfo>(urls.version(v1.id))).body;
      expect(still).toMatchObject({ status: 'approved', notes: 'first pass' });

      expect((await artist.json<VersionInfo>(urls.version(v2.id))).body.status).toBe('pending');
      expect((await engineer.json(urls.version(v2.id), { method: 'PATCH', body: { notes: 'louder' } })).status).toBe(200);
    });

    it('requests changes with a required comment', async () => {
      const empty = await artist.json(urls.versionDecision(v2.id), { body: { decision: 'request_changes' } });
      expect(empty.status).toBe(400);
      expect(empty.body.error.message).toMatch(/comment is required/);
      const r = await artist.json<VersionInfo>(urls.versionDecision(v2.id), { body: { decision: 'request_changes', comment: 'bass still too loud' } });
      expect(r.body).toMatchObject({ status: 'changes_requested', decision: { decision: 'request_changes', comment: 'bass still too loud' } });
    });

    it('lets exactly one of many racing approvals win', async () => {
      const v3 = (await (await upload(engineer, master(-18))).json()) as VersionInfo;
      const racers = [artist, owner, artist, owner, await member('artist', 'ana2', 'Ana Two'), await member('owner', 'olga2')];
      const results = await Promise.all(racers.map((u) => u.json(urls.versionDecision(v3.id), { body: { decision: 'approve' } })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      expect(await s.server.db.prisma.approval.count({ where: { versionId: v3.id, decision: 'approve' } })).toBe(1);
      const approvedEvents = await s.server.db.prisma.activityEvent.count({ where: { kind: 'version.approved', payload: { path: ['versionId'], equals: v3.id } } });
      expect(approvedEvents).toBe(1);
    });

    it('answers 404 for versions that do not exist or belong to another session', async () => {
      const elsewhere = (await (await upload(owner, master(-20), { session: otherSessionId })).json()) as VersionInfo;
      for (const id of ['nope', elsewhere.id]) {
        const res = await artist.json(urls.versionDecision(id), { body: { decision: 'approve' } });
        expect(res.status).toBe(404);
        expect(res.body.error.message).toMatch(/unknown version/);
        expect((await artist.fetch(urls.versionAudio(id))).status).toBe(404);
      }
      expect((await artist.json<VersionInfo>(reviewUrls(otherSessionId).version(elsewhere.id))).body.status).toBe('pending');
      expect((await artist.json(urls.versionDecision(v2.id), { body: { decision: 'maybe' } })).status).toBe(400);
    });

    it('delivers the approved master as WAV and bit-exact FLAC, and refuses unapproved ones when set to deliver only approved', async () => {
      const wav = await artist.fetch(urls.versionDownload(v1.id, 'wav'));
      expect(wav.status).toBe(200);
      expect(wav.headers.get('content-disposition')).toBe(`attachment; filename="Night-Drive-v${v1.number}-approved.wav"`);
      const wavBytes = new Uint8Array(await wav.arrayBuffer());
      expect(sha256(wavBytes)).toBe(sha256(v1Bytes));

      const flac = await artist.fetch(urls.versionDownload(v1.id, 'flac'));
      expect(flac.status).toBe(200);
      expect(flac.headers.get('content-type')).toBe('audio/flac');
      const flacFile = path.join(tmp, `${kind.name}.flac`);
      writeFileSync(flacFile, new Uint8Array(await flac.arrayBuffer()));
      const decoded = execFileSync('ffmpeg', ['-v', 'error', '-i', flacFile, '-f', 's24le', '-']);
      const pcm = Buffer.from(v1Bytes.subarray(44)); // our encoder writes a 44-byte header for PCM
      expect(decoded.equals(pcm)).toBe(true);

      const report = await artist.json(urls.versionReport(v1.id));
      expect(report.body).toMatchObject({ version: v1.number, status: 'approved', file: { sha256: sha256(v1Bytes) }, approval: { byName: 'Ana' }, loudness: v1.loudness });

      expect((await artist.fetch(urls.versionDownload(v2.id, 'wav'))).status).toBe(200);
      expect((await engineer.json(urls.settings, { method: 'PUT', body: { deliverOnlyApproved: true } })).status).toBe(200);
      const refused = await artist.json(urls.versionDownload(v2.id, 'wav'));
      expect(refused).toMatchObject({ status: 403, body: { error: { message: `v${v2.number} is not approved, and this session delivers only approved versions` } } });
      expect((await artist.fetch(urls.versionDownload(v2.id, 'flac'))).status).toBe(403);
      expect((await artist.fetch(urls.versionDownload(v1.id, 'wav'))).status).toBe(200);
      expect((await artist.fetch(urls.versionDownload(v1.id, 'ogg' as 'wav'))).status).toBe(400);
      expect((await engineer.json(urls.settings, { method: 'PUT', body: { deliverOnlyApproved: 'yes' } })).status).toBe(400);
    });

    it('delivers the approved master as a 320 kbps MP3 made from it (same duration and loudness), under the same rules', async () => {
      // Still "deliver only approved" from the test above: v2 (not approved) is refused as MP3 too.
      expect((await artist.json(urls.versionDownload(v2.id, 'mp3'))).status).toBe(403);
      expect((await anonymous(s.url).fetch(urls.versionDownload(v1.id, 'mp3'))).status).toBe(401);
      // Any member may download the approved one; two at once share one encode.
      const [res, again] = await Promise.all([viewer.fetch(urls.versionDownload(v1.id, 'mp3')), artist.fetch(urls.versionDownload(v1.id, 'mp3'))]);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/mpeg');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Night-Drive-v${v1.number}-approved.mp3"`);
      const mp3 = new Uint8Array(await res.arrayBuffer());
      expect(Buffer.from(new Uint8Array(await again.arrayBuffer())).equals(Buffer.from(mp3))).toBe(true);
      const file = path.join(tmp, `${kind.name}.mp3`);
      writeFileSync(file, mp3);
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString());
      expect(probe.streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '48000', channels: 2, bit_rate: '320000' });
      // MP3 frames add the encoder's delay and padding (< 2 frames of 1152 samples).
      expect(Math.abs(Number(probe.format.duration) - v1.durationSec)).toBeLessThan(0.05);
      // ffmpeg decodes it without complaint, and it sounds as loud as the WAV.
      const decoded = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '2', '-'], { maxBuffer: 1 << 26 });
      const floats = new Float32Array(decoded.buffer, decoded.byteOffset, decoded.byteLength / 4);
      const channels = [0, 1].map((c) => Float32Array.from({ length: floats.length / 2 }, (_, i) => floats[2 * i + c]));
      const loud = measureLoudness(channels, 48000, { series: false });
      expect(Math.abs(loud.integrated - v1.loudness.integrated!)).toBeLessThanOrEqual(0.2);
    });
  });

  describe('activity and notifications', () => {
    it('logs who did what, and counts unread notifications of what others did', async () => {
      const log = (await viewer.json<{ events: ActivityInfo[] }>(urls.activity)).body.events;
      const texts = log.map((e) => e.text);
      expect(texts).toContain('Eddie turned “deliver only approved” on');
      expect(texts.some((t) => /^Ana approved v\d+$/.test(t))).toBe(true);
      expect(texts.some((t) => /^Eddie bounced v\d+$/.test(t))).toBe(true);
      expect(texts.some((t) => /^Ana requested changes on v\d+: “bass still too loud”$/.test(t))).toBe(true);
      expect(Number(log[0].id)).toBeGreaterThan(Number(log[log.length - 1].id));

      const n = (await artist.json<{ items: ActivityInfo[]; unread: number; lastReadId: string }>(urls.notifications)).body;
      expect(n.unread).toBeGreaterThan(0);
      expect(n.items.every((i) => i.actorId !== 'ana')).toBe(true);
      expect(n.items.some((i) => i.kind === 'version.created')).toBe(true);
      expect((await artist.json(urls.notificationsRead, { body: { upTo: n.items[0].id } })).status).toBe(200);
      expect((await artist.json<{ unread: number }>(urls.notifications)).body.unread).toBe(0);
      // Read markers only move forward.
      await artist.json(urls.notificationsRead, { body: { upTo: '1' } });
      expect((await artist.json<{ unread: number }>(urls.notifications)).body.unread).toBe(0);
      await engineer.json(urls.comments, { body: { body: 'new mix is up', atSec: 1 } });
      expect((await artist.json<{ unread: number }>(urls.notifications)).body.unread).toBe(1);
      expect((await artist.json(urls.notificationsRead, { body: { upTo: 'latest' } })).status).toBe(400);
    });
  });
});
