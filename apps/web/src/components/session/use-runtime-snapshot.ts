import { startTransition, useEffect, useState } from 'react';
import type { RuntimeSnapshot, SessionRuntime } from '../../lib/session-runtime';
import { isUrgentChange as isUrgent } from '../../lib/snapshot-urgency';

/**
 * What the workspace renders from: the runtime's snapshot.
 *
 * What a person did or hears must show at once: the mix (their own moves and the others'), the
 * transport, a recalled mix, a refusal. Everything else (download and decode progress, health,
 * the audio and connection becoming ready) is rendered as a transition, which React does in
 * slices with the page taking input between them. Read with useSyncExternalStore, every such
 * change was a synchronous render of the whole workspace: 48 stems turning ready while a session
 * opened were renders of 80–190 ms each on a 2-core machine.
 */
export function useRuntimeSnapshot(runtime: SessionRuntime): RuntimeSnapshot {
  const [shown, setShown] = useState(() => ({ runtime, snap: runtime.getSnapshot() }));
  useEffect(() => {
    let last = runtime.getSnapshot();
    const onChange = () => {
      const next = runtime.getSnapshot();
      if (next === last) return;
      const urgent = isUrgent(last, next);
      last = next;
      if (urgent) setShown({ runtime, snap: next });
      else startTransition(() => setShown({ runtime, snap: next }));
    };
    const off = runtime.subscribe(onChange);
    // What changed between the first render and this subscription.
    setShown((s) => (s.runtime === runtime && s.snap === last ? s : { runtime, snap: last }));
    return off;
  }, [runtime]);
  // Another runtime than the one shown (the page moved to another session): its own snapshot.
  return shown.runtime === runtime ? shown.snap : runtime.getSnapshot();
}
