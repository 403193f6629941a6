'use client';
// "Delivery pack…" of an approved version: title, artist and ISRC (checked here with the
// server's own rule, so a typo is named before anything downloads), then one ZIP download.
import { useState } from 'react';
import { normaliseIsrc, reviewUrls, type VersionInfo } from '@mixroom/protocol';

export function DeliveryPack({ sessionId, sessionTitle, version }: { sessionId: string; sessionTitle: string; version: VersionInfo }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState(sessionTitle);
  const [artist, setArtist] = useState('');
  const [isrc, setIsrc] = useState('');
  let problem: string | null = null;
  let code = '';
  if (!title.trim()) problem = 'Enter the title written into the files.';
  else if (!artist.trim()) problem = 'Enter the artist written into the files.';
  else if (isrc.trim()) {
    try {
      code = normaliseIsrc(isrc);
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  if (!open) {
    return <button type="button" onClick={() => setOpen(true)} data-testid="pack-open">Delivery pack…</button>;
  }
  const href = reviewUrls(sessionId).versionPack(version.id, { title: title.trim(), artist: artist.trim(), isrc: code });
  return (
    <div className="pack-form" data-testid="pack-form">
      <p className="muted">
        One ZIP: 24-bit WAV at the session rate, 16-bit/44.1 kHz WAV, MP3 320, loudness report, changelog of resolved comments and a SHA-256
        manifest (recorded with the approval).
      </p>
      <label>Title <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} data-testid="pack-title" /></label>
      <label>Artist <input value={artist} onChange={(e) => setArtist(e.target.value)} maxLength={200} data-testid="pack-artist" /></label>
      <label>ISRC (optional) <input value={isrc} onChange={(e) => setIsrc(e.target.value)} maxLength={40} placeholder="GB-ABC-26-00001" data-testid="pack-isrc" /></label>
      {problem && <p className="error-text" role="alert" data-testid="pack-problem">{problem}</p>}
      <div className="row small">
        {problem ? (
          <button type="button" disabled data-testid="pack-download">Download pack</button>
        ) : (
          <a className="btn" href={href} download data-testid="pack-download">Download pack (v{version.number})</a>
        )}
        <button type="button" onClick={() => setOpen(false)}>Close</button>
      </div>
    </div>
  );
}
