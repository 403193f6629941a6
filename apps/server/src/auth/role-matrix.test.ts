// The role matrix: every REST route, every client socket.io event and the Yjs connection,
// walked as owner / engineer / artist / viewer / non-member / anonymous. Expectations come from
// CAPABILITIES, so changing the table changes the test. A route registered without an entry
// here fails the test — add one when you add a route.
import { randomBytes } from 'node:crypto';
import { computePeaks, encodePeaks, encodeWav } from '@mixroom/engine';
import {
  can, CLIENT_EVENTS, EVENTS, REVIEW_EVENTS, reviewUrls, ROLES, TALK_EVENTS, WS_CLOSE,
  type Capability, type CommentInfo, type TalkJoinAck, type TalkSignalAck, type TalkSignalMessage, type JoinAck, type Presence, type ReviewSubscribeAck, type Role, type TransportAck,
} from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  assertPostgresReachable, connectClient, connectIo, cookieFrom, createSession, databaseKinds, fetchAs, rawSocket, signUp, SKIP_PG, BARE_YJS, startServer, waitFor,
  type TestServer, type TestUser,
} from '../test-support.js';
import { hashToken, newId, newToken } from './tokens.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

type ActorName = Role | 'outsider' | 'anonymous';
const ACTORS: ActorName[] = [...ROLES, 'outsider', 'anonymous'];

/** Who may call a route: a capability in the session, any signed-in user, or anyone. */
type Access = Capability | 'signedIn' | 'public';

interface Ctx {
  s: TestServer;
  users: Record<ActorName, TestUser | null>;
  sessionId: string;
  stemId: string;
  /** A session created for one case (deletions, invite acceptance), with every role a member. */
  freshSession(): Promise<string>;
  /** A stem row of its own in the main session (edits that consume it); `retired` = removed from the mix. */
  freshStem(retired?: boolean): Promise<string>;
  /** An upload of 100 bytes started by the owner in the main session; returns its id. */
  freshUpload(): Promise<string>;
  /** A small stereo WAV (a valid master for `POST …/versions`). */
  wav: Uint8Array;
  /** An approved version of the main session (read-only fixture: deliverable whatever the session setting). */
  versionId: string;
  /** A comment by the owner in the main session with a stored mix (read-only fixture). */
  commentId: string;
  /** A voice note by the owner in the main session (read-only fixture; its audio is the WAV below). */
  voiceCommentId: string;
  /** A version of its own in the main session, pending unless told (approving, editing, deleting consume it). */
  freshVersion(status?: 'pending' | 'approved'): Promise<string>;
  /** A root comment of its own in the main session, written by `author`. */
  freshComment(author: TestUser): Promise<string>;
  /** A reference track of the main session (read-only fixture). */
  referenceId: string;
  /** A reference track of its own in the main session (deleting consumes it). */
  freshReference(): Promise<string>;
}

interface RestCase {
  access: Access;
  /** Path and body for this actor; runs before the request (may create what the call consumes). */
  request(ctx: Ctx, actor: ActorName): Promise<{ path: string; body?: unknown; rawBody?: Blob; headers?: Record<string, string>; as?: TestUser | null }>;
}

const TUS = { 'Tus-Resumable': '1.0.0' };

const REST: Record<string, RestCase> = {
  'POST /api/auth/signup': { access: 'public', request: async () => ({ path: '/api/auth/signup', body: { email: `new.${newId()}@example.test`, name: 'New', password: 'long enough pw' } }) },
  'POST /api/auth/signin': {
    access: 'public',
    request: async (ctx, actor) => {
      const who = ctx.users[actor] ?? ctx.users.outsider!;
      return { path: '/api/auth/signin', body: { email: who.email, password: 'correct horse battery' } };
    },
  },
  'POST /api/auth/signout': {
    access: 'public',
    // Signs out a throwaway sign-in of the same user, so the actor's own cookie keeps working.
    request: async (ctx, actor) => {
      const who = ctx.users[actor];
      if (!who) return { path: '/api/auth/signout' };
      const res = await fetchAs(null, `${ctx.s.url}/api/auth/signin`, { method: 'POST', body: JSON.stringify({ email: who.email, password: 'correct horse battery' }) });
      return { path: '/api/auth/signout', as: { ...who, cookie: cookieFrom(res) } };
    },
  },
  'GET /api/auth/me': { access: 'signedIn', request: async () => ({ path: '/api/auth/me' }) },
  'GET /api/auth/demo': { access: 'public', request: async () => ({ path: '/api/auth/demo' }) },
  // The mailed sign-up link (SIGNUP_CONFIRM=email): anyone may open it; it answers 303 to the sign-in page.
  'GET /api/auth/confirm': { access: 'public', request: async () => ({ path: '/api/auth/confirm?token=not-a-token' }) },
  'GET /api/sessions': { access: 'signedIn', request: async () => ({ path: '/api/sessions' }) },
  'POST /api/sessions': { access: 'signedIn', request: async () => ({ path: '/api/sessions', body: { title: 'Mine' } }) },
  'GET /api/sessions/:id': { access: 'session.view', request: async (c) => ({ path: `/api/sessions/${c.sessionId}` }) },
  'DELETE /api/sessions/:id': { access: 'session.delete', request: async (c) => ({ path: `/api/sessions/${await c.freshSession()}` }) },
  'GET /api/sessions/:id/members': { access: 'members.manage', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/members` }) },
  'PATCH /api/sessions/:id/members/:userId': {
    access: 'members.manage',
    request: async (c) => ({ path: `/api/sessions/${c.sessionId}/members/${c.users.viewer!.id}`, body: { role: 'viewer' } }),
  },
  'DELETE /api/sessions/:id/members/:userId': {
    access: 'members.manage',
    request: async (c) => {
      const extra = await signUp(c.s.url, 'Extra');
      await c.s.server.db.prisma.membership.create({ data: { sessionId: c.sessionId, userId: extra.id, role: 'viewer' } });
      return { path: `/api/sessions/${c.sessionId}/members/${extra.id}` };
    },
  },
  'GET /api/sessions/:id/invites': { access: 'members.manage', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/invites` }) },
  'POST /api/sessions/:id/invites': { access: 'members.manage', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/invites`, body: { role: 'artist', expiresInHours: 24, maxUses: 2 } }) },
  'DELETE /api/sessions/:id/invites/:inviteId': {
    access: 'members.manage',
    request: async (c) => ({ path: `/api/sessions/${c.sessionId}/invites/${(await invite(c, c.sessionId)).id}` }),
  },
  'GET /api/invites/:token': { access: 'signedIn', request: async (c) => ({ path: `/api/invites/${(await invite(c, c.sessionId)).token}` }) },
  'POST /api/invites/:token/accept': {
    access: 'signedIn',
    // A fresh session: the outsider joining must not change who is a member of the main one.
    request: async (c) => ({ path: `/api/invites/${(await invite(c, await c.freshSession())).token}/accept` }),
  },
  'GET /api/sessions/:id/stems/:stemId/audio': { access: 'session.view', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/stems/${c.stemId}/audio` }) },
  'POST /api/sessions/:id/stems/ranges': { access: 'session.view', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/stems/ranges`, body: { parts: [{ stemId: c.stemId, from: 0, to: 16 }] } }) },
  'GET /api/sessions/:id/stems/:stemId/peaks': { access: 'session.view', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/stems/${c.stemId}/peaks` }) },
  // tus discovery answers anyone (it reveals only the protocol's capabilities, no session data).
  'OPTIONS /api/sessions/:id/uploads': { access: 'public', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/uploads`, headers: TUS }) },
  'POST /api/sessions/:id/uploads': {
    access: 'stems.manage',
    request: async (c) => ({
      path: `/api/sessions/${c.sessionId}/uploads`,
      headers: { ...TUS, 'Upload-Length': '100', 'Upload-Metadata': `filename ${Buffer.from('take.wav').toString('base64')}` },
    }),
  },
  'GET /api/sessions/:id/uploads/:uploadId': {
    access: 'stems.manage',
    request: async (c) => ({ path: `/api/sessions/${c.sessionId}/uploads/${await c.freshUpload()}`, headers: TUS }),
  },
  'PATCH /api/sessions/:id/uploads/:uploadId': {
    access: 'stems.manage',
    request: async (c) => ({
      path: `/api/sessions/${c.sessionId}/uploads/${await c.freshUpload()}`,
      headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
      rawBody: new Blob([new Uint8Array(10)]),
    }),
  },
  'DELETE /api/sessions/:id/uploads/:uploadId': {
    access: 'stems.manage',
    request: async (c) => ({ path: `/api/sessions/${c.sessionId}/uploads/${await c.freshUpload()}`, headers: TUS }),
  },
  'PATCH /api/sessions/:id/stems/:stemId': {
    access: 'stems.manage',
    request: async (c) => ({ path: `/api/sessions/${c.sessionId}/stems/${await c.freshStem()}`, body: { name: 'Kick In' } }),
  },
  'DELETE /api/sessions/:id/stems/:stemId': {
    access: 'stems.manage',
    request: async (c) => ({ path: `/api/sessions/${c.sessionId}/stems/${await c.freshStem()}` }),
  },
  'GET /api/sessions/:id/stems/:stemId/takes': { access: 'session.view', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/stems/${c.stemId}/takes` }) },
  'POST /api/sessions/:id/stems/:stemId/restore': {
    access: 'stems.manage',
    request: async (c) => ({ path: `/api/sessions/${c.sessionId}/stems/${await c.freshStem(true)}/restore` }),
  },

  // ---- review loop: comments
  'GET /api/sessions/:id/comments': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).comments }) },
  'POST /api/sessions/:id/comments': {
    access: 'comments.write',
    request: async (c, actor) => ({ path: reviewUrls(c.sessionId).comments, body: { body: `note from ${actor}`, atSec: 1 } }),
  },
  // Editing and deleting one's OWN comment needs comments.write; someone else's needs comments.moderate
  // (the "(another member's)" variants). Each case gets a comment of its own, so the role alone decides.
  'PATCH /api/sessions/:id/comments/:commentId': {
    access: 'comments.write',
    request: async (c, actor) => ({ path: reviewUrls(c.sessionId).comment(await c.freshComment(ownAuthor(c, actor))), body: { body: 'edited' } }),
  },
  "PATCH /api/sessions/:id/comments/:commentId (another member's)": {
    access: 'comments.moderate',
    request: async (c, actor) => ({ path: reviewUrls(c.sessionId).comment(await c.freshComment(otherAuthor(c, actor))), body: { body: 'moderated' } }),
  },
  'DELETE /api/sessions/:id/comments/:commentId': {
    access: 'comments.write',
    request: async (c, actor) => ({ path: reviewUrls(c.sessionId).comment(await c.freshComment(ownAuthor(c, actor))) }),
  },
  "DELETE /api/sessions/:id/comments/:commentId (another member's)": {
    access: 'comments.moderate',
    request: async (c, actor) => ({ path: reviewUrls(c.sessionId).comment(await c.freshComment(otherAuthor(c, actor))) }),
  },
  // Anyone who comments may resolve any thread (the engineer's checklist), not only their own.
  'POST /api/sessions/:id/comments/:commentId/resolve': {
    access: 'comments.write',
    request: async (c) => ({ path: `${reviewUrls(c.sessionId).comment(await c.freshComment(c.users.owner!))}/resolve`, body: { resolved: true } }),
  },
  'GET /api/sessions/:id/comments/:commentId/mix': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).commentMix(c.commentId) }) },
  // A voice note is a comment: whoever may comment may record one (viewers too, as the table says today).
  'POST /api/sessions/:id/comments/voice': {
    access: 'comments.write',
    request: async (c) => ({ path: `${reviewUrls(c.sessionId).voiceNotes}?atSec=0.1&durationSec=0.5`, headers: { 'content-type': 'audio/wav' }, rawBody: new Blob([c.wav as Uint8Array<ArrayBuffer>]) }),
  },
  'GET /api/sessions/:id/comments/:commentId/voice': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).commentVoice(c.voiceCommentId) }) },

  // ---- review loop: versions
  'GET /api/sessions/:id/versions': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).versions }) },
  'POST /api/sessions/:id/versions': {
    access: 'versions.create',
    request: async (c) => ({ path: `${reviewUrls(c.sessionId).versions}?source=upload&notes=matrix`, headers: { 'content-type': 'audio/wav' }, rawBody: new Blob([c.wav as Uint8Array<ArrayBuffer>]) }),
  },
  'GET /api/sessions/:id/versions/:versionId': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).version(c.versionId) }) },
  'PATCH /api/sessions/:id/versions/:versionId': {
    access: 'versions.create',
    request: async (c) => ({ path: reviewUrls(c.sessionId).version(await c.freshVersion()), body: { notes: 'new notes' } }),
  },
  'DELETE /api/sessions/:id/versions/:versionId': {
    access: 'versions.create',
    request: async (c) => ({ path: reviewUrls(c.sessionId).version(await c.freshVersion()) }),
  },
  'GET /api/sessions/:id/versions/:versionId/audio': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).versionAudio(c.versionId) }) },
  'GET /api/sessions/:id/versions/:versionId/peaks': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).versionPeaks(c.versionId) }) },
  'GET /api/sessions/:id/versions/:versionId/mix': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).versionMix(c.versionId) }) },
  // Engineers may not approve, not even their own version (versions.approve: owner, artist).
  'POST /api/sessions/:id/versions/:versionId/decision': {
    access: 'versions.approve',
    request: async (c) => ({ path: reviewUrls(c.sessionId).versionDecision(await c.freshVersion()), body: { decision: 'approve', comment: 'ship it' } }),
  },
  // Downloads are of the approved fixture: allowed by session.view whether or not the session delivers only approved versions.
  'GET /api/sessions/:id/versions/:versionId/download': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).versionDownload(c.versionId, 'wav') }) },
  'GET /api/sessions/:id/versions/:versionId/report': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).versionReport(c.versionId) }) },
  // Delivery pack and markers for the DAW (issue 21): of the approved fixture.
  'GET /api/sessions/:id/versions/:versionId/pack': {
    access: 'session.view',
    request: async (c) => ({ path: `/api/sessions/${c.sessionId}/versions/${c.versionId}/pack?title=Song&artist=Band&isrc=` }),
  },
  'GET /api/sessions/:id/versions/:versionId/spectrum': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).versionSpectrum(c.versionId) }) },
  // ---- reference tracks: viewers listen, owner/engineer/artist upload and remove
  'GET /api/sessions/:id/references': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).references }) },
  'POST /api/sessions/:id/references': {
    access: 'references.manage',
    request: async (c) => ({ path: `${reviewUrls(c.sessionId).references}?name=Matrix`, headers: { 'content-type': 'audio/wav' }, rawBody: new Blob([c.wav as Uint8Array<ArrayBuffer>]) }),
  },
  'GET /api/sessions/:id/references/:referenceId': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).reference(c.referenceId) }) },
  'DELETE /api/sessions/:id/references/:referenceId': {
    access: 'references.manage',
    request: async (c) => ({ path: reviewUrls(c.sessionId).reference(await c.freshReference()) }),
  },
  'GET /api/sessions/:id/references/:referenceId/audio': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).referenceAudio(c.referenceId) }) },
  'GET /api/sessions/:id/references/:referenceId/peaks': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).referencePeaks(c.referenceId) }) },
  'GET /api/sessions/:id/versions/:versionId/cues': { access: 'session.view', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/versions/${c.versionId}/cues` }) },
  'GET /api/sessions/:id/comments/export': { access: 'session.view', request: async (c) => ({ path: `/api/sessions/${c.sessionId}/comments/export?format=reaper` }) },
  'POST /api/sessions/:id/comments/import': {
    access: 'comments.write',
    request: async (c, actor) => ({ path: `/api/sessions/${c.sessionId}/comments/import`, body: { text: `0.250000\t0.250000\tmarker from ${actor}\n` } }),
  },

  // ---- review loop: settings, activity, notifications
  'GET /api/sessions/:id/review-settings': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).settings }) },
  'PUT /api/sessions/:id/review-settings': {
    access: 'session.settings',
    // A fresh session, so turning on "deliver only approved" cannot change what the main session's cases expect.
    request: async (c) => ({ path: reviewUrls(await c.freshSession()).settings, body: { deliverOnlyApproved: true } }),
  },
  'GET /api/sessions/:id/activity': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).activity }) },
  'GET /api/sessions/:id/notifications': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).notifications }) },
  'POST /api/sessions/:id/notifications/read': { access: 'session.view', request: async (c) => ({ path: reviewUrls(c.sessionId).notificationsRead, body: { upTo: '1' } }) },
};

/** `METHOD /path` of a REST entry (entries that test a route a second way add a suffix). */
const routeOf = (key: string) => key.split(' ').slice(0, 2).join(' ');

/** The actor themself as a comment's author (the owner stands in for anonymous, who cannot author). */
const ownAuthor = (c: Ctx, actor: ActorName) => c.users[actor] ?? c.users.owner!;
/** A member other than the actor as a comment's author. */
const otherAuthor = (c: Ctx, actor: ActorName) => (actor === 'owner' ? c.users.artist! : c.users.owner!);

async function invite(c: Ctx, sessionId: string) {
  const token = newToken();
  const row = await c.s.server.db.prisma.invite.create({
    data: { id: newId(), sessionId, tokenHash: hashToken(token), role: 'viewer', expiresAt: new Date(Date.now() + 3600_000), maxUses: 5, createdById: c.users.owner!.id },
  });
  return { id: row.id, token };
}

/** The status an actor must get: 2xx when allowed, else 401 (anonymous) / 404 (non-member) / 403 (role lacks it). */
function expectedStatus(access: Access, actor: ActorName): 'ok' | 401 | 403 | 404 {
  if (access === 'public') return 'ok';
  if (actor === 'anonymous') return 401;
  if (access === 'signedIn') return 'ok';
  if (actor === 'outsider') return 404;
  return can(actor, access) ? 'ok' : 403;
}

describe.each(databaseKinds)('role matrix over $name', (kind) => {
  const ctx = {} as Ctx;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const database = await kind.create();
    cleanup = database.cleanup;
    const s = await startServer(database.config, BARE_YJS);
    const users = { owner: s.owner, anonymous: null } as Record<ActorName, TestUser | null>;
    for (const name of ['engineer', 'artist', 'viewer', 'outsider'] as const) users[name] = await signUp(s.url, name);
    const prisma = s.server.db.prisma;
    const memberRows = (sessionId: string) => (['engineer', 'artist', 'viewer'] as const).map((r) => ({ sessionId, userId: users[r]!.id, role: r }));
    const sessionId = await createSession(s, 'Matrix');
    await prisma.membership.createMany({ data: memberRows(sessionId) });
    const blob = await s.server.blobs.put(randomBytes(1000));
    const stemRow = (id: string, retired = false) => ({
      id, sessionId, name: 'Kick', fileHash: blob.sha256, fileName: 'kick.wav', mimeType: 'audio/wav', sizeBytes: blob.size,
      sampleRate: 48000, channels: 1, durationSec: 30, position: 0, peaks: new Uint8Array([1]), retiredAt: retired ? new Date() : null,
    });
    await prisma.stem.create({ data: stemRow('kick') });

    // Review fixtures: a real WAV master (stored once, shared by every fixture version), its peaks, a mix state.
    const sr = 48000;
    const tone = [0, 1].map(() => Float32Array.from({ length: sr / 2 }, (_, i) => 0.25 * Math.sin((2 * Math.PI * 440 * i) / sr)));
    const wav = encodeWav(tone, sr, { bitDepth: 16, dither: 'none' });
    const wavBlob = await s.server.blobs.put(wav);
    const peaks = new Uint8Array(encodePeaks(computePeaks(tone, sr)));
    const mixState = new Uint8Array(Y.encodeStateAsUpdate(new Y.Doc()));
    const freshVersion = async (status: 'pending' | 'approved' = 'pending') => {
      const id = `ver-${newId()}`;
      const max = await prisma.version.aggregate({ where: { sessionId }, _max: { number: true } });
      await prisma.version.create({
        data: {
          id, sessionId, number: (max._max.number ?? 0) + 1, fileHash: wavBlob.sha256, format: 'wav', sizeBytes: wavBlob.size,
          sampleRate: sr, channels: 2, bitDepth: 16, durationSec: 0.5, mixState, peaks, source: 'upload', status,
          loudness: { integrated: -15, range: 0, truePeak: -12, samplePeak: -12 },
          createdById: s.owner.id, createdByName: s.owner.name,
          ...(status === 'approved'
            ? { approvals: { create: { id: newId(), decision: 'approve', byId: users.artist!.id, byName: users.artist!.name, sha256: wavBlob.sha256 } } }
            : {}),
        },
      });
      return id;
    };
    const freshComment = async (author: TestUser) => {
      const id = `cmt-${newId()}`;
      await prisma.comment.create({ data: { id, sessionId, authorId: author.id, authorName: author.name, body: `by ${author.name}`, atSec: 1, mixState } });
      return id;
    };
    const versionId = await freshVersion('approved');
    const commentId = await freshComment(s.owner);
    const voiceCommentId = `cmt-${newId()}`;
    await prisma.comment.create({
      data: { id: voiceCommentId, sessionId, authorId: s.owner.id, authorName: s.owner.name, body: 'Voice note (0:01)', atSec: 1, mixState, voiceHash: wavBlob.sha256, voiceType: 'audio/wav', voiceDurationSec: 0.5, voiceBytes: wavBlob.size },
    });

    // References share the master's bytes (content-addressed, so deleting one keeps the blob for the versions).
    const freshReference = async () => {
      const id = `ref-${newId()}`;
      await prisma.referenceTrack.create({
        data: {
          id, sessionId, name: 'Ref', fileName: 'ref.wav', fileHash: wavBlob.sha256, format: 'wav', sizeBytes: wavBlob.size, sampleRate: sr, channels: 2, durationSec: 0.5,
          loudness: { integrated: -15, range: 0, truePeak: -12, samplePeak: -12 }, spectrum: { centersHz: [1000], levelsDb: [-12] }, peaks, createdById: s.owner.id, createdByName: s.owner.name,
        },
      });
      return id;
    };
    const referenceId = await freshReference();

    Object.assign(ctx, {
      s, users, sessionId, stemId: 'kick', wav, versionId, commentId, voiceCommentId, freshVersion, freshComment, referenceId, freshReference,
      async freshSession() {
        const id = await createSession(s, 'Fresh');
        await prisma.membership.createMany({ data: memberRows(id) });
        return id;
      },
      async freshStem(retired = false) {
        const id = `stem-${newId()}`;
        await prisma.stem.create({ data: stemRow(id, retired) });
        return id;
      },
      async freshUpload() {
        const res = await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}/uploads`, {
          method: 'POST',
          headers: { ...TUS, 'Upload-Length': '100', 'Upload-Metadata': `filename ${Buffer.from('take.wav').toString('base64')}` },
        });
        if (res.status !== 201) throw new Error(`create upload: ${res.status} ${await res.text()}`);
        return res.headers.get('location')!.split('/').pop()!;
      },
    });
  });
  afterAll(async () => {
    await ctx.s?.server.close();
    await cleanup?.();
  });

  it('has an entry for every registered REST route', () => {
    const registered = ctx.s.server.routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(registered).toEqual([...new Set(Object.keys(REST).map(routeOf))].sort());
  });

  const restCases = Object.entries(REST).flatMap(([route, c]) => ACTORS.map((actor) => [route, actor, expectedStatus(c.access, actor)] as const));
  it.each(restCases)('%s as %s → %s', async (route, actor, expected) => {
    const [method] = route.split(' ');
    const c = REST[route];
    const req = await c.request(ctx, actor);
    const as = req.as !== undefined ? req.as : ctx.users[actor];
    const body = req.rawBody ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
    const res = await fetchAs(as, `${ctx.s.url}${req.path}`, { method, body, headers: req.headers, redirect: 'manual' });
    const text = await res.text();
    // A 303 (the sign-up link sending you to sign in) is an answer too.
    if (expected === 'ok') expect(res.status === 303 ? 200 : res.status, text).toBeLessThan(300);
    else expect(res.status, text).toBe(expected);
  });

  /** What each client event needs; a new entry in CLIENT_EVENTS without one here fails the test. */
  const EVENT_ACCESS: Record<(typeof CLIENT_EVENTS)[number], Access> = {
    [EVENTS.join]: 'session.view',
    [EVENTS.leave]: 'session.view',
    [EVENTS.presenceUpdate]: 'session.view',
    [EVENTS.clockPing]: 'signedIn',
    [EVENTS.transportCommand]: 'transport.control',
    [EVENTS.transportGet]: 'session.view',
    [REVIEW_EVENTS.subscribe]: 'session.view',
    [TALK_EVENTS.join]: 'session.view',
    [TALK_EVENTS.leave]: 'session.view',
    // An offer that sends audio; a listening-only one needs `session.view` (talk.test.ts).
    [TALK_EVENTS.signal]: 'talk',
  };

  it('has an entry for every client socket.io event', () => {
    expect(Object.keys(EVENT_ACCESS).sort()).toEqual([...CLIENT_EVENTS].sort());
  });

  const eventCases = Object.entries(EVENT_ACCESS).flatMap(([event, access]) => ACTORS.map((actor) => [event, actor, access] as const));
  it.each(eventCases)('socket.io %s as %s (needs %s)', async (event, actor, access) => {
    const allowed = expectedStatus(access, actor) === 'ok';
    const sock = connectIo(ctx.s.url, ctx.users[actor]);
    const observer = connectIo(ctx.s.url, ctx.users.owner);
    try {
      const connected = await new Promise<boolean>((resolve) => {
        sock.once('connect', () => resolve(true));
        sock.once('connect_error', () => resolve(false));
      });
      // Only signed-in users get a socket at all.
      expect(connected).toBe(actor !== 'anonymous');
      if (!connected) return;
      const join = (x: Socket) => x.timeout(5000).emitWithAck(EVENTS.join, { sessionId: ctx.sessionId, name: actor, color: '#123456' }) as Promise<JoinAck>;
      const joined = await join(sock);
      const member = actor !== 'outsider';
      expect(joined.ok).toBe(member);
      if (!joined.ok) expect(joined.error.code).toBe('not_found');
      switch (event) {
        case EVENTS.join:
          expect(joined.ok).toBe(allowed);
          break;
        case EVENTS.leave: {
          sock.emit(EVENTS.leave);
          const after = (await sock.timeout(5000).emitWithAck(EVENTS.transportGet, null)) as TransportAck;
          expect(after.ok).toBe(false);
          break;
        }
        case EVENTS.presenceUpdate: {
          const seen: Presence[] = [];
          observer.on(EVENTS.presence, (p: Presence) => seen.push(p));
          expect((await join(observer)).ok).toBe(true);
          sock.emit(EVENTS.presenceUpdate, { control: `probe-${actor}` });
          // A later ping proves the update was processed, relayed or not.
          await sock.timeout(5000).emitWithAck(EVENTS.clockPing, { clientSendMs: 1 });
          if (allowed) await waitFor(() => seen.some((p) => p.control === `probe-${actor}`));
          else {
            await new Promise((r) => setTimeout(r, 100));
            expect(seen.some((p) => p.control === `probe-${actor}`)).toBe(false);
          }
          break;
        }
        case EVENTS.clockPing: {
          const pong = (await sock.timeout(5000).emitWithAck(EVENTS.clockPing, { clientSendMs: 1 })) as { serverMs: number };
          expect(pong.serverMs).toBeGreaterThan(0);
          break;
        }
        case EVENTS.transportCommand: {
          const ack = (await sock.timeout(5000).emitWithAck(EVENTS.transportCommand, { kind: 'seek', position: 1 })) as TransportAck;
          expect(ack.ok).toBe(allowed);
          if (!ack.ok) expect(ack.error.code).toBe(member ? 'forbidden' : 'not_joined');
          break;
        }
        case EVENTS.transportGet: {
          const ack = (await sock.timeout(5000).emitWithAck(EVENTS.transportGet, null)) as TransportAck;
          expect(ack.ok).toBe(allowed);
          break;
        }
        case REVIEW_EVENTS.subscribe: {
          const subscribe = (x: Socket) => x.timeout(5000).emitWithAck(REVIEW_EVENTS.subscribe, { sessionId: ctx.sessionId }) as Promise<ReviewSubscribeAck>;
          const ack = await subscribe(sock);
          expect(ack.ok).toBe(allowed);
          if (!ack.ok) expect(ack.error.code).toBe('not_found');
          // What the subscription grants: the session's review events. A comment the owner posts now
          // reaches the actor only when allowed (the subscribed owner's copy proves it was sent).
          const seen: CommentInfo[] = [];
          const observed: CommentInfo[] = [];
          sock.on(REVIEW_EVENTS.comment, (c: CommentInfo) => seen.push(c));
          observer.on(REVIEW_EVENTS.comment, (c: CommentInfo) => observed.push(c));
          expect((await subscribe(observer)).ok).toBe(true);
          const probe = `review probe for ${actor}`;
          const res = await fetchAs(ctx.users.owner, `${ctx.s.url}${reviewUrls(ctx.sessionId).comments}`, { method: 'POST', body: JSON.stringify({ body: probe, atSec: 2 }) });
          expect(res.status, await res.text()).toBe(201);
          await waitFor(() => observed.some((c) => c.body === probe));
          if (allowed) await waitFor(() => seen.some((c) => c.body === probe));
          else {
            await new Promise((r) => setTimeout(r, 100));
            expect(seen.some((c) => c.body === probe)).toBe(false);
          }
          break;
        }
        case TALK_EVENTS.join: {
          const ack = (await sock.timeout(5000).emitWithAck(TALK_EVENTS.join, null)) as TalkJoinAck;
          expect(ack.ok).toBe(allowed);
          if (ack.ok) expect(ack.canTalk).toBe(can(actor as Role, 'talk'));
          else expect(ack.error.code).toBe('not_joined');
          break;
        }
        case TALK_EVENTS.leave:
        case TALK_EVENTS.signal: {
          // The owner listens; the actor enters the voice and offers to send audio.
          const heard: TalkSignalMessage[] = [];
          observer.on(TALK_EVENTS.incoming, (m: TalkSignalMessage) => heard.push(m));
          expect((await join(observer)).ok).toBe(true);
          expect(((await observer.timeout(5000).emitWithAck(TALK_EVENTS.join, null)) as TalkJoinAck).ok).toBe(true);
          const entered = (await sock.timeout(5000).emitWithAck(TALK_EVENTS.join, null)) as TalkJoinAck;
          expect(entered.ok).toBe(member);
          if (event === TALK_EVENTS.leave) sock.emit(TALK_EVENTS.leave);
          const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n';
          const ack = (await sock.timeout(5000).emitWithAck(TALK_EVENTS.signal, { to: observer.id, kind: 'offer', sdp })) as TalkSignalAck;
          const delivered = event === TALK_EVENTS.signal && allowed;
          expect(ack.ok).toBe(delivered);
          if (!ack.ok) expect(ack.error.code).toBe(event === TALK_EVENTS.leave || !member ? 'not_joined' : 'forbidden');
          if (delivered) await waitFor(() => heard.some((m) => m.kind === 'offer' && m.from === sock.id));
          else {
            await new Promise((r) => setTimeout(r, 100));
            expect(heard).toEqual([]);
          }
          break;
        }
      }
    } finally {
      sock.disconnect();
      observer.disconnect();
    }
  });

  it.each(ACTORS)('Yjs websocket as %s', async (actor) => {
    const url = `${ctx.s.wsUrl}/${ctx.sessionId}`;
    if (actor === 'anonymous' || actor === 'outsider') {
      const sock = rawSocket(url, ctx.users[actor]);
      const closed = await sock.closed;
      expect(closed.code).toBe(actor === 'anonymous' ? WS_CLOSE.unauthorized : WS_CLOSE.unknownSession);
      return;
    }
    const c = connectClient(ctx.s.wsUrl, ctx.sessionId, ctx.users[actor]);
    const watcher = connectClient(ctx.s.wsUrl, ctx.sessionId, ctx.users.owner);
    try {
      await Promise.all([c.synced, watcher.synced]);
      const key = `by-${actor}`;
      c.doc.getMap('matrix').set(key, 1);
      // A marker from the owner afterwards: once it arrived, the actor's update would have too.
      await new Promise((r) => setTimeout(r, 50));
      watcher.doc.getMap('matrix').set(`after-${actor}`, 1);
      const room = (await ctx.s.server.rooms.peek(ctx.sessionId))!;
      await waitFor(() => room.doc.getMap('matrix').get(`after-${actor}`) === 1);
      const reached = room.doc.getMap('matrix').get(key) === 1;
      expect(reached).toBe(can(actor as Role, 'mix.edit'));
      if (!reached) expect(watcher.doc.getMap('matrix').get(key)).toBeUndefined();
      else await waitFor(() => watcher.doc.getMap('matrix').get(key) === 1);
    } finally {
      c.destroy();
      watcher.destroy();
    }
  });
});

