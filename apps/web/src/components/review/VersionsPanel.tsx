'use client';
// Master versions: bounce or upload, list with waveform/loudness/diff, level-matched A/B,
// approve or request changes, downloads, and the "deliver only approved" setting.
import { useContext, useEffect, useState } from 'react';
import { can, type CommentInfo, type DeliveryProgress, type ReferenceInfo, type Role, type VersionInfo } from '@mixroom/protocol';
import type { Peaks } from '@mixroom/engine';
import { bounceVersion } from '../../lib/bounce';
import { fetchPeaks } from '../../lib/peaks';
import type { ReviewClient } from '../../lib/review';
import type { SessionRuntime } from '../../lib/session-runtime';
import { Waveform } from '../Waveform';
import { DriftNote } from '../MasterToTarget';
import { MixContext } from '../mix-context';
import { VersionPlayer } from './VersionPlayer';
import { formatTime } from '../../lib/format';
import { ApproveConfirm } from './ApproveConfirm';
import { DeliveryStatus } from './DeliveryStatus';
import { DeliveryPack } from './DeliveryPack';
import { ReferencesPanel } from './ReferencesPanel';
import { deckSides as withReference } from '../../lib/deck-sources';

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

export function VersionsPanel({ review, runtime, versions, references = [], role, deliverOnlyApproved, deliveries = {}, comments = [] }: {
  review: ReviewClient;
  /** The session's reference tracks. */
  references?: ReferenceInfo[];
  /** For the comments placed on versions' timelines. */
  comments?: CommentInfo[];
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
  /** The version played on its own in the version player (when two are not ticked for A/B). */
  const [solo, setSolo] = useState<string | null>(null);
  const [changesFor, setChangesFor] = useState<string | null>(null);
  // Approval is final, so it asks first and says what it locks.
  const [confirmFor, setConfirmFor] = useState<string | null>(null);
  const [changesText, setChangesText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const drift = useContext(MixContext)?.drift;
  const duration = Math.max(1, ...versions.map((v) => v.durationSec));
  const ab = compare.length === 2 ? compare.map((id) => versions.find((v) => v.id === id)).filter((v): v is VersionInfo => !!v) : [];
  const soloVersion = compare.length === 0 ? versions.find((v) => v.id === solo) : undefined;
  /** One version ticked: it is compared with the live mix. */
  const single = compare.length === 1 ? versions.find((v) => v.id === compare[0]) : undefined;
  /** The live mix as one more side of the player (rendered there). */
  const [live, setLive] = useState(false);
  /** The reference track to compare with (played as the last side; recorded with an approval). */
  const [referenceId, setReferenceId] = useState<string | null>(null);
  const reference = references.find((r) => r.id === referenceId);
  const deckSides = withReference(ab.length === 2 ? ab : single ? [single] : soloVersion ? [soloVersion] : [], reference);

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
      <ReferencesPanel review={review} references={references} role={role} chosen={reference?.id ?? null} onChoose={setReferenceId} />
      {deckSides.length > 0 && <VersionPlayer sides={deckSides} runtime={runtime} review={review} comments={comments} live={live} onLive={setLive} />}
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
                  onChange={(e) => {
                    setSolo(null);
                    const next = e.target.checked ? [...compare, v.id].slice(-2) : compare.filter((x) => x !== v.id);
                    setCompare(next);
                    // One version ticked is A/B'd against the live mix, two against each other (as before the
                    // deck took the live mix in); "+ Live mix" adds it to any of them.
                    setLive(next.length === 1);
                  }}
                /> A/B
              </label>
            </div>
            <VersionWave url={v.peaksUrl} duration={duration} />
            <div className="loudness-figures" data-testid="version-loudness">
              {lufs(v.loudness.integrated, 'LUFS')} · LRA {v.loudness.range.toFixed(1)} LU · TP {lufs(v.loudness.truePeak, 'dBTP')}
            </div>
            <DriftNote drift={drift} versionId={v.id} />
            {v.notes && <p className="version-notes">{v.notes}</p>}
            {v.changes && <p className="version-changes" data-testid="version-changes">Changes: {v.changes.length ? v.changes.join(', ') : 'none'}</p>}
            {v.decision && (
              <p className="muted" data-testid="version-decision">
                {v.decision.decision === 'approve' ? 'Approved' : 'Changes requested'} by {v.decision.byName}
                {v.decision.comment ? `: “${v.decision.comment}”` : ''}
                {v.decision.decision === 'approve' && <> · SHA-256 <code data-testid="approved-sha">{v.decision.sha256}</code></>}
                {v.decision.reference && <span data-testid="decision-reference"> · compared with reference “{v.decision.reference.name}”</span>}
              </p>
            )}
            <div className="row small">
              <button type="button" data-testid="version-play" aria-pressed={soloVersion?.id === v.id} onClick={() => { setCompare([]); setSolo(soloVersion?.id === v.id ? null : v.id); }}>
                {soloVersion?.id === v.id ? 'Close player' : `Open v${v.number} in the player`}
              </button>
              <span className="muted" data-testid="version-duration">{formatTime(v.durationSec)}</span>
              {comments.some((c) => c.versionId === v.id && !c.parentId && !c.deletedAt) && (
                <span className="muted">{comments.filter((c) => c.versionId === v.id && !c.parentId && !c.deletedAt).length} comment(s) on v{v.number}</span>
              )}
            </div>
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
                  <a href={review.urls.versionCues(v.id)} download data-testid="download-cues" title="The WAV with the comments as cue points (markers in most DAWs)">WAV + cues</a>
                </>
              )}
            </div>
            {(!deliverOnlyApproved || v.status === 'approved') && <DeliveryStatus version={v} progress={deliveries} />}
            {v.status === 'approved' && <DeliveryPack sessionId={runtime.session.id} sessionTitle={runtime.session.title} version={v} />}
            {confirmFor === v.id && (
              <ApproveConfirm
                number={v.number} deliverOnlyApproved={deliverOnlyApproved} referenceName={reference?.name ?? null}
                onApprove={() => void review.decide(v.id, 'approve', '', reference?.id).then(() => setConfirmFor(null), () => {})} onCancel={() => setConfirmFor(null)}
              />
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
