'use client';
// Level-matched A/B of one version against the live mix (two versions: VersionPlayer).
import { useEffect, useRef, useState } from 'react';
import type { VersionInfo } from '@mixroom/protocol';
import { liveMixLoudness } from '../../lib/live-ab';
import type { SessionRuntime } from '../../lib/session-runtime';

/**
 * Level-matched A/B between the live mix and one version: the version plays in step with the
 * live transport; switching only swaps which one is heard (10 ms, at the same position). The
 * live mix's loudness comes from an offline render of it; the louder side is turned down.
 */
export function LiveABPlayer({ version, runtime }: { version: VersionInfo; runtime: SessionRuntime }) {
  const audioRef = useRef<HTMLAudioElement>(null);
  const [liveLufs, setLiveLufs] = useState<number | null>(null);
  const [progress, setProgress] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [which, setWhich] = useState<'live' | 'version'>('live');
  useEffect(() => {
    let alive = true;
    // Taken now: by the time an unmount's cleanup runs, React has already let go of the ref, and
    // a version still playing in a detached <audio> would go on being heard.
    const audio = audioRef.current;
    liveMixLoudness(runtime, (f) => alive && setProgress(f)).then(
      (l) => alive && setLiveLufs(l),
      (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      alive = false;
      runtime.preview?.setComparison(0, false);
      audio?.pause();
    };
  }, [runtime]);
  const versionLufs = version.loudness.integrated;
  const ready = liveLufs !== null && Number.isFinite(liveLufs) && versionLufs !== null;
  const target = ready ? Math.min(liveLufs, versionLufs) : 0;
  const liveTrim = ready ? target - liveLufs : 0;
  const versionTrim = ready ? target - versionLufs : 0;
  useEffect(() => {
    if (!ready) return;
    runtime.preview?.setComparison(liveTrim, which === 'version');
    const el = audioRef.current;
    if (!el) return;
    el.volume = Math.min(1, 10 ** (versionTrim / 20));
    el.muted = which !== 'version';
  }, [ready, which, liveTrim, versionTrim, runtime]);
  const align = () => {
    const el = audioRef.current;
    if (el && runtime.transport) el.currentTime = runtime.transport.position;
  };
  const play = async () => {
    await runtime.play();
    align();
    await audioRef.current?.play();
  };
  const pause = () => {
    runtime.pause();
    audioRef.current?.pause();
  };
  const switchTo = (next: 'live' | 'version') => {
    align();
    setWhich(next);
  };
  return (
    <div className="ab" data-testid="live-ab" data-live-lufs={liveLufs ?? ''} data-live-trim={liveTrim} data-version-trim={versionTrim}>
      <audio ref={audioRef} src={version.audioUrl} preload="auto" />
      {!ready && !error && <span className="muted" data-testid="live-ab-analysing">Measuring the live mix… {Math.round(progress * 100)}%</span>}
      {error && <span className="error-text" role="alert">{error}</span>}
      {ready && (
        <>
          <button type="button" onClick={() => void play()} data-testid="live-ab-play">Play</button>
          <button type="button" onClick={pause}>Pause</button>
          <button type="button" aria-pressed={which === 'live'} onClick={() => switchTo('live')} data-testid="live-ab-live">
            Live mix ({liveTrim.toFixed(1)} dB)
          </button>
          <button type="button" aria-pressed={which === 'version'} onClick={() => switchTo('version')} data-testid="live-ab-version">
            v{version.number} ({versionTrim.toFixed(1)} dB)
          </button>
          <span className="muted">level-matched to {target.toFixed(1)} LUFS</span>
        </>
      )}
    </div>
  );
}
