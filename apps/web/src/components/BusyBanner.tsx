'use client';
import { useSyncExternalStore } from 'react';
import { SERVER_BUSY_MESSAGE, serverBusy } from '../lib/busy-retry';

/** Shown while a request waits out a busy server (503 + Retry-After) instead of failing. */
export function BusyBanner() {
  const busy = useSyncExternalStore(serverBusy.subscribe, serverBusy.getSnapshot, () => false);
  if (!busy) return null;
  return (
    <div className="busy-banner" role="status" data-testid="server-busy">
      {SERVER_BUSY_MESSAGE}
    </div>
  );
}
