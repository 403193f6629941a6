'use client';
import { useSyncExternalStore } from 'react';
import { PROTOCOL_MISMATCH_MESSAGE } from '@mixroom/protocol';
import { appOutdated } from '../lib/app-outdated';

/** Shown when the server refused this page for an older (or newer) protocol: reload, not retry. */
export function UpdatedBanner() {
  const mismatch = useSyncExternalStore(appOutdated.subscribe, appOutdated.getSnapshot, () => null);
  if (!mismatch) return null;
  return (
    <div className="updated-banner" role="alert" data-testid="app-updated">
      <span>{PROTOCOL_MISMATCH_MESSAGE}</span>{' '}
      <button type="button" onClick={() => window.location.reload()} data-testid="app-updated-reload">
        Reload
      </button>
    </div>
  );
}
