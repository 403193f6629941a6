'use client';
// The review side panel: comments, versions, activity, notifications — plus the comment strip
// for the timeline and the "recalled mix" banner, which the session view places.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { CommentInfo, Role } from '@mixroom/protocol';

/** The signed-in person as the review loop sees them. */
export interface ReviewUser { userId: string; name: string; role: Role }
import { formatDateTime, formatTime } from '../../lib/format';
import type { ReviewClient, ReviewSnapshot } from '../../lib/review';
import type { RuntimeSnapshot, SessionRuntime } from '../../lib/session-runtime';
import { CommentLane, type Draft } from './CommentLane';
import { CommentsPanel } from './CommentsPanel';
import { VersionsPanel } from './VersionsPanel';
import { MarkerTools } from './MarkerTools';
import type { VoiceNotePlayer } from '../../lib/voice-note-player';
import type { VoiceNoteRecorder } from '../../lib/voice-recorder';

export function useReview(review: ReviewClient): ReviewSnapshot {
  return useSyncExternalStore(review.subscribe, review.getSnapshot, review.getSnapshot);
}

/** Comments by others written after this person last read their notifications. */
function useUnread(snap: ReviewSnapshot, userId: string): ReadonlySet<string> {
  return useMemo(() => {
    const read = BigInt(snap.lastReadId || '0');
    const ids = new Set<string>();
    for (const n of snap.notifications) {
      if (BigInt(n.id) > read && typeof n.payload.commentId === 'string') ids.add(n.payload.commentId);
    }
    for (const c of snap.comments) if (c.authorId === userId) ids.delete(c.id);
    return ids;
  }, [snap.notifications, snap.lastReadId, snap.comments, userId]);
}

export function RecallBanner({ runtime, snap }: { runtime: SessionRuntime; snap: RuntimeSnapshot }) {
  if (!snap.recalled) return null;
  return (
    <div className="banner-recall" role="status" data-testid="recall-banner">
      Recalled: the mixer shows and plays {snap.recalled.label} — only you hear this; the shared mix is unchanged and keeps updating.
      <button type="button" onClick={() => runtime.backToLiveMix()} data-testid="back-to-live">Back to live mix</button>
    </div>
  );
}

export function ReviewTimelineStrip({ review, runtime, duration, userId, onDraft, onOpen, recorder }: {
  review: ReviewClient; runtime: SessionRuntime; duration: number; userId: string; onDraft: (d: Draft) => void; onOpen: (c: CommentInfo) => void;
  recorder: VoiceNoteRecorder | null;
}) {
  const snap = useReview(review);
  const unread = useUnread(snap, userId);
  void runtime;
  return <CommentLane comments={snap.comments} duration={duration} unread={unread} onDraft={onDraft} onOpen={onOpen} recorder={recorder} />;
}

export function ReviewPanel({ review, runtime, user, draft, setDraft, voicePlayer }: {
  review: ReviewClient;
  runtime: SessionRuntime;
  user: ReviewUser;
  draft: Draft | null;
  setDraft: (d: Draft | null) => void;
  voicePlayer: VoiceNotePlayer | null;
}) {
  const snap = useReview(review);
  const unread = useUnread(snap, user.userId);
  const [tab, setTab] = useState<'comments' | 'versions' | 'activity'>('comments');
  useEffect(() => {
    if (draft) setTab('comments');
  }, [draft]);

  const seek = (c: CommentInfo, play: boolean) => {
    runtime.seek(c.atSec);
    if (play) void runtime.play();
  };
  const recall = async (c: CommentInfo) => {
    if (!c.mixUrl) return;
    runtime.recallMix(await review.fetchBytes(c.mixUrl), `the mix of ${c.authorName}'s comment at ${formatTime(c.atSec)}`);
    runtime.seek(c.atSec);
  };

  return (
    <aside className="review-panel" aria-label="Review" data-testid="review-panel">
      <div className="review-top">
        <div className="tabs" role="tablist">
          {(['comments', 'versions', 'activity'] as const).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} data-testid={`tab-${t}`} onClick={() => setTab(t)}>
              {t === 'comments' ? `Comments (${snap.comments.filter((c) => !c.parentId && !c.resolvedAt && !c.deletedAt).length})` : t === 'versions' ? `Versions (${snap.versions.length})` : 'Activity'}
              {t === 'activity' && snap.unread > 0 && <span className="badge new" data-testid="unread-count">{snap.unread}</span>}
            </button>
          ))}
        </div>
        <span className="review-role" data-testid="review-role" title="Your role in this session">{user.role}</span>
      </div>
      {snap.error && <p className="error-text" role="alert" data-testid="review-error">{snap.error}</p>}
      {tab === 'comments' && <MarkerTools review={review} />}
      {tab === 'comments' && (
        <CommentsPanel review={review} comments={snap.comments} userId={user.userId} unread={unread} draft={draft} setDraft={setDraft} onSeek={seek} onRecall={(c) => void recall(c)} voicePlayer={voicePlayer} />
      )}
      {tab === 'versions' && <VersionsPanel review={review} runtime={runtime} versions={snap.versions} references={snap.references} role={user.role} deliverOnlyApproved={snap.settings.deliverOnlyApproved} deliveries={snap.deliveries} comments={snap.comments} />}
      {tab === 'activity' && (
        <div className="activity">
          {snap.unread > 0 && <button type="button" onClick={() => void review.markRead().catch(() => {})} data-testid="mark-read">Mark {snap.unread} notification{snap.unread === 1 ? '' : 's'} read</button>}
          <ul data-testid="activity-list">
            {snap.activity.map((e) => (
              <li key={e.id} className={BigInt(e.id) > BigInt(snap.lastReadId || '0') && e.actorId !== user.userId ? 'unread' : ''}>
                <time dateTime={e.at} title={formatDateTime(new Date(e.at), 'full')}>{formatDateTime(new Date(e.at), 'short')}</time> {e.text}
              </li>
            ))}
          </ul>
        </div>
      )}
    </aside>
  );
}
