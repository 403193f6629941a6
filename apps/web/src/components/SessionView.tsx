'use client';
import { useEffect, useMemo, useRef, useState } from 'react';
import Link from 'next/link';
import type { GetSessionResponse } from '@mixroom/protocol';
import { getSession, HttpError, me, sessionIdFromLocation } from '../lib/api';
import { colorFor, loadIdentity, randomIdentity, saveIdentity, type Identity } from '../lib/identity';
import { PresenceClient } from '../lib/presence';
import { SessionRuntime } from '../lib/session-runtime';
import { preloadTone } from '../lib/tone-loader';
import { FrameContext, FrameLoop } from './frame';
import { paintMode } from '../lib/paint-host';
import { IdentityDialog } from './IdentityDialog';
import { NotFoundContent } from './NotFoundContent';
import type { ReviewUser } from './review/ReviewPanel';
import { SessionWorkspace } from './session/SessionWorkspace';

type PageState =
  | { kind: 'loading' }
  | { kind: 'not-found' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; session: GetSessionResponse };

/** The /s/<id> page: resolves the id from the URL (the page is one static file for every id). */
export function SessionPage() {
  const [state, setState] = useState<PageState>({ kind: 'loading' });

  useEffect(() => {
    const id = sessionIdFromLocation(window.location);
    if (!id) {
      setState({ kind: 'not-found' });
      return;
    }
    let cancelled = false;
    // The audio engine's largest library loads while the session's details are fetched, a part
    // per task (lib/tone-loader.ts).
    void preloadTone().catch(() => undefined);
    getSession(id).then(
      (session) => {
        if (cancelled) return;
        performance.mark('mixroom:session-fetched');
        document.title = `${session.title} · Mixroom`;
        setState({ kind: 'ready', session });
      },
      (e: unknown) => {
        if (cancelled) return;
        if (e instanceof HttpError && e.status === 404) setState({ kind: 'not-found' });
        else setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  if (state.kind === 'not-found') return <NotFoundContent what="session" />;
  if (state.kind === 'error')
    return (
      <main className="center-page">
        <h1>Could not open this session</h1>
        <p className="error-text" role="alert">
          {state.message}
        </p>
        <Link href="/">Back to all sessions</Link>
      </main>
    );
  if (state.kind === 'loading')
    return (
      <main className="center-page">
        <div className="spinner" aria-label="Loading session" />
      </main>
    );
  return <SessionView session={state.session} />;
}

function useRuntime(session: GetSessionResponse): SessionRuntime | null {
  const [runtime, setRuntime] = useState<SessionRuntime | null>(null);
  useEffect(() => {
    const rt = new SessionRuntime(session);
    setRuntime(rt);
    void rt.startAudio().catch((e) => console.error('[mixroom] audio init failed', e));
    return () => rt.dispose();
  }, [session]);
  return runtime;
}

function SessionView({ session }: { session: GetSessionResponse }) {
  const runtime = useRuntime(session);
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [askIdentity, setAskIdentity] = useState(false);
  const frameLoop = useMemo(() => new FrameLoop(paintMode() === 'worker' ? 'timer' : 'frames'), []);
  // Automated controls follow their lanes from the same frame loop as the meters (≤ 15 Hz).
  useEffect(() => (runtime ? frameLoop.add((now) => runtime.follow.frame(now)) : undefined), [runtime, frameLoop]);

  useEffect(() => {
    const saved = loadIdentity();
    if (saved) setIdentity(saved);
    else {
      // A signed-in account already has a name: use it (their avatar still changes it) rather
      // than asking "Who's mixing?"; only without one is the person asked.
      me().then(
        (r) => {
          const name = r.user.name.trim().slice(0, 60);
          if (name) setIdentity({ name, color: colorFor(r.user.id) });
          else {
            setIdentity(randomIdentity());
            setAskIdentity(true);
          }
        },
        () => {
          setIdentity(randomIdentity());
          setAskIdentity(true);
        },
      );
    }
  }, []);

  const [presence, setPresence] = useState<PresenceClient | null>(null);
  const identityRef = useRef(identity);
  identityRef.current = identity;
  // Joins under the provisional name right away so the others see us; a rename follows as an update.
  const hasIdentity = identity !== null;
  // The signed-in account: who writes comments and approves (the role comes with the session).
  const [devUser, setDevUser] = useState<ReviewUser | null>(null);
  useEffect(() => {
    me().then((r) => setDevUser({ userId: r.user.id, name: r.user.name, role: session.role }), () => {});
  }, [session.role]);
  useEffect(() => {
    if (!identityRef.current) return;
    const p = new PresenceClient(session.id, identityRef.current);
    setPresence(p);
    return () => p.dispose();
  }, [session.id, hasIdentity]);
  useEffect(() => {
    if (identity) presence?.setIdentity(identity);
  }, [identity, presence]);

  if (!runtime || !identity || !devUser) {
    return (
      <main className="center-page">
        <div className="spinner" aria-label="Loading session" />
      </main>
    );
  }

  return (
    <FrameContext.Provider value={frameLoop}>
      <SessionWorkspace
        session={session}
        runtime={runtime}
        presence={presence}
        identity={identity}
        onEditIdentity={() => setAskIdentity(true)}
        devUser={devUser}
      />
      {askIdentity && (
        <IdentityDialog
          key={identity.name}
          initial={identity}
          onDone={(id) => {
            saveIdentity(id);
            setIdentity(id);
            setAskIdentity(false);
          }}
        />
      )}
    </FrameContext.Provider>
  );
}

