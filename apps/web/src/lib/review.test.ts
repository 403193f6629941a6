// The review lists (comments, activity, versions…) arrive two ways: whole from GETs and one change
// at a time from socket events. A list answered before an event but landing after it must not
// take the event's change back (markers.spec.ts at load 17: "2 comments imported" and an empty
// comment list), and a list fetched earlier must not replace one fetched later.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REVIEW_EVENTS, reviewUrls, type ActivityInfo, type CommentInfo, type VersionInfo } from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { ReviewClient } from './review';

const urls = reviewUrls('s1');

/** Every GET waits until the test answers it, so the order the answers land in is the test's. */
let calls: Array<{ url: string; answer: (body: unknown) => void }> = [];
beforeEach(() => {
  calls = [];
  vi.stubGlobal('fetch', (url: string) => new Promise<Response>((resolve) => calls.push({ url, answer: (body) => resolve(new Response(JSON.stringify(body), { status: 200 })) })));
});
afterEach(() => vi.unstubAllGlobals());

/** Answers the oldest (or newest) unanswered GET of `url`. */
function answer(url: string, body: unknown, which: 'oldest' | 'newest' = 'oldest') {
  const matching = calls.filter((c) => c.url === url);
  const call = which === 'oldest' ? matching[0] : matching[matching.length - 1];
  expect(call, `a pending GET ${url}`).toBeDefined();
  calls.splice(calls.indexOf(call), 1);
  call.answer(body);
}

const empty = {
  [urls.comments]: { comments: [] },
  [urls.activity]: { events: [] },
  [urls.notifications]: { items: [], unread: 0, lastReadId: '0' },
  [urls.settings]: { deliverOnlyApproved: false },
  [urls.versions]: { versions: [] },
  [urls.references]: { references: [] },
};

/** A socket that is not connected (no automatic refresh); `emit` plays a server event. */
function fakeSocket() {
  const handlers = new Map<string, Array<(x: unknown) => void>>();
  const socket = {
    connected: false,
    on(event: string, fn: (x: unknown) => void) {
      handlers.set(event, [...(handlers.get(event) ?? []), fn]);
    },
    off() {},
    emitWithAck: () => Promise.resolve({ ok: true }),
  };
  return { socket: socket as unknown as Socket, emit: (event: string, payload: unknown) => handlers.get(event)?.forEach((fn) => fn(payload)) };
}

const comment = (id: string, atSec: number, body = `note ${id}`): CommentInfo => ({
  id, sessionId: 's1', authorId: 'u1', authorName: 'Eve', body, atSec, endSec: null, channelId: null, parentId: null,
  resolvedAt: null, resolvedBy: null, editedAt: null, deletedAt: null, createdAt: '2026-12-07T10:00:00.000Z', mixUrl: null, versionId: null, voice: null,
});
const activity = (id: string, actorId: string): ActivityInfo => ({ id, sessionId: 's1', actorId, actorName: 'Ari', kind: 'comment.created', payload: {}, at: '2026-12-07T10:00:00.000Z', text: 'Ari commented' });

describe('review lists and events', () => {
  it('comments created while the list is loading stay in it when the older list lands', async () => {
    const { socket, emit } = fakeSocket();
    const review = new ReviewClient('s1', socket, 'u1');
    const loading = review.refresh();
    // The server answers the comment list before the import, the other lists after it.
    answer(urls.comments, { comments: [] });
    emit(REVIEW_EVENTS.comment, comment('c1', 1.5));
    emit(REVIEW_EVENTS.comment, comment('c2', 2));
    for (const url of [urls.activity, urls.notifications, urls.settings, urls.versions, urls.references]) answer(url, empty[url]);
    await loading;
    expect(review.getSnapshot().comments.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(review.getSnapshot().error).toBeNull();
  });

  it('an edit that arrives while the list is loading wins over the list', async () => {
    const { socket, emit } = fakeSocket();
    const review = new ReviewClient('s1', socket, 'u1');
    const loading = review.refresh();
    emit(REVIEW_EVENTS.comment, comment('c1', 1, 'edited'));
    for (const url of Object.keys(empty)) answer(url, url === urls.comments ? { comments: [comment('c1', 1, 'first')] } : empty[url]);
    await loading;
    expect(review.getSnapshot().comments.map((c) => c.body)).toEqual(['edited']);
  });

  it('a list fetched before another is dropped when it lands after it', async () => {
    const { socket } = fakeSocket();
    const review = new ReviewClient('s1', socket, 'u1');
    // Two refreshes (a reconnect): the first was answered before c1 existed, the second after;
    // the second's answers land first. The event for c1 was missed while disconnected.
    const first = review.refresh();
    const second = review.refresh();
    for (const url of Object.keys(empty)) answer(url, url === urls.comments ? { comments: [comment('c1', 1)] } : empty[url], 'newest');
    await second;
    for (const url of Object.keys(empty)) answer(url, empty[url]);
    await first;
    expect(review.getSnapshot().comments.map((c) => c.id)).toEqual(['c1']);
  });

  it('a deleted version leaves the list at once, also when an older version list lands after the deletion', async () => {
    const { socket, emit } = fakeSocket();
    const review = new ReviewClient('s1', socket, 'u1');
    const loading = review.refresh();
    const v = { id: 'v1', number: 1 } as VersionInfo;
    emit(REVIEW_EVENTS.version, { id: 'v1', deleted: true });
    for (const url of Object.keys(empty)) answer(url, url === urls.versions ? { versions: [v] } : empty[url]);
    await loading;
    expect(review.getSnapshot().versions).toEqual([]);
  });

  it('a notification in the list and in an event that arrived while it loaded counts once', async () => {
    const { socket, emit } = fakeSocket();
    const review = new ReviewClient('s1', socket, 'u1');
    const loading = review.refresh();
    const e = activity('7', 'u2');
    emit(REVIEW_EVENTS.activity, e);
    for (const url of Object.keys(empty)) answer(url, url === urls.notifications ? { items: [e], unread: 1, lastReadId: '6' } : url === urls.activity ? { events: [e] } : empty[url]);
    await loading;
    const s = review.getSnapshot();
    expect(s.notifications.map((x) => x.id)).toEqual(['7']);
    expect(s.activity.map((x) => x.id)).toEqual(['7']);
    expect(s.unread).toBe(1);
  });
});
