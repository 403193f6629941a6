'use client';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { mixStateFromUpdate, sessionDeliveryTarget } from '@mixroom/engine';
import type { VersionInfo } from '@mixroom/protocol';
import { MasterDriftWatch, pickMasterVersion } from '../../lib/master-drift';
import type { ReviewClient } from '../../lib/review';
import type { SessionRuntime } from '../../lib/session-runtime';

const noSubscription = () => () => {};
const NO_VERSIONS: { versions: VersionInfo[] } = { versions: [] };

/**
 * One watch per session page: it follows the master version (from the review list) and the
 * session's target. Measuring is a render of the whole song in this browser, so only people who
 * can change the mix (`enabled`) run it; viewers get no note.
 */
export function useMasterDrift(runtime: SessionRuntime, review: ReviewClient | null, targetId: string, enabled: boolean): MasterDriftWatch {
  const watch = useMemo(() => new MasterDriftWatch(runtime), [runtime]);
  useEffect(() => () => watch.dispose(), [watch]);
  const target = sessionDeliveryTarget(targetId);
  useEffect(() => watch.setTarget(target), [watch, target]);
  const reviewSnap = useSyncExternalStore<{ versions: VersionInfo[] }>(review?.subscribe ?? noSubscription, review?.getSnapshot ?? (() => NO_VERSIONS), () => NO_VERSIONS);
  const master = review && enabled ? pickMasterVersion(reviewSnap.versions, target) : null;
  const key = master ? `${master.id}:${master.status}` : '';
  useEffect(() => {
    if (!master || !review) {
      watch.setVersionReference(null);
      return;
    }
    let alive = true;
    review.fetchBytes(master.mixUrl!).then(
      (bytes) => {
        if (!alive) return;
        const label = `v${master.number}${master.status === 'approved' ? ', approved' : ''}`;
        watch.setVersionReference({ label, versionId: master.id, mix: mixStateFromUpdate(bytes), at: Date.parse(master.createdAt) || 0 });
      },
      (e: unknown) => console.warn('[mixroom] could not read the master version’s mix:', e),
    );
    return () => {
      alive = false;
    };
    // The version's id and status say everything that matters here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [watch, review, key]);
  return watch;
}
