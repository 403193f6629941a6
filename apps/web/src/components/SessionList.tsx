'use client';
import { useEffect, useState } from 'react';
import Link from 'next/link';
import type { SessionSummary } from '@mixroom/protocol';
import { listSessions } from '../lib/api';
import { formatDuration } from '../lib/format';

export function SessionList() {
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    listSessions().then(
      (r) => setSessions(r.sessions),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);

  if (error)
    return (
      <p className="error-text" role="alert">
        Could not load sessions: {error}
      </p>
    );
  if (!sessions) return <div className="spinner" aria-label="Loading sessions" />;
  if (sessions.length === 0) return <p className="muted">No sessions yet.</p>;
  return (
    <ul className="session-list" data-testid="session-list">
      {sessions.map((s) => (
        <li key={s.id}>
          <Link href={`/s/${encodeURIComponent(s.id)}`} className="session-card" data-testid={`session-${s.id}`}>
            <span className="session-card-title">{s.title}</span>
            <span className="session-card-meta">
              <span>{s.stemCount} stems</span>
              <span>{formatDuration(s.durationSec)}</span>
              <span>edited {new Date(s.updatedAt).toLocaleDateString()}</span>
            </span>
            <span className="session-card-go" aria-hidden>
              Open →
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
