// Client side of the review loop: comments, versions, activity and notifications for one
// session, kept current by the server's socket.io review events.
import {
  MIX_STATE_HEADER, REVIEW_EVENTS, reviewUrls,
  type ActivityInfo, type CommentInfo, type DeliveryProgress, type ListActivityResponse, type ListCommentsResponse, type ListVersionsResponse,
  type ListReferencesResponse, type NotificationsResponse, type ReferenceInfo, type ReviewSettings, type VersionInfo,
} from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { httpError } from './api';
import { fetchRetryingWhenBusy } from './busy-retry';

export interface ReviewSnapshot {
  comments: CommentInfo[];
  versions: VersionInfo[];
  /** Commercial reference tracks of the session, oldest first. */
  references: ReferenceInfo[];
  activity: ActivityInfo[];
  notifications: ActivityInfo[];
  unread: number;
  lastReadId: string;
  settings: ReviewSettings;
  error: string | null;
  /** FLAC/MP3 encodes running for download, by `${versionId}:${format}` (a failed one stays with its error). */
  deliveries: Record<string, DeliveryProgress>;
}

const byTime = (a: CommentInfo, b: CommentInfo) => a.atSec - b.atSec || a.createdAt.localeCompare(b.createdAt);

/** What a socket event changes, computed from the snapshot it lands on. */
type Change = (s: ReviewSnapshot) => Partial<ReviewSnapshot>;
/** The lists fetched together: `review` is comments, activity, notifications and settings. */
type ListGroup = 'review' | 'versions' | 'references';

export class ReviewClient {
  readonly urls: ReturnType<typeof reviewUrls>;
  private snapshot: ReviewSnapshot = { comments: [], versions: [], references: [], activity: [], notifications: [], unread: 0, lastReadId: '0', settings: { deliverOnlyApproved: false }, error: null, deliveries: {} };
  private readonly listeners = new Set<() => void>();
  private readonly offs: Array<() => void> = [];
  // A list the server answered before an event may arrive after it (a slow sibling request, a busy
  // server): replacing the list then wiped the event's change (an import's comments vanished from
  // the list). Each load keeps the changes of the events that arrived while it was in flight and
  // plays them again onto its list; a load started before one already applied is dropped.
  private loadSeq = 0;
  private readonly inFlight = new Map<number, { group: ListGroup; since: Change[] }>();
  private readonly applied: Record<ListGroup, number> = { review: 0, versions: 0, references: 0 };

  constructor(readonly sessionId: string, private readonly socket: Socket, readonly userId: string) {
    this.urls = reviewUrls(sessionId);
    const on = <T,>(event: string, fn: (x: T) => void) => {
      socket.on(event, fn);
      this.offs.push(() => socket.off(event, fn));
    };
    const subscribe = () => void socket.emitWithAck(REVIEW_EVENTS.subscribe, { sessionId }).then(() => this.refresh());
    on('connect', subscribe);
    if (socket.connected) subscribe();
    on<CommentInfo>(REVIEW_EVENTS.comment, (c) => this.change(['review'], (s) => ({ comments: [...s.comments.filter((x) => x.id !== c.id), c].sort(byTime) })));
    on<VersionInfo | { id: string; deleted: true }>(REVIEW_EVENTS.version, (v) => {
      this.change(['versions'], (s) => {
        const rest = s.versions.filter((x) => x.id !== v.id);
        return { versions: 'deleted' in v ? rest : [...rest, v].sort((a, b) => a.number - b.number) };
      });
      // The diff of the next version depends on its neighbour, so reload the list after deletions.
      if ('deleted' in v) void this.loadVersions().catch(() => {});
    });
    on<ActivityInfo>(REVIEW_EVENTS.activity, (e) =>
      this.change(['review'], (s) => {
        const activity = [e, ...s.activity.filter((x) => x.id !== e.id)];
        const notifies = e.actorId !== this.userId && !s.notifications.some((x) => x.id === e.id) && ['comment.created', 'comment.replied', 'version.created', 'version.approved', 'version.changes_requested'].includes(e.kind);
        return { activity, ...(notifies ? { notifications: [e, ...s.notifications], unread: s.unread + 1 } : {}) };
      }),
    );
    on<ReviewSettings>(REVIEW_EVENTS.settings, (settings) => this.change(['review'], () => ({ settings })));
    on<ReferenceInfo | { id: string; deleted: true }>(REVIEW_EVENTS.reference, (r) =>
      this.change(['references'], (s) => {
        const rest = s.references.filter((x) => x.id !== r.id);
        return { references: 'deleted' in r ? rest : [...rest, r].sort((a, b) => a.createdAt.localeCompare(b.createdAt)) };
      }),
    );
    on<DeliveryProgress>(REVIEW_EVENTS.delivery, (p) =>
      this.change(['versions'], (s) => {
        const { [`${p.versionId}:${p.format}`]: _done, ...rest } = s.deliveries;
        if (p.stage !== 'ready') return { deliveries: { ...rest, [`${p.versionId}:${p.format}`]: p } };
        // Ready: the version now carries what the encode did (e.g. how far an MP3 was turned down).
        const versions = s.versions.map((v) => (v.id === p.versionId && p.info ? { ...v, deliveries: { ...v.deliveries, [p.format]: p.info } } : v));
        return { deliveries: rest, versions };
      }),
    );
  }

  getSnapshot = () => this.snapshot;
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  private set(patch: Partial<ReviewSnapshot>) {
    this.snapshot = { ...this.snapshot, ...patch };
    this.listeners.forEach((l) => l());
  }

  /** Applies an event's change now, and again onto every list of `groups` still being fetched. */
  private change(groups: ListGroup[], fn: Change) {
    for (const load of this.inFlight.values()) if (groups.includes(load.group)) load.since.push(fn);
    this.set(fn(this.snapshot));
  }

  /** Fetches a group's lists and shows them with the events that arrived meanwhile; an older load than the one shown is dropped. */
  private async load(group: ListGroup, fetchLists: () => Promise<Partial<ReviewSnapshot>>): Promise<void> {
    const n = ++this.loadSeq;
    const load = { group, since: [] as Change[] };
    this.inFlight.set(n, load);
    try {
      const lists = await fetchLists();
      if (n < this.applied[group]) return;
      this.applied[group] = n;
      let next: ReviewSnapshot = { ...this.snapshot, ...lists };
      for (const fn of load.since) next = { ...next, ...fn(next) };
      this.snapshot = next;
      this.listeners.forEach((l) => l());
    } finally {
      this.inFlight.delete(n);
    }
  }

  private async get<T>(url: string, what: string): Promise<T> {
    const res = await fetchRetryingWhenBusy(url, { headers: { accept: 'application/json' } });
    if (!res.ok) throw await httpError(res, what);
    return (await res.json()) as T;
  }

  async send<T>(url: string, method: string, body: unknown, what: string): Promise<T> {
    const res = await fetchRetryingWhenBusy(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) {
      const err = await httpError(res, what);
      this.set({ error: err.message });
      throw err;
    }
    this.set({ error: null });
    return (await res.json()) as T;
  }

  loadVersions(): Promise<void> {
    return this.load('versions', async () => ({ versions: (await this.get<ListVersionsResponse>(this.urls.versions, 'loading versions')).versions }));
  }

  loadReferences(): Promise<void> {
    return this.load('references', async () => ({ references: (await this.get<ListReferencesResponse>(this.urls.references, 'loading references')).references }));
  }

  /** Fetches JSON the review routes serve (a version's spectrum). */
  getJson<T>(url: string, what: string): Promise<T> {
    return this.get<T>(url, what);
  }

  async refresh(): Promise<void> {
    try {
      await Promise.all([
        this.load('review', async () => {
          const [c, a, n, settings] = await Promise.all([
            this.get<ListCommentsResponse>(this.urls.comments, 'loading comments'),
            this.get<ListActivityResponse>(this.urls.activity, 'loading activity'),
            this.get<NotificationsResponse>(this.urls.notifications, 'loading notifications'),
            this.get<ReviewSettings>(this.urls.settings, 'loading settings'),
          ]);
          return { comments: c.comments, activity: a.events, notifications: n.items, unread: n.unread, lastReadId: n.lastReadId, settings };
        }),
        this.loadVersions(),
        this.loadReferences(),
      ]);
      this.set({ error: null });
    } catch (e) {
      this.set({ error: e instanceof Error ? e.message : String(e) });
    }
  }

  addComment(body: string, atSec: number, endSec: number | null, parentId?: string, versionId?: string) {
    return this.send<CommentInfo>(this.urls.comments, 'POST', { body, atSec, endSec, parentId, versionId }, 'commenting');
  }
  /** A Reaper marker/region CSV or Audacity label file → comments (at the song's times, or on a version). */
  importMarkers(text: string, versionId?: string) {
    return this.send<{ format: string; comments: CommentInfo[] }>(this.urls.commentsImport, 'POST', { text, versionId }, 'importing markers');
  }
  editComment(id: string, body: string) {
    return this.send<CommentInfo>(this.urls.comment(id), 'PATCH', { body }, 'editing');
  }
  resolve(id: string, resolved: boolean) {
    return this.send<CommentInfo>(`${this.urls.comment(id)}/resolve`, 'POST', { resolved }, 'resolving');
  }
  deleteComment(id: string) {
    return this.send<CommentInfo>(this.urls.comment(id), 'DELETE', undefined, 'deleting');
  }
  /** `referenceId`: the reference track the version was compared with (recorded with the decision). */
  decide(versionId: string, decision: 'approve' | 'request_changes', comment = '', referenceId?: string | null) {
    return this.send<VersionInfo>(this.urls.versionDecision(versionId), 'POST', { decision, comment, ...(referenceId ? { referenceId } : {}) }, 'deciding');
  }
  deleteReference(id: string) {
    return this.send<{ id: string; deleted: true }>(this.urls.reference(id), 'DELETE', undefined, 'removing the reference');
  }

  /** Uploads a commercial reference (WAV, FLAC, MP3 or Ogg); the server measures it. */
  async uploadReference(bytes: Uint8Array, name: string, fileName: string): Promise<ReferenceInfo> {
    const res = await fetchRetryingWhenBusy(`${this.urls.references}?${new URLSearchParams({ name, fileName })}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes as BodyInit });
    if (!res.ok) {
      const err = await httpError(res, 'uploading the reference');
      this.set({ error: err.message });
      throw err;
    }
    this.set({ error: null });
    return (await res.json()) as ReferenceInfo;
  }
  setDeliverOnlyApproved(on: boolean) {
    return this.send<ReviewSettings>(this.urls.settings, 'PUT', { deliverOnlyApproved: on }, 'saving settings');
  }
  async markRead() {
    const top = this.snapshot.notifications[0]?.id;
    if (!top) return;
    await this.send(this.urls.notificationsRead, 'POST', { upTo: top }, 'marking read');
    this.set({ unread: 0, lastReadId: top });
  }

  /** A recorded voice note pinned at `atSec` (or the range), or a spoken reply to `parentId`. */
  async addVoiceNote(audio: Blob, durationSec: number, atSec: number, endSec: number | null, parentId?: string): Promise<CommentInfo> {
    const query = new URLSearchParams({ atSec: String(atSec), durationSec: durationSec.toFixed(3) });
    if (endSec !== null) query.set('endSec', String(endSec));
    if (parentId) query.set('parentId', parentId);
    const res = await fetchRetryingWhenBusy(`${this.urls.voiceNotes}?${query}`, { method: 'POST', headers: { 'content-type': audio.type || 'application/octet-stream' }, body: audio });
    if (!res.ok) {
      const err = await httpError(res, 'saving the voice note');
      this.set({ error: err.message });
      throw err;
    }
    this.set({ error: null });
    return (await res.json()) as CommentInfo;
  }

  async uploadVersion(wav: Uint8Array, source: 'bounce' | 'upload', notes: string, mixState?: Uint8Array): Promise<VersionInfo> {
    const headers: Record<string, string> = { 'content-type': 'audio/wav' };
    if (mixState) headers[MIX_STATE_HEADER] = btoa(Array.from(mixState, (b) => String.fromCharCode(b)).join(''));
    // The bytes are re-sendable, so a busy server (503 + Retry-After) is waited out like every other call.
    const res = await fetchRetryingWhenBusy(`${this.urls.versions}?source=${source}&notes=${encodeURIComponent(notes)}`, { method: 'POST', headers, body: wav as BodyInit });
    if (!res.ok) {
      const err = await httpError(res, 'uploading the version');
      this.set({ error: err.message });
      throw err;
    }
    return (await res.json()) as VersionInfo;
  }

  async fetchBytes(url: string): Promise<Uint8Array> {
    const res = await fetchRetryingWhenBusy(url);
    if (!res.ok) throw await httpError(res, 'loading');
    return new Uint8Array(await res.arrayBuffer());
  }

  dispose() {
    this.offs.forEach((f) => f());
  }
}
