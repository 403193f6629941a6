'use client';
// Level-matched A/B players: two versions, or one version against the live mix.
import { useEffect, useRef, useState } from 'react';
import type { VersionInfo } from '@mixroom/protocol';
import { liveMixLoudness } from '../../lib/live-ab';
import type { SessionRuntime } from '../../lib/session-runtime';

/**
 * Level-matched A/B: both files play in step; switching only swaps which one is heard, at the
 * same position. The louder one is turned down to the quieter one's integrated loudness.
 */
export function ABPlayer({ a, b }: { a: VersionInfo; b: VersionInfo }) {
  const refs = [useRef<HTMLAudioElement>(null), useRef<HTMLAudioElement>(null)];
  const [which, setWhich] = useState<0 | 1>(0);
  const pair = [a, b];
  const target = Math.min(...pair.map((v) => v.loudness.integrated ?? 0));
  const gains = pair.map((v) => Math.min(1, 10 ** ((target - (v.loudness.integrated ?? target)) / 20)));
  useEffect(() => {
    refs.forEach((r, i) => {
      if (!r.current) return;
      r.current.volume = gains[i];
      r.current.muted = i !== which;
    });
  });
  const play = async () => {
    const [x, y] = refs.map((r) => r.current!);
    y.currentTime = x.currentTime;
    await Promise.all([x.play(), y.play()]);
  };
  const pause = () => refs.forEach((r) => r.current?.pause());
  const switchTo = (i: 0 | 1) => {
    const from = refs[which].current!;
    const to = refs[i].current!;
    to.currentTime = from.currentTime;
    setWhich(i);
  };
  return (
    <div className="ab" data-testid="ab-player" data-target-lufs={target.toFixed(2)} data-heard={which === 0 ? 'a' : 'b'}>
      {pair.map((v, i) => <audio key={v.id} ref={refs[i]} src={v.audioUrl} preload="auto" data-testid={`ab-audio-${i === 0 ? 'a' : 'b'}`} />)}
      <button type="button" onClick={() => void play()} data-testid="ab-play">Play</button>
      <button type="button" onClick={pause} data-testid="ab-pause">Pause</button>
      {pair.map((v, i) => (
        <button key={v.id} type="button" aria-pressed={which === i} onClick={() => switchTo(i as 0 | 1)} data-testid={`ab-${i === 0 ? 'a' : 'b'}`} data-version={v.number} data-trim-db={(20 * Math.log10(gains[i])).toFixed(2)}>
          {i === 0 ? 'A' : 'B'}: v{v.number} ({(20 * Math.log10(gains[i])).toFixed(1)} dB)
        </button>
      ))}
      <span className="muted">level-matched to {target.toFixed(1)} LUFS</span>
    </div>
  );
}

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
    liveMixLoudness(runtime, (f) => alive && setProgress(f)).then(
      (l) => alive && setLiveLufs(l),
      (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      alive = false;
      runtime.preview?.setComparison(0, false);
      audioRef.current?.pause();
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
