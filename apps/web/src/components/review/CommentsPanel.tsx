'use client';
// Comment threads ordered by time: reply, resolve/reopen, edit and delete own, filter, recall the mix.
import { useState } from 'react';
import type { CommentInfo } from '@mixroom/protocol';
import { formatDateTime, formatTime } from '../../lib/format';
import type { ReviewClient } from '../../lib/review';
import type { Draft } from './CommentLane';
import type { VoiceNotePlayer } from '../../lib/voice-note-player';
import { VoicePlay } from './VoicePlay';

/** A comment's text; its author can switch it to a text box and save a new version of it. */
function CommentText({ review, comment, mine, inline }: { review: ReviewClient; comment: CommentInfo; mine: boolean; inline?: boolean }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(comment.body);
  const [saving, setSaving] = useState(false);
  const Tag = inline ? 'span' : 'p';
  if (comment.deletedAt) return <Tag className="comment-body"><em data-testid="comment-body">deleted</em></Tag>;
  if (!editing) {
    return (
      <Tag className="comment-body">
        {/* Bodies are plain text: React escapes them, markup shows as typed. */}
        <span data-testid="comment-body">{comment.body}</span>
        {comment.editedAt && <span className="muted small" data-testid="comment-edited" title={`edited ${formatDateTime(new Date(comment.editedAt), 'full')}`}> (edited)</span>}
        {mine && (
          <button type="button" className="link small" data-testid="comment-edit" onClick={() => { setText(comment.body); setEditing(true); }}>
            Edit
          </button>
        )}
      </Tag>
    );
  }
  return (
    <form
      className="comment-edit"
      data-testid="comment-edit-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaving(true);
        // On failure the box stays open with the text, and the panel shows the server's error.
        await review.editComment(comment.id, text).then(() => setEditing(false), () => {});
        setSaving(false);
      }}
    >
      <textarea autoFocus value={text} onChange={(e) => setText(e.target.value)} data-testid="comment-edit-input" maxLength={5000} rows={3}
        onKeyDown={(e) => { if (e.key === 'Escape') setEditing(false); }} />
      <div className="row small">
        <button type="submit" data-testid="comment-edit-save" disabled={saving || !text.trim() || text === comment.body}>Save</button>
        <button type="button" onClick={() => setEditing(false)}>Cancel</button>
      </div>
    </form>
  );
}

/** When a comment was posted, in the reader's own locale and time zone (full date on hover). */
function PostedAt({ iso }: { iso: string }) {
  const d = new Date(iso);
  return (
    <time className="muted small posted-at" dateTime={iso} title={formatDateTime(d, 'full')} data-testid="comment-posted">
      {formatDateTime(d, 'short')}
    </time>
  );
}

const when = (c: CommentInfo) => (c.endSec !== null ? `${formatTime(c.atSec)}–${formatTime(c.endSec)}` : formatTime(c.atSec));

export function CommentsPanel({
  review, comments, userId, unread, draft, setDraft, onSeek, onRecall, voicePlayer = null,
}: {
  review: ReviewClient;
  comments: CommentInfo[];
  userId: string;
  unread: ReadonlySet<string>;
  draft: Draft | null;
  setDraft: (d: Draft | null) => void;
  onSeek: (c: CommentInfo, play: boolean) => void;
  onRecall: (c: CommentInfo) => void;
  voicePlayer?: VoiceNotePlayer | null;
}) {
  const [filter, setFilter] = useState<'open' | 'resolved' | 'all'>('open');
  const [text, setText] = useState('');
  const [replyTo, setReplyTo] = useState<string | null>(null);
  const [reply, setReply] = useState('');
  const roots = comments.filter((c) => !c.parentId && (filter === 'all' || (filter === 'resolved') === !!c.resolvedAt));
  const repliesOf = (id: string) => comments.filter((c) => c.parentId === id);

  return (
    <div className="review-comments">
      {draft && (
        <form
          className="comment-form"
          data-testid="comment-form"
          onSubmit={async (e) => {
            e.preventDefault();
            await review.addComment(text, draft.atSec, draft.endSec).then(() => {
              setText('');
              setDraft(null);
            }, () => {});
          }}
        >
          <label>
            Comment at <strong data-testid="comment-draft-time">{draft.endSec !== null ? `${formatTime(draft.atSec)}–${formatTime(draft.endSec)}` : formatTime(draft.atSec)}</strong>
          </label>
          <textarea autoFocus value={text} onChange={(e) => setText(e.target.value)} data-testid="comment-input" maxLength={5000} rows={3} />
          <div className="row">
            <button type="submit" data-testid="comment-submit" disabled={!text.trim()}>Post</button>
            <button type="button" onClick={() => setDraft(null)}>Cancel</button>
          </div>
        </form>
      )}
      <div className="filter" role="group" aria-label="Filter comments">
        {(['open', 'resolved', 'all'] as const).map((f) => (
          <button key={f} type="button" aria-pressed={filter === f} data-testid={`filter-${f}`} onClick={() => setFilter(f)}>
            {f}
          </button>
        ))}
      </div>
      {roots.length === 0 && <p className="muted">No {filter === 'all' ? '' : filter} comments. Click or drag on the comment strip, hold it to record a voice note, or press C.</p>}
      <ul className="threads">
        {roots.map((c) => (
          <li key={c.id} className={`thread ${c.resolvedAt ? 'resolved' : ''}`} data-testid="comment-thread" data-comment-id={c.id}>
            <div className="comment-head">
              <button type="button" className="time" onClick={(e) => onSeek(c, e.shiftKey)} title="Jump here (Shift: and play)" data-testid="comment-seek">
                {when(c)}
              </button>
              <strong>{c.authorName}</strong>
              <PostedAt iso={c.createdAt} />
              {unread.has(c.id) && <span className="badge new" data-testid="comment-unread">new</span>}
              {c.resolvedAt && <span className="badge">resolved by {c.resolvedBy}</span>}
            </div>
            <CommentText review={review} comment={c} mine={c.authorId === userId} />
            <div className="row small">
              <VoicePlay player={voicePlayer} comment={c} />
              {c.mixUrl && <button type="button" onClick={() => onRecall(c)} data-testid="recall-mix">Recall mix</button>}
              {!c.deletedAt && (
                <button type="button" data-testid="resolve" onClick={() => void review.resolve(c.id, !c.resolvedAt).catch(() => {})}>
                  {c.resolvedAt ? 'Reopen' : 'Resolve'}
                </button>
              )}
              {!c.deletedAt && <button type="button" data-testid="reply" aria-expanded={replyTo === c.id} onClick={() => setReplyTo(replyTo === c.id ? null : c.id)}>Reply</button>}
              {c.authorId === userId && !c.deletedAt && <button type="button" onClick={() => void review.deleteComment(c.id).catch(() => {})}>Delete</button>}
            </div>
            {repliesOf(c.id).map((r) => (
              <div key={r.id} className="reply" data-testid="comment-reply">
                <strong>{r.authorName}</strong> <PostedAt iso={r.createdAt} /> <CommentText review={review} comment={r} mine={r.authorId === userId} inline /> <VoicePlay player={voicePlayer} comment={r} />
              </div>
            ))}
            {replyTo === c.id && (
              <form
                className="row"
                onSubmit={async (e) => {
                  e.preventDefault();
                  await review.addComment(reply, c.atSec, null, c.id).then(() => {
                    setReply('');
                    setReplyTo(null);
                  }, () => {});
                }}
              >
                <input value={reply} onChange={(e) => setReply(e.target.value)} placeholder="Reply…" aria-label="Reply" maxLength={5000} data-testid="reply-input" autoFocus />
                <button type="submit" disabled={!reply.trim()} data-testid="reply-send">Send</button>
              </form>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
