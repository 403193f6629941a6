'use client';
// Upload panel of the session view: a file picker plus a drop zone over the whole mixer
// (see useDropFiles), with one row per file: progress, speed, cancel and the server's reason
// when a file is refused.
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { UploadItem, UploadQueue } from '../lib/uploads';

const ACCEPT = '.wav,.wave,.aif,.aiff,.aifc,.flac,.mp3,.ogg,.oga,.opus,audio/*';

export function UploadButton({ queue }: { queue: UploadQueue }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="btn upload-btn" data-testid="upload-button" onClick={() => input.current?.click()}>
        Upload stems…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPT}
        hidden
        data-testid="upload-input"
        onChange={(e) => {
          if (e.target.files?.length) queue.add(Array.from(e.target.files));
          e.target.value = '';
        }}
      />
    </>
  );
}

/** True while files are dragged over the page; drops anywhere on it go to the queue. */
export function useDropFiles(queue: UploadQueue, enabled = true): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    // Roles without stems.manage: dropping a file must not even look like it could work.
    if (!enabled) return;
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      if (--depth <= 0) {
        depth = 0;
        setOver(false);
      }
    };
    const overFn = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      const files = Array.from(e.dataTransfer!.files);
      if (files.length) queue.add(files);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overFn);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overFn);
      window.removeEventListener('drop', drop);
    };
  }, [queue, enabled]);
  return over;
}

/**
 * Uploads as a chip in the header (how many done, refused, with notes, overall progress) that
 * opens the rows on demand. It never floats over the console by itself: at 1440×900 the old
 * always-open list sat on the master strip. Rows stay mounted while closed, so their state is
 * always in the page.
 */
export function UploadList({ queue }: { queue: UploadQueue }) {
  const items = useSyncExternalStore(queue.subscribe, queue.getSnapshot, queue.getSnapshot);
  const [open, setOpen] = useState(false);
  const [top, setTop] = useState(52);
  const chip = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!panel.current?.contains(e.target as Node) && !chip.current?.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      if (panel.current?.contains(document.activeElement)) chip.current?.focus();
    };
    document.addEventListener('pointerdown', away, true);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('pointerdown', away, true);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);
  const empty = items.length === 0;
  useEffect(() => {
    if (empty) setOpen(false);
  }, [empty]);
  if (empty) return null;
  const finished = items.some((i) => i.status === 'done' || i.status === 'error' || i.status === 'cancelled');
  const active = items.filter((i) => i.status === 'queued' || i.status === 'uploading' || i.status === 'retrying' || i.status === 'processing');
  const refused = items.filter((i) => i.status === 'error').length;
  const notes = items.reduce((n, i) => n + i.notes.length, 0);
  const size = active.reduce((n, i) => n + i.size, 0);
  const pct = size > 0 ? (active.reduce((n, i) => n + Math.min(i.sent, i.size), 0) / size) * 100 : 100;
  const done = items.filter((i) => i.status === 'done').length;
  const summary = [
    active.length ? `Uploading ${active.length} · ${pct.toFixed(0)}%` : `Uploads: ${done} added`,
    refused ? `${refused} refused` : '',
    notes ? `${notes} ${notes === 1 ? 'note' : 'notes'}` : '',
  ].filter(Boolean).join(' · ');
  return (
    <>
      <button
        ref={chip}
        type="button"
        className={`btn uploads-chip ${refused ? 'has-error' : notes ? 'has-note' : ''}`}
        aria-expanded={open}
        aria-controls="uploads-panel"
        data-testid="uploads-toggle"
        title={open ? 'Hide the upload list' : 'Show each file: progress, reasons and notes'}
        style={{ '--upload-pct': `${active.length ? pct : 0}%` } as React.CSSProperties}
        onClick={() => {
          setTop(Math.round((chip.current?.getBoundingClientRect().bottom ?? 48) + 4));
          setOpen(!open);
        }}
      >
        {summary}
      </button>
      <section
        ref={panel}
        id="uploads-panel"
        className="uploads"
        role="dialog"
        aria-label="Uploads"
        data-testid="uploads"
        hidden={!open}
        style={{ top }}
      >
        <div className="uploads-head">
          <strong>Uploads</strong>
          {finished && (
            <button type="button" className="btn uploads-clear" onClick={() => queue.clearFinished()}>
              Clear finished
            </button>
          )}
          <button type="button" className="btn" aria-label="Close the upload list" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
        {items.map((item) => (
          <UploadRow key={item.key} item={item} onCancel={() => queue.cancel(item.key)} />
        ))}
      </section>
    </>
  );
}

function UploadRow({ item, onCancel }: { item: UploadItem; onCancel: () => void }) {
  const pct = item.size > 0 ? Math.min(100, (item.sent / item.size) * 100) : 0;
  const active = item.status === 'queued' || item.status === 'uploading' || item.status === 'retrying' || item.status === 'processing';
  return (
    <div className={`upload-row ${item.status}`} data-testid="upload-row" data-status={item.status} data-file={item.fileName} data-replaces={item.replaces?.stemId}>
      <span className="upload-name" title={item.fileName}>
        {item.fileName}
        {item.replaces && <span className="upload-take"> → new take of {item.replaces.channelName}</span>}
      </span>
      <progress max={100} value={pct} aria-label={`${item.fileName} upload progress`} />
      <span className="upload-state">{describe(item, pct)}</span>
      {active && (
        <button type="button" className="btn upload-cancel" onClick={onCancel} aria-label={`Cancel ${item.fileName}`}>
          Cancel
        </button>
      )}
      {item.error && <span className="upload-error" role="alert" data-testid="upload-error">{item.error}</span>}
      {item.notes.map((note) => (
        <span key={note} className="upload-note" role="note" data-testid="upload-note">
          {note}
        </span>
      ))}
    </div>
  );
}

function describe(item: UploadItem, pct: number): string {
  switch (item.status) {
    case 'queued': return 'waiting…';
    case 'uploading': return `${pct.toFixed(0)}% · ${formatBytes(item.sent)} of ${formatBytes(item.size)}${item.speed ? ` · ${formatBytes(item.speed)}/s` : ''}`;
    case 'retrying': return `connection lost at ${pct.toFixed(0)}% — resuming…`;
    case 'processing': return 'checking the audio and adding the channel…';
    case 'done': return item.replaces ? 'now the take in the mix' : 'added to the mix';
    case 'cancelled': return 'cancelled';
    case 'error': return 'refused';
  }
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${Math.round(n)} B`;
}
