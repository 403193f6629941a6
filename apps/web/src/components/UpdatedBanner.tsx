'use client';
import { useSyncExternalStore } from 'react';
import { appOutdated } from '../lib/app-outdated';

/**
 * Shown when the server refused this page for an older (or newer) protocol: reload, not retry.
 * The refusal carries its own words, so every page's layout does not load the protocol's schemas.
 */
export function UpdatedBanner() {
  const mismatch = useSyncExternalStore(appOutdated.subscribe, appOutdated.getSnapshot, () => null);
  if (!mismatch) return null;
  return (
    <div className="updated-banner" role="alert" data-testid="app-updated">
      <span>{mismatch.message}</span>{' '}
      <button type="button" onClick={() => window.location.reload()} data-testid="app-updated-reload">
        Reload
      </button>
    </div>
  );
}
