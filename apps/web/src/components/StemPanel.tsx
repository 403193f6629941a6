'use client';
// Edits of one stem/channel, opened from its lane head: rename, replace with a new take (a file
// uploaded with progress through the shared upload queue), the take history with restore, and
// removal after a confirmation. Offered only to roles with `stems.manage`; the server checks
// the same capability on every call. What changes reaches everyone through the mix document.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { StemTake } from '@mixroom/protocol';
import { listTakes, removeStem, renameStem, restoreTake } from '../lib/api';
import { formatDuration } from '../lib/format';
import type { UploadQueue } from '../lib/uploads';

const ACCEPT = '.wav,.wave,.aif,.aiff,.aifc,.flac,.mp3,.ogg,.oga,.opus,audio/*';
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export interface StemPanelProps {
  sessionId: string;
  channelId: string;
  /** The channel's current take (its stem id changes when a take is replaced or restored). */
  stemId: string;
  name: string;
  uploads: UploadQueue;
  onClose: () => void;
}

export function StemPanel({ sessionId, channelId, stemId, name, uploads, onClose }: StemPanelProps) {
  const [draft, setDraft] = useState(name);
  const [takes, setTakes] = useState<StemTake[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  // Someone else renaming the channel updates the field unless this person is typing in it.
  const editing = useRef(false);
  useEffect(() => {
    if (!editing.current) setDraft(name);
  }, [name]);

  const refresh = useCallback(() => {
    listTakes(sessionId, stemId).then((r) => setTakes(r.takes), (e: unknown) => setError(message(e)));
  }, [sessionId, stemId]);
  // A new or restored take (by anyone) changes the channel's stem id: reload the history then.
  useEffect(refresh, [refresh]);

  // The new take's row: progress while it uploads, then the history reloads once it is in the mix.
  const items = useSyncExternalStore(uploads.subscribe, uploads.getSnapshot, uploads.getSnapshot);
  const takeUploads = items.filter((i) => i.replaces && takes?.some((t) => t.id === i.replaces!.stemId));
  const uploading = takeUploads.find((i) => i.status === 'queued' || i.status === 'uploading' || i.status === 'retrying' || i.status === 'processing');

  const run = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(what);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(message(e));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const trimmed = draft.trim();
  return (
    <aside className="members-panel stem-panel" aria-label={`Stem ${name}`} data-testid="stem-panel" data-channel={channelId} data-stem={stemId}>
      <header>
        <h2>{name}</h2>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close stem panel">
          Close
        </button>
      </header>

      <form
        className="stem-rename"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!trimmed || trimmed === name) return;
          if (await run('rename', () => renameStem(sessionId, stemId, trimmed))) editing.current = false;
        }}
      >
        <label>
          Name
          <input
            value={draft}
            maxLength={200}
            data-testid="stem-rename-input"
            onFocus={() => (editing.current = true)}
            onBlur={() => (editing.current = trimmed !== name)}
            onChange={(e) => setDraft(e.target.value)}
          />
        </label>
        <button type="submit" className="btn" data-testid="stem-rename-save" disabled={!trimmed || trimmed === name || busy !== null}>
          {busy === 'rename' ? 'Renaming…' : 'Rename'}
        </button>
      </form>

      <section className="stem-section">
        <h3>Takes</h3>
        <button type="button" className="btn" data-testid="stem-new-take" disabled={!!uploading} onClick={() => fileInput.current?.click()}>
          Replace with a new take…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept={ACCEPT}
          hidden
          data-testid="stem-new-take-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) uploads.add([file], { stemId, channelName: name });
            e.target.value = '';
          }}
        />
        {takeUploads.map((u) => (
          <div key={u.key} className="stem-take-upload" data-testid="stem-take-upload" data-status={u.status}>
            <span>{u.fileName}</span>
            <progress max={100} value={u.size > 0 ? Math.min(100, (u.sent / u.size) * 100) : 0} aria-label={`${u.fileName} upload progress`} />
            <span>
              {u.status === 'uploading' ? `${Math.round((u.sent / Math.max(1, u.size)) * 100)}%` : u.status === 'processing' ? 'checking…' : u.status === 'done' ? 'in the mix' : u.status}
            </span>
            {u.error && <span className="error-text">{u.error}</span>}
          </div>
        ))}
        {!takes ? (
          <div className="spinner small" aria-label="Loading takes" />
        ) : (
          <ol className="take-list" data-testid="take-list">
            {takes.map((t, i) => (
              <li key={t.id} className={t.retiredAt ? '' : 'current'} data-testid="take" data-take={t.id} data-current={!t.retiredAt}>
                <span className="take-label">
                  Take {takes.length - i}: {t.fileName}
                </span>
                <span className="take-meta">
                  {formatDuration(t.durationSec)} · {t.sampleRate / 1000} kHz · {new Date(t.createdAt).toLocaleString()}
                </span>
                {t.retiredAt ? (
                  <button
                    type="button"
                    className="btn"
                    data-testid="take-restore"
                    disabled={busy !== null}
                    onClick={() => void run('restore', () => restoreTake(sessionId, t.id)).then(refresh)}
                  >
                    Restore
                  </button>
                ) : (
                  <span className="take-current">in the mix</span>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section className="stem-section">
        {!confirmRemove ? (
          <button type="button" className="btn danger" data-testid="stem-remove" onClick={() => setConfirmRemove(true)} disabled={busy !== null}>
            Remove from the mix…
          </button>
        ) : (
          <div className="session-confirm" role="alertdialog" aria-label={`Remove ${name}?`} data-testid="stem-remove-confirm">
            <span>
              Remove <strong>{name}</strong> from everyone’s mix? Its takes are kept and can be restored from here later.
            </span>
            <button
              type="button"
              className="btn danger"
              data-testid="stem-remove-yes"
              disabled={busy !== null}
              onClick={async () => {
                if (await run('remove', () => removeStem(sessionId, stemId))) onClose();
              }}
            >
              {busy === 'remove' ? 'Removing…' : 'Remove'}
            </button>
            <button type="button" className="btn" onClick={() => setConfirmRemove(false)}>
              Cancel
            </button>
          </div>
        )}
      </section>
      {error && (
        <p className="error-text" role="alert" data-testid="stem-panel-error">
          {error}
        </p>
      )}
    </aside>
  );
}
