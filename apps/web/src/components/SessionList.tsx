'use client';
// The start page's list of the signed-in user's sessions: open one, start a new one (title),
// and — for owners only (capability `session.delete`) — delete one after confirming.
import { useEffect, useState } from 'react';
import Link from 'next/link';
import { can, type SessionSummary } from '@mixroom/protocol';
import { createSession, deleteSession, listSessions } from '../lib/api';
import { formatDuration } from '../lib/format';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function SessionList() {
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    listSessions().then(
      (r) => setSessions(r.sessions),
      (e: unknown) => setError(message(e)),
    );
  }, []);

  if (error)
    return (
      <p className="error-text" role="alert">
        Could not load sessions: {error}
      </p>
    );
  if (!sessions) return <div className="spinner" aria-label="Loading sessions" />;
  return (
    <>
      <NewSessionForm />
      {sessions.length === 0 ? (
        <p className="muted" data-testid="no-sessions">
          No sessions yet. Start one above, or open an invite link someone sent you.
        </p>
      ) : (
        <ul className="session-list" data-testid="session-list">
          {sessions.map((s) => (
            <SessionRow key={s.id} session={s} onDeleted={() => setSessions((cur) => cur?.filter((x) => x.id !== s.id) ?? null)} />
          ))}
        </ul>
      )}
    </>
  );
}

function NewSessionForm() {
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="new-session"
      data-testid="new-session"
      onSubmit={async (e) => {
        e.preventDefault();
        const t = title.trim();
        if (!t) return setError('give the session a title (the song’s name, say)');
        setBusy(true);
        setError(null);
        try {
          const created = await createSession(t);
          // Straight into the new session: the next thing to do there is upload stems.
          window.location.assign(`/s/${encodeURIComponent(created.id)}`);
        } catch (err) {
          setError(message(err));
          setBusy(false);
        }
      }}
    >
      <label>
        <span className="sr-only">Title of the new session</span>
        <input
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          placeholder="New session: song title"
          maxLength={200}
          aria-label="Title of the new session"
          data-testid="new-session-title"
          disabled={busy}
        />
      </label>
      <button type="submit" className="btn-primary" data-testid="new-session-create" disabled={busy}>
        {busy ? 'Creating…' : 'Create session'}
      </button>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

function SessionRow({ session: s, onDeleted }: { session: SessionSummary; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <li className="session-row" data-testid={`session-row-${s.id}`}>
      <Link href={`/s/${encodeURIComponent(s.id)}`} className="session-card" data-testid={`session-${s.id}`}>
        <span className="session-card-title">{s.title}</span>
        <span className="session-card-meta">
          <span>{s.stemCount} stems</span>
          <span>{formatDuration(s.durationSec)}</span>
          <span>edited {new Date(s.updatedAt).toLocaleDateString()}</span>
          <span>you: {s.role}</span>
        </span>
        <span className="session-card-go" aria-hidden>
          Open →
        </span>
      </Link>
      {can(s.role, 'session.delete') && !confirming && (
        <button type="button" className="link-button session-delete" data-testid="session-delete" aria-label={`Delete ${s.title}`} onClick={() => setConfirming(true)}>
          Delete…
        </button>
      )}
      {confirming && (
        <div className="session-confirm" role="alertdialog" aria-label={`Delete ${s.title}?`} data-testid="session-delete-confirm">
          <span>
            Delete <strong>{s.title}</strong> for everyone? Its stems, mix, comments and versions are removed, and anyone in it now
            is disconnected. This cannot be undone.
          </span>
          <button
            type="button"
            className="btn danger"
            data-testid="session-delete-yes"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await deleteSession(s.id);
                onDeleted();
              } catch (err) {
                setError(message(err));
                setBusy(false);
              }
            }}
          >
            {busy ? 'Deleting…' : 'Delete session'}
          </button>
          <button type="button" className="btn" onClick={() => setConfirming(false)} disabled={busy}>
            Cancel
          </button>
          {error && (
            <span className="error-text" role="alert">
              {error}
            </span>
          )}
        </div>
      )}
    </li>
  );
}
