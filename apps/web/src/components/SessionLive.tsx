'use client';
import { startTransition, useEffect, useMemo, useRef, useState } from 'react';
import type { GetSessionResponse } from '@mixroom/protocol';
import { me } from '../lib/api';
import { colorFor, loadIdentity, randomIdentity, saveIdentity, type Identity } from '../lib/identity';
import { PresenceClient } from '../lib/presence';
import { SessionRuntime } from '../lib/session-runtime';
import { FrameContext, FrameLoop } from './frame';
import { paintMode } from '../lib/paint-host';
import { IdentityDialog } from './IdentityDialog';
import type { ReviewUser } from './review/ReviewPanel';
import { SessionWorkspace } from './session/SessionWorkspace';

function useRuntime(session: GetSessionResponse): SessionRuntime | null {
  const [runtime, setRuntime] = useState<SessionRuntime | null>(null);
  useEffect(() => {
    const rt = new SessionRuntime(session);
    // Transitions (here and below): the workspace's first render is done in slices.
    startTransition(() => setRuntime(rt));
    void rt.startAudio().catch((e) => console.error('[mixroom] audio init failed', e));
    return () => rt.dispose();
  }, [session]);
  return runtime;
}

/** The session page once the session is known: its runtime, identity, presence and workspace. */
export function SessionLive({ session }: { session: GetSessionResponse }) {
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
          if (name) startTransition(() => setIdentity({ name, color: colorFor(r.user.id) }));
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
    me().then((r) => startTransition(() => setDevUser({ userId: r.user.id, name: r.user.name, role: session.role })), () => {});
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

