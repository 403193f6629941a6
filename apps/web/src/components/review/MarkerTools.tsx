'use client';
// Comments out to the DAW and back: Reaper / Audacity / MIDI marker downloads, and importing a
// Reaper marker list or Audacity labels as comments (every role may comment; see docs/review.md).
import { useState } from 'react';
import type { ReviewClient } from '../../lib/review';

export function MarkerTools({ review }: { review: ReviewClient }) {
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const u = review.urls;
  return (
    <div className="marker-tools row small" data-testid="marker-tools">
      <span className="muted">Markers:</span>
      <a href={u.commentsExport('reaper')} download data-testid="export-reaper" title="Reaper: Region/Marker Manager → Import">Reaper</a>
      <a href={u.commentsExport('audacity')} download data-testid="export-audacity" title="Audacity: File → Import → Labels">Audacity</a>
      <a href={u.commentsExport('midi')} download data-testid="export-midi" title="Standard MIDI file with a marker per comment">MIDI</a>
      <label className="upload" title="A Reaper marker/region CSV or an Audacity label file">
        Import…
        <input
          type="file"
          accept=".csv,.txt,text/csv,text/plain"
          data-testid="import-markers"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (!f) return;
            setError(null);
            setNote(null);
            try {
              const r = await review.importMarkers(await f.text());
              setNote(`${r.comments.length} comment${r.comments.length === 1 ? '' : 's'} imported from the ${r.format === 'reaper' ? 'Reaper' : 'Audacity'} list`);
            } catch (err) {
              setError((err as Error).message);
            }
            e.target.value = '';
          }}
        />
      </label>
      {note && <span className="muted" data-testid="import-note">{note}</span>}
      {error && <span className="error-text" role="alert" data-testid="import-error">{error}</span>}
    </div>
  );
}
