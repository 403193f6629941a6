'use client';
import { useEffect, useState } from 'react';
import Link from 'next/link';
import type { InvitePreview } from '@mixroom/protocol';
import { acceptInvite, inviteTokenFromLocation, previewInvite } from '../lib/api';

const STATUS_TEXT = {
  expired: 'This invite link has expired. Ask the session owner for a new one.',
  revoked: 'This invite link was revoked by the session owner.',
  used_up: 'This invite link has already been used as often as allowed.',
} as const;

/** /i/<token>: signed-out visitors are sent to sign in (or up) first by the API's 401, then come back. */
export function InviteAccept() {
  const [token, setToken] = useState<string | null>(null);
  const [preview, setPreview] = useState<InvitePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const t = inviteTokenFromLocation(window.location);
    setToken(t);
    if (!t) return setError('This invite link is incomplete.');
    previewInvite(t).then(setPreview, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  const accept = async () => {
    if (!token) return;
    setBusy(true);
    try {
      const { sessionId } = await acceptInvite(token);
      window.location.assign(`/s/${encodeURIComponent(sessionId)}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };

  return (
    <main className="center-page auth-page" data-testid="invite-page">
      {error ? (
        <>
          <h1>Cannot use this invite</h1>
          <p className="error-text" role="alert" data-testid="invite-error">
            {error}
          </p>
          <Link href="/">Go to your sessions</Link>
        </>
      ) : !preview ? (
        <div className="spinner" aria-label="Loading invite" />
      ) : preview.status !== 'active' ? (
        <>
          <h1>Cannot use this invite</h1>
          <p className="error-text" role="alert" data-testid="invite-error">
            {STATUS_TEXT[preview.status]}
          </p>
        </>
      ) : (
        <>
          <h1>Join “{preview.sessionTitle}”</h1>
          <p>
            You are invited as <strong data-testid="invite-role">{preview.role}</strong>.
          </p>
          <button type="button" className="btn-primary" disabled={busy} onClick={() => void accept()} data-testid="accept-invite">
            Join the session
          </button>
        </>
      )}
    </main>
  );
}
