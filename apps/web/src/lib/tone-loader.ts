import type { ToneLib } from '@mixroom/engine';

/**
 * Tone.js for a session page, loaded so that it neither blocks the page nor starts an audio
 * context of its own.
 *
 * - `import('tone')` evaluated all of Tone (some 700 KB of modules) in one task (0.5 s on a
 *   loaded machine), and Tone's index asks for its global context as it is evaluated: with none
 *   set, Tone made one — a second AudioContext (with standardized-audio-context's feature tests,
 *   a ticker worker and an audio thread of its own) that the session never used, since it plays
 *   through its own context.
 * - Here Tone's parts are evaluated one per task (`preloadTone`, started with the page), and the
 *   index with a placeholder global context that is no audio context; `loadTone` then makes the
 *   session's context Tone's global one.
 *
 * The parts are Tone's own folders, in dependency order (each imports only the ones before it).
 */
const PARTS: ReadonlyArray<() => Promise<unknown>> = [
  // The context, nodes and units, with standardized-audio-context (Tone's largest dependency).
  () => import('tone/build/esm/core/index.js'),
  // Signals and components: what the sources, instruments and effects are built of.
  () => import('tone/build/esm/component/index.js'),
  () => import('tone/build/esm/source/index.js'),
  () => import('tone/build/esm/effect/index.js'),
  () => import('tone/build/esm/instrument/index.js'),
];

/**
 * Ends the task here: the page paints and takes input, then this goes on before the other tasks
 * waiting (`scheduler.yield`); a timer where there is none. Under load a timer's turn came
 * seconds later, behind everything queued, and the whole chain with it.
 */
export function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs dynamic imports one per task, in order: each `import()` evaluates its module and what it
 * imports (once), and the page paints and takes input between them.
 */
export async function importOnePerTask(imports: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  for (const load of imports) {
    await load();
    await yieldToPage();
  }
}

let parts: Promise<void> | null = null;

/**
 * Evaluates Tone's parts, one per task, then its index; never makes an audio context. Started
 * with the page, so its requests go before the stems' downloads take the connections (the
 * browser's six to a host: parts fetched behind them came seconds later). Safe to call again.
 */
export function preloadTone(): Promise<void> {
  parts ??= (async () => {
    await importOnePerTask(PARTS);
    // The index reads Tone's global context as it is evaluated (its deprecated Transport,
    // Destination… constants, which Mixroom never uses): a placeholder that is no audio context
    // keeps Tone from making one. loadTone sets the session's context before anything plays.
    // (Once in the page's life: this promise is kept, and Tone is not yet loaded before it.)
    const [{ DummyContext }, { setContext }] = await Promise.all([import('tone/build/esm/core/context/DummyContext.js'), import('tone/build/esm/core/Global.js')]);
    setContext(new DummyContext());
    await import('tone');
    performance.mark('mixroom:tone-loaded');
    await yieldToPage();
  })().catch((e: unknown) => {
    // A part that failed to load (the network) is tried again by the next caller.
    parts = null;
    throw e;
  });
  return parts;
}

/** Tone, with `context` as its global context. */
export async function loadTone(context: AudioContext): Promise<ToneLib> {
  await preloadTone();
  const Tone = (await import('tone')) as unknown as ToneLib;
  Tone.setContext(new Tone.Context(context));
  return Tone;
}
