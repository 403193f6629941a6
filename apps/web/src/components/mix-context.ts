'use client';
import { createContext, useContext } from 'react';
import type { Presence } from '@mixroom/protocol';
import type { ParamScope } from '@mixroom/engine';
import type { MasterDriftWatch } from '../lib/master-drift';
import type { SessionRuntime } from '../lib/session-runtime';

/** `held` false releases `control` only if it is still the one held (a wheel's late release must not end a drag). */
export type HoldFn = (control: string, held: boolean) => void;

/** What every parameter control needs besides its value: where to write, and who holds what. */
export interface MixContextValue {
  runtime: SessionRuntime;
  /** Param key → the peer currently holding that control. */
  held: ReadonlyMap<string, Presence>;
  onHold: HoldFn;
  /** Whether the mix still matches its master (absent outside a session page). */
  drift?: MasterDriftWatch;
}

export const MixContext = createContext<MixContextValue | null>(null);

export function useMix(): MixContextValue {
  const v = useContext(MixContext);
  if (!v) throw new Error('MixContext missing');
  return v;
}

/** A stable, readable name for a scope, used in data-testids ("Bass", "reverb", "master"). */
export function scopeName(scope: ParamScope, channelName?: string): string {
  if (scope.kind === 'master') return 'master';
  if (scope.kind === 'fx') return scope.bus;
  return (channelName ?? scope.channelId).replace(/\s+/g, '-');
}
