'use client';
import { useSyncExternalStore } from 'react';
import { describeParamKeys } from '@mixroom/engine';
import { formatTime } from '../../lib/format';
import type { RuntimeSnapshot, SessionRuntime, StemLoad } from '../../lib/session-runtime';
import type { TogetherClient, TogetherSnapshot } from '../../lib/together';
import type { UploadQueue } from '../../lib/uploads';
import { UploadList } from '../StemUploader';
import { LcdClock } from './LcdClock';

const noopSubscribe = () => () => {};

function loadingText(stems: StemLoad[]): { text: string; pct: number; done: boolean } {
  const total = stems.reduce((a, s) => a + s.totalBytes, 0) || 1;
  const loaded = stems.reduce((a, s) => a + (s.status === 'ready' || s.status === 'error' ? s.totalBytes : Math.min(s.loadedBytes, s.totalBytes)), 0);
  const ready = stems.filter((s) => s.status === 'ready').length;
  const failed = stems.filter((s) => s.status === 'error').length;
  const pct = Math.round((loaded / total) * 100);
  if (ready + failed < stems.length) return { text: `Loading ${ready}/${stems.length} stems… ${pct}%`, pct, done: false };
  if (failed > 0) return { text: `${ready} of ${stems.length} stems ready · ${failed} failed`, pct: 100, done: true };
  return { text: `${ready} stems ready`, pct: 100, done: true };
}

const NO_TOGETHER: TogetherSnapshot = { enabled: false, lastAction: null, clockReady: false, offsetMs: 0, uncertaintyMs: Infinity, error: null };
const ACTION_VERB = { play: 'started playback', pause: 'paused', stop: 'stopped', seek: 'jumped', loop: 'changed the loop' } as const;

/** ↶ ↷ for this person's own mix moves, named after what they would change ("Undo Bass Fader"). */
function UndoButtons({ runtime, readOnly }: { runtime: SessionRuntime; readOnly: boolean }) {
  const h = useSyncExternalStore(runtime.history.subscribe, runtime.history.getSnapshot, runtime.history.getSnapshot);
  const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
  const mod = mac ? '⌘' : 'Ctrl+';
  const undoWhat = describeParamKeys(h.undoKeys, runtime.model);
  const redoWhat = describeParamKeys(h.redoKeys, runtime.model);
  return (
    <div className="undo-buttons">
      <button
        type="button" className="tbtn" data-testid="undo" disabled={readOnly || !h.canUndo} onClick={() => runtime.history.undo()}
        title={h.canUndo ? `Undo ${undoWhat} (${mod}Z) — only your own moves` : 'Nothing of yours to undo'}
        aria-label={h.canUndo ? `Undo ${undoWhat}` : 'Undo'}
      >
        <svg viewBox="0 0 16 16" aria-hidden><path d="M6 3 2.5 6.5 6 10M3 6.5h6.5a3.5 3.5 0 0 1 0 7H7" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" /></svg>
      </button>
      <button
        type="button" className="tbtn" data-testid="redo" disabled={readOnly || !h.canRedo} onClick={() => runtime.history.redo()}
        title={h.canRedo ? `Redo ${redoWhat} (${mod}${mac ? '⇧Z' : 'Y'})` : 'Nothing to redo'}
        aria-label={h.canRedo ? `Redo ${redoWhat}` : 'Redo'}
      >
        <svg viewBox="0 0 16 16" aria-hidden><path d="M10 3l3.5 3.5L10 10M13 6.5H6.5a3.5 3.5 0 0 0 0 7H9" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" /></svg>
      </button>
    </div>
  );
}

export function TransportBar({ runtime, snap, together, readOnly, uploads, children }: {
  runtime: SessionRuntime;
  snap: RuntimeSnapshot;
  together: TogetherClient | null;
  readOnly: boolean;
  uploads: UploadQueue;
  children?: React.ReactNode;
}) {
  const uploadCount = useSyncExternalStore(uploads.subscribe, () => uploads.getSnapshot().length, () => 0);
  const group = useSyncExternalStore(together?.subscribe ?? noopSubscribe, together?.getSnapshot ?? (() => NO_TOGETHER), () => NO_TOGETHER);
  const playing = snap.transportState === 'started';
  const loading = loadingText(snap.stems);
  // Read from the runtime as it changes, not from the workspace's snapshot: that one renders
  // progress as a transition (use-runtime-snapshot.ts), and Play must not wait for a whole
  // workspace's render to be enabled.
  const audioReady = useSyncExternalStore(runtime.subscribe, () => runtime.getSnapshot().audioReady, () => false);
  const canPlay = useSyncExternalStore(runtime.subscribe, () => runtime.getSnapshot().audioReady && runtime.getSnapshot().stems.some((s) => s.status === 'ready'), () => false);

  return (
    <section className="transport" aria-label="Transport">
      {children}
      <UndoButtons runtime={runtime} readOnly={readOnly} />
      <div className="transport-buttons">
        <button type="button" className="tbtn" data-testid="stop" title="Stop (return to start)" onClick={() => runtime.stop()} disabled={!audioReady}>
          <svg viewBox="0 0 16 16" aria-hidden>
            <rect x="3" y="3" width="10" height="10" rx="1" />
          </svg>
          <span className="sr-only">Stop</span>
        </button>
        {playing ? (
          <button type="button" className="tbtn play on" data-testid="pause" title="Pause (Space)" onClick={() => runtime.pause()}>
            <svg viewBox="0 0 16 16" aria-hidden>
              <rect x="3.5" y="2.5" width="3" height="11" rx="0.5" />
              <rect x="9.5" y="2.5" width="3" height="11" rx="0.5" />
            </svg>
            <span className="sr-only">Pause</span>
          </button>
        ) : (
          <button type="button" className="tbtn play" data-testid="play" title="Play (Space)" onClick={() => void runtime.play()} disabled={!canPlay}>
            <svg viewBox="0 0 16 16" aria-hidden>
              <path d="M4 2.5v11l9.5-5.5z" />
            </svg>
            <span className="sr-only">Play</span>
          </button>
        )}
        <button
          type="button"
          className={`tbtn loop ${snap.loop ? 'on' : ''}`}
          data-testid="loop"
          aria-pressed={snap.loop}
          title="Loop the whole song"
          onClick={() => runtime.setLoop(!snap.loop)}
          disabled={!audioReady}
        >
          <svg viewBox="0 0 16 16" aria-hidden>
            <path d="M4 5h7a3 3 0 0 1 0 6H9v-1.6h2a1.4 1.4 0 0 0 0-2.8H4v1.9L1.5 6.25 4 3.1zM12 11H5a3 3 0 0 1 0-6h2v1.6H5a1.4 1.4 0 0 0 0 2.8h7V7.5l2.5 2.25L12 12.9z" />
          </svg>
          <span className="sr-only">Loop</span>
        </button>
      </div>
      <div className="lcd" aria-label="Position">
        <LcdClock read={() => runtime.tick()} />
        <span className="lcd-dim"> / {formatTime(snap.duration)}</span>
      </div>
      <div className="transport-state" data-testid="transport-state">
        {playing ? 'PLAYING' : snap.transportState === 'paused' ? 'PAUSED' : 'STOPPED'}
        {snap.loop ? ' · LOOP' : ''}
      </div>
      <div className="together">
        <button
          type="button"
          className={`tbtn together-toggle ${group.enabled ? 'on' : ''}`}
          data-testid="together"
          aria-pressed={group.enabled}
          disabled={!together}
          title="Listen together: play, pause, seek and loop apply to everyone who has this on"
          onClick={async () => {
            await runtime.Tone?.start(); // the click is the gesture that lets audio start later
            await together?.setEnabled(!group.enabled);
          }}
        >
          Listen together
        </button>
        <span className="together-info" data-testid="together-last">
          {group.error
            ? group.error
            : group.lastAction
              ? `${group.lastAction.by} ${ACTION_VERB[group.lastAction.kind]} ${group.lastAction.kind === 'seek' ? 'to' : 'at'} ${formatTime(group.lastAction.position)}`
              : group.enabled
                ? group.clockReady
                  ? `in sync (±${Math.max(1, Math.round(group.uncertaintyMs))} ms)`
                  : 'syncing clocks…'
                : ''}
        </span>
      </div>
      {/* The upload chip takes the place of "N stems ready" in this row, so it adds no height anywhere. */}
      <div className={`loading ${loading.done ? 'done' : ''}`} data-testid="loading-status" role="status">
        {(!loading.done || uploadCount === 0) && <span>{loading.text}</span>}
        {!loading.done && (
          <span className="progress">
            <i style={{ width: `${loading.pct}%` }} />
          </span>
        )}
      </div>
      <UploadList queue={uploads} />
    </section>
  );
}