import { importOnePerTask } from '../lib/tone-loader';

/**
 * The session page's code, loaded so that no single task evaluates all of it.
 *
 * The session view pulls in most of the app: the mix engine, Yjs, socket.io, the protocol's zod
 * schemas, the workspace's components. Imported by the page itself, that whole graph was evaluated
 * in one task while the page hydrated (~240 ms on a 2-core machine, before the session was even
 * requested). Here the page hydrates with a spinner and asks for the session at once; meanwhile
 * the largest libraries are evaluated one per task (each `import()` evaluates its module and what it
 * imports, once), and the view last, with what is left.
 */
const STAGES: ReadonlyArray<() => Promise<unknown>> = [
  () => import('@mixroom/protocol'),
  () => import('yjs'),
  () => import('socket.io-client'),
  () => import('@mixroom/engine'),
  () => import('./session/SessionWorkspace'),
];

type SessionLiveModule = typeof import('./SessionLive');
let loading: Promise<SessionLiveModule['SessionLive']> | null = null;

/** The live session view, its code evaluated a library per task. Safe to call again. */
export function loadSessionLive(): Promise<SessionLiveModule['SessionLive']> {
  loading ??= (async () => {
    await importOnePerTask(STAGES);
    const { SessionLive } = await import('./SessionLive');
    return SessionLive;
  })().catch((e: unknown) => {
    // A part that failed to load (the network) is tried again by the next caller.
    loading = null;
    throw e;
  });
  return loading;
}
