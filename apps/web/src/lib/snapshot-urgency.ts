import type { RuntimeSnapshot } from './session-runtime';

/**
 * Whether a change of the session's snapshot is something a person did or hears, to be shown at
 * once: the mix (once it has arrived), the transport, a recalled mix, a refusal, the song's
 * length. Progress, health and readiness can wait for a slice of the main thread
 * (components/session/use-runtime-snapshot.ts).
 */
export function isUrgentChange(shown: RuntimeSnapshot, next: RuntimeSnapshot): boolean {
  return (
    // The mix as it first arrives from the server is the whole console appearing, not a move:
    // urgent, it was a synchronous render of every strip (0.4 s with 48 on a busy machine) that
    // held back everything else of the open, Play's button among it.
    (next.mix !== shown.mix && shown.synced) ||
    next.transportState !== shown.transportState ||
    next.loop !== shown.loop ||
    next.recalled !== shown.recalled ||
    next.syncError !== shown.syncError ||
    next.duration !== shown.duration
  );
}
