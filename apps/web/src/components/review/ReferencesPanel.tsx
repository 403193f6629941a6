'use client';
// Reference tracks: commercial tracks the artist or engineer uploads to compare masters against
// (never mixed or rendered). Each shows its loudness; "Compare" puts it in the version player next
// to the version(s) chosen, level-matched; the one chosen is recorded with an approval.
import { useState } from 'react';
import { can, type ReferenceInfo, type Role } from '@mixroom/protocol';
import { formatTime } from '../../lib/format';
import type { ReviewClient } from '../../lib/review';

const fig = (x: number | null, unit: string) => (x === null ? '—' : `${x.toFixed(1)} ${unit}`);
const nameFromFile = (file: string) => file.replace(/\.[^.]+$/, '').slice(0, 200) || 'Reference';

export function ReferencesPanel({ review, references, role, chosen, onChoose }: {
  review: ReviewClient;
  references: ReferenceInfo[];
  role: Role;
  chosen: string | null;
  onChoose: (id: string | null) => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const manage = can(role, 'references.manage');

  const upload = async (file: File) => {
    setError(null);
    setBusy(`Measuring ${file.name}…`);
    try {
      const ref = await review.uploadReference(new Uint8Array(await file.arrayBuffer()), nameFromFile(file.name), file.name);
      onChoose(ref.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="references" data-testid="references" aria-label="Reference tracks">
      <strong>References</strong>
      {manage && (
        <label className="upload">
          Upload reference… <span className="muted">(WAV, FLAC, MP3, Ogg; only for comparing — never mixed or rendered)</span>
          <input
            type="file"
            accept=".wav,.flac,.mp3,.ogg,.oga,.opus,audio/*"
            data-testid="upload-reference"
            disabled={busy !== null}
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void upload(f);
            }}
          />
        </label>
      )}
      {busy && <span className="muted" data-testid="reference-busy">{busy}</span>}
      {error && <p className="error-text" role="alert">{error}</p>}
      {references.length === 0 && <p className="muted">No reference tracks yet.</p>}
      <ul>
        {references.map((r) => (
          <li key={r.id} data-testid="reference" data-reference-id={r.id}>
            <span className="ref-name">{r.name}</span>
            <span className="loudness-figures" data-testid="reference-loudness">
              {fig(r.loudness.integrated, 'LUFS')} · LRA {r.loudness.range.toFixed(1)} LU · TP {fig(r.loudness.truePeak, 'dBTP')} · {formatTime(r.durationSec)}
            </span>
            <button type="button" aria-pressed={chosen === r.id} data-testid="reference-compare" onClick={() => onChoose(chosen === r.id ? null : r.id)}>
              {chosen === r.id ? 'Comparing' : 'Compare'}
            </button>
            {manage && (
              <button type="button" data-testid="reference-delete" onClick={() => { if (chosen === r.id) onChoose(null); void review.deleteReference(r.id).catch(() => {}); }}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
