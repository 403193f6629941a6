'use client';
import { startTransition, useEffect, useState } from 'react';
import Link from 'next/link';
import type { GetSessionResponse } from '@mixroom/protocol';
import { getSession, HttpError, sessionIdFromLocation } from '../lib/api';
import { preloadTone } from '../lib/tone-loader';
import { warmAudioOutput } from '../lib/audio-warmup';
import { prepareStemsEarly, startStemWorkerEarly, takeEarlyStemWorker } from '../lib/stem-worker-early';
import { stemCacheKey } from '../lib/stem-stream-protocol';
import { NotFoundContent } from './NotFoundContent';
import { loadSessionLive } from './session-loader';
import type { SessionLive } from './SessionLive';

type PageState =
  | { kind: 'loading' }
  | { kind: 'not-found' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; session: GetSessionResponse; Live: typeof SessionLive };

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
    // The audio output starts meanwhile too, off the main thread (lib/audio-warmup.ts).
    void warmAudioOutput();
    // So does the stem worker, which opens the cached stems' files once the session is known.
    startStemWorkerEarly();
    // The view's code loads while the session is fetched (session-loader.ts), a library per task.
    const live = loadSessionLive();
    live.catch(() => undefined);
    getSession(id).then(
      async (session) => {
        if (cancelled) return;
        performance.mark('mixroom:session-fetched');
        prepareStemsEarly(session.stems.map(stemCacheKey));
        document.title = `${session.title} · Mixroom`;
        let Live: typeof SessionLive;
        try {
          Live = await live;
        } catch (e) {
          if (!cancelled) setState({ kind: 'error', message: `the page could not load (${e instanceof Error ? e.message : String(e)}); check the connection and reload` });
          return;
        }
        if (cancelled) return;
        // A transition: React renders the workspace in slices, the page taking input between them.
        startTransition(() => setState({ kind: 'ready', session, Live }));
      },
      (e: unknown) => {
        if (cancelled) return;
        if (e instanceof HttpError && e.status === 404) setState({ kind: 'not-found' });
        else setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      cancelled = true;
      // Left before the session view took the worker over.
      takeEarlyStemWorker()?.terminate();
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
  return <state.Live session={state.session} />;
}

