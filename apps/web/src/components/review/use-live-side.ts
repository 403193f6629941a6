'use client';
// The live mix as a side of the version player: rendered offline when asked (progress shown),
// measured, and marked stale when the mix moves on (the render is what was heard; re-render to
// hear the change). Rendering rather than tapping the live graph is what lets the live mix start
// on the same context frame as the versions and wrap on the same loop frames.
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { MixState } from '@mixroom/engine';
import { mixSoundsDifferent } from '../../lib/master-drift';
import { renderLiveMix, type LiveMixRender } from '../../lib/live-ab';
import type { SessionRuntime } from '../../lib/session-runtime';

export interface LiveSide {
  render: LiveMixRender | null;
  /** 0…1 while rendering; null when idle. */
  progress: number | null;
  error: string | null;
  /** The mix has changed since the render. */
  stale: boolean;
  rerender: () => void;
}

/** Whether the runtime's mix sounds different from `from` (compared only when the mix object changes). */
function useStale(runtime: SessionRuntime, from: MixState | null): boolean {
  const memo = useRef<{ mix: MixState | null; from: MixState | null; stale: boolean }>({ mix: null, from: null, stale: false });
  return useSyncExternalStore(runtime.subscribe, () => {
    const mix = runtime.getSnapshot().mix;
    const m = memo.current;
    if (m.mix !== mix || m.from !== from) memo.current = { mix, from, stale: from !== null && mixSoundsDifferent(from, mix) };
    return memo.current.stale;
  }, () => false);
}

export function useLiveSide(runtime: SessionRuntime, wanted: boolean): LiveSide {
  const [render, setRender] = useState<LiveMixRender | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const stale = useStale(runtime, render?.mix ?? null);
  useEffect(() => {
    if (!wanted) {
      setRender(null);
      return;
    }
    let alive = true;
    setError(null);
    setProgress(0);
    renderLiveMix(runtime, (f) => alive && setProgress(f)).then(
      (r) => alive && setRender(r),
      (e: unknown) => alive && setError(`The live mix could not be rendered: ${e instanceof Error ? e.message : String(e)}`),
    ).finally(() => alive && setProgress(null));
    return () => {
      alive = false;
    };
  }, [runtime, wanted, generation]);
  return { render: wanted ? render : null, progress, error, stale, rerender: () => setGeneration((g) => g + 1) };
}
