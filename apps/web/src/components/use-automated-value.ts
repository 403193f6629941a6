'use client';
import { useCallback, useSyncExternalStore } from 'react';
import type { SessionRuntime } from '../lib/session-runtime';

/**
 * The value a control shows: its lane's value at the playhead while a lane plays it (Read, or
 * someone else recording), else `value` (its static value, or the one in this person's hand
 * while they record it). Re-renders only when the shown value moves (see AutomationFollow).
 */
export function useAutomatedValue(runtime: SessionRuntime, key: string, value: number): number {
  const follow = runtime.follow;
  const subscribe = useCallback((onChange: () => void) => follow.subscribe(key, onChange), [follow, key]);
  const automated = useSyncExternalStore(subscribe, () => follow.value(key), () => null);
  return automated ?? value;
}
