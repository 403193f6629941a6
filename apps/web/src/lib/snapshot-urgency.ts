import type { RuntimeSnapshot } from './session-runtime';

/**
 * Whether a change of the session's snapshot is something a person did or hears, to be shown at
 * once: the mix, the transport, a recalled mix, a refusal, the song's length. Progress, health and
 * readiness can wait for a slice of the main thread (components/session/use-runtime-snapshot.ts).
 */
export function isUrgentChange(shown: RuntimeSnapshot, next: RuntimeSnapshot): boolean {
  return (
    next.mix !== shown.mix ||
    next.transportState !== shown.transportState ||
    next.loop !== shown.loop ||
    next.recalled !== shown.recalled ||
    next.syncError !== shown.syncError ||
    next.duration !== shown.duration
  );
}
