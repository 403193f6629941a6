import type { RuntimeSnapshot } from '../lib/session-runtime';

const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/**
 * What the streamed playback is doing, in the header: how much of the session is in this
 * browser's cache and what the stem windows take in memory; and, loudly, any stem that cannot
 * keep up or that Play had to start without (never a silently partial mix).
 */
export function PlaybackHealth({ snap }: { snap: RuntimeSnapshot }) {
  const { stems, health } = snap;
  if (!snap.audioReady || stems.length === 0) return null;
  const total = stems.reduce((a, s) => a + s.totalBytes, 0);
  const cached = stems.reduce((a, s) => a + Math.min(s.loadedBytes, s.totalBytes), 0);
  const allCached = stems.every((s) => s.status === 'error' || (s.status === 'ready' && s.loadedBytes >= s.totalBytes));
  const problem = health.stalled.length > 0 ? `Falling behind: ${health.stalled.join(', ')}` : health.startedWithout.length > 0 ? `Playing without ${health.startedWithout.join(', ')} (still loading)` : null;
  const cacheFull = health.cacheFull ? `Cache full: streaming` : null;
  const title = `${problem ? `${problem}. ` : ''}${
    health.cacheFull
      ? `This browser will not store more of the stems (${health.cacheFull}): they stream from the server as they play, and the next visit downloads again what is not stored. Free disk space, or leave private browsing, to keep them. `
      : ''
  }Stems stream from this browser's cache: ${mb(cached)} of ${mb(total)} cached; ${mb(health.streamBytes)} of memory for the playback windows of ${stems.length} stems.`;
  // A fixed width while all is well: the header's layout must not move as the figure changes.
  return (
    <span className={`stream-health${problem || cacheFull ? ' warn' : ''}`} data-testid="stream-health" role={problem ? 'alert' : 'status'} title={title}>
      {problem ?? cacheFull ?? (allCached ? 'Cached' : `Caching ${total > 0 ? Math.floor((cached / total) * 100) : 0}%`)}
    </span>
  );
}
