'use client';
// Master versions: bounce or upload, list with waveform/loudness/diff, level-matched A/B,
// approve or request changes, downloads, and the "deliver only approved" setting.
import { useEffect, useRef, useState } from 'react';
import { can, type DeliveryProgress, type Role, type VersionInfo } from '@mixroom/protocol';
import type { Peaks } from '@mixroom/engine';
import { bounceVersion } from '../../lib/bounce';
import { liveMixLoudness } from '../../lib/live-ab';
import { fetchPeaks } from '../../lib/peaks';
import type { ReviewClient } from '../../lib/review';
import type { SessionRuntime } from '../../lib/session-runtime';
import { Waveform } from '../Waveform';
import { ApproveConfirm } from './ApproveConfirm';
import { DeliveryStatus } from './DeliveryStatus';

const lufs = (x: number | null, unit: string) => (x === null ? '—' : `${x.toFixed(1)} ${unit}`);

function VersionWave({ url, duration }: { url: string | null; duration: number }) {
  const [peaks, setPeaks] = useState<Peaks | null>(null);
  useEffect(() => {
    if (!url) return;
    const ac = new AbortController();
    fetchPeaks(url, ac.signal).then(setPeaks, () => {});
    return () => ac.abort();
  }, [url]);
  return <div className="version-wave"><Waveform peaks={peaks} songDuration={duration} color="#5b9cf5" dimmed={false} /></div>;
}

/**
 * Level-matched A/B: both files play in step; switching only swaps which one is heard, at the
 * same position. The louder one is turned down to the quieter one's integrated loudness.
 */
function ABPlayer({ a, b }: { a: VersionInfo; b: VersionInfo }) {
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
function LiveABPlayer({ version, runtime }: { version: VersionInfo; runtime: SessionRuntime }) {
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

export function VersionsPanel({ review, runtime, versions, role, deliverOnlyApproved, deliveries = {} }: {
  review: ReviewClient;
  runtime: SessionRuntime;
  versions: VersionInfo[];
  role: Role;
  deliverOnlyApproved: boolean;
  /** FLAC/MP3 encodes running (ReviewSnapshot.deliveries). */
  deliveries?: Record<string, DeliveryProgress>;
}) {
  const [progress, setProgress] = useState<number | null>(null);
  const [notes, setNotes] = useState('');
  const [compare, setCompare] = useState<string[]>([]);
  const [changesFor, setChangesFor] = useState<string | null>(null);
  // Approval is final, so it asks first and says what it locks.
  const [confirmFor, setConfirmFor] = useState<string | null>(null);
  const [changesText, setChangesText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const duration = Math.max(1, ...versions.map((v) => v.durationSec));
  const ab = compare.length === 2 ? compare.map((id) => versions.find((v) => v.id === id)).filter((v): v is VersionInfo => !!v) : [];

  const bounce = async () => {
    setError(null);
    setProgress(0);
    try {
      if (runtime.transport?.state === 'started') runtime.pause();
      const { wav, mixState } = await bounceVersion(runtime, setProgress);
      await review.uploadVersion(wav, 'bounce', notes, mixState);
      setNotes('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setProgress(null);
    }
  };

  return (
    <div className="review-versions" data-testid="versions-panel">
      {can(role, 'versions.create') && (
        <div className="version-create">
          <input value={notes} onChange={(e) => setNotes(e.target.value)} placeholder="Notes for the next version" maxLength={5000} data-testid="version-notes" />
          <button type="button" onClick={() => void bounce()} disabled={progress !== null || !runtime.stemsReady} data-testid="bounce">
            Bounce version
          </button>
          <label className="upload">
            Upload master…
            <input
              type="file"
              accept=".wav,audio/wav"
              data-testid="upload-master"
              onChange={async (e) => {
                const f = e.target.files?.[0];
                if (!f) return;
                setError(null);
                await review.uploadVersion(new Uint8Array(await f.arrayBuffer()), 'upload', notes).catch((err: Error) => setError(err.message));
                e.target.value = '';
              }}
            />
          </label>
          {progress !== null && (
            <span className="progress" data-testid="bounce-progress" role="progressbar" aria-valuenow={Math.round(progress * 100)}>
              <i style={{ width: `${progress * 100}%` }} />
            </span>
          )}
        </div>
      )}
      {can(role, 'session.settings') && (
        <label className="setting">
          <input type="checkbox" checked={deliverOnlyApproved} onChange={(e) => void review.setDeliverOnlyApproved(e.target.checked).catch(() => {})} /> Deliver only approved versions
        </label>
      )}
      {error && <p className="error-text" role="alert">{error}</p>}
      {ab.length === 2 && <ABPlayer a={ab[0]} b={ab[1]} />}
      {compare.length === 1 && versions.some((v) => v.id === compare[0]) && (
        <LiveABPlayer key={compare[0]} version={versions.find((v) => v.id === compare[0])!} runtime={runtime} />
      )}
      {versions.length === 0 && <p className="muted">No versions yet.</p>}
      <ul className="versions">
        {[...versions].reverse().map((v) => (
          <li key={v.id} className={`version ${v.status}`} data-testid={`version-v${v.number}`}>
            <div className="version-head">
              <strong>v{v.number}</strong>
              {v.status === 'approved' && <span className="badge approved" data-testid="approved-badge">Approved</span>}
              {v.status === 'changes_requested' && <span className="badge changes">Changes requested</span>}
              <span className="muted">{v.source === 'bounce' ? 'bounced' : 'uploaded'} by {v.createdByName}</span>
              <label className="muted">
                <input
                  type="checkbox"
                  checked={compare.includes(v.id)}
                  data-testid="compare"
                  aria-label={`Compare v${v.number} (A/B)`}
                  onChange={(e) => setCompare(e.target.checked ? [...compare, v.id].slice(-2) : compare.filter((x) => x !== v.id))}
                /> A/B
              </label>
            </div>
            <VersionWave url={v.peaksUrl} duration={duration} />
            <div className="loudness-figures" data-testid="version-loudness">
              {lufs(v.loudness.integrated, 'LUFS')} · LRA {v.loudness.range.toFixed(1)} LU · TP {lufs(v.loudness.truePeak, 'dBTP')}
            </div>
            {v.notes && <p className="version-notes">{v.notes}</p>}
            {v.changes && <p className="version-changes" data-testid="version-changes">Changes: {v.changes.length ? v.changes.join(', ') : 'none'}</p>}
            {v.decision && (
              <p className="muted" data-testid="version-decision">
                {v.decision.decision === 'approve' ? 'Approved' : 'Changes requested'} by {v.decision.byName}
                {v.decision.comment ? `: “${v.decision.comment}”` : ''}
                {v.decision.decision === 'approve' && <> · SHA-256 <code data-testid="approved-sha">{v.decision.sha256}</code></>}
              </p>
            )}
            {/* Metadata only (a range request for the header): the player shows the length instead of "0:00 / 0:00". */}
            <audio controls preload="metadata" src={v.audioUrl} data-testid="version-audio" />
            <div className="row small">
              {can(role, 'versions.approve') && v.status !== 'approved' && (
                <>
                  <button type="button" data-testid="approve" aria-expanded={confirmFor === v.id} onClick={() => setConfirmFor(confirmFor === v.id ? null : v.id)}>Approve…</button>
                  <button type="button" onClick={() => setChangesFor(changesFor === v.id ? null : v.id)}>Request changes</button>
                </>
              )}
              {(!deliverOnlyApproved || v.status === 'approved') && (
                <>
                  <a href={v.downloads.wav} download data-testid="download-wav">WAV</a>
                  <a href={v.downloads.flac} download data-testid="download-flac">FLAC</a>
                  <a href={v.downloads.mp3} download data-testid="download-mp3" title={v.deliveries?.mp3?.note ?? '320 kbps MP3 made from the master; its decoded peaks are kept under the delivery target'}>MP3</a>
                  <a href={v.downloads.report} download>Loudness report</a>
                </>
              )}
            </div>
            {(!deliverOnlyApproved || v.status === 'approved') && <DeliveryStatus version={v} progress={deliveries} />}
            {confirmFor === v.id && (
              <ApproveConfirm number={v.number} deliverOnlyApproved={deliverOnlyApproved} onApprove={() => void review.decide(v.id, 'approve').then(() => setConfirmFor(null), () => {})} onCancel={() => setConfirmFor(null)} />
            )}
            {changesFor === v.id && (
              <form
                className="row"
                onSubmit={(e) => {
                  e.preventDefault();
                  void review.decide(v.id, 'request_changes', changesText).then(() => setChangesFor(null), () => {});
                }}
              >
                <input value={changesText} onChange={(e) => setChangesText(e.target.value)} placeholder="What should change?" />
                <button type="submit" disabled={!changesText.trim()}>Send</button>
              </form>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
