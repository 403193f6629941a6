'use client';
// The comment strip above the waveforms: markers (points) and regions (ranges) of every open
// thread. Click = comment at that point, drag = comment on that range, hold = record a voice note
// there (hold, then drag: on a range), saved when the button is let go.
import { useRef, useState, useSyncExternalStore } from 'react';
import type { CommentInfo } from '@mixroom/protocol';
import { formatTime } from '../../lib/format';
import type { VoiceNoteRecorder, VoiceRecorderSnapshot } from '../../lib/voice-recorder';

export interface Draft { atSec: number; endSec: number | null }

/** Held this long without moving, a press on the strip records instead of writing. */
export const HOLD_TO_RECORD_MS = 450;
const IDLE: VoiceRecorderSnapshot = { phase: 'idle', atSec: 0, endSec: null, message: null };
const noop = () => () => {};

export function CommentLane({
  comments, duration, unread, onDraft, onOpen, recorder,
}: {
  comments: CommentInfo[];
  duration: number;
  unread: ReadonlySet<string>;
  onDraft: (d: Draft) => void;
  onOpen: (c: CommentInfo) => void;
  recorder?: VoiceNoteRecorder | null;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ from: number; to: number; x: number; voice: boolean } | null>(null);
  const hold = useRef<ReturnType<typeof setTimeout> | null>(null);
  const rec = useSyncExternalStore(recorder?.subscribe ?? noop, recorder?.getSnapshot ?? (() => IDLE), () => IDLE);
  const timeAt = (clientX: number) => {
    const r = ref.current!.getBoundingClientRect();
    return Math.max(0, Math.min(duration, ((clientX - r.left) / r.width) * duration));
  };
  const pct = (t: number) => `${(t / (duration || 1)) * 100}%`;
  const roots = comments.filter((c) => !c.parentId && !c.deletedAt);
  const cancelHold = () => {
    if (hold.current) clearTimeout(hold.current);
    hold.current = null;
  };
  const rangeOf = (d: { from: number; to: number }) => {
    const a = Math.min(d.from, d.to);
    const b = Math.max(d.from, d.to);
    // Under a quarter second of drag is a click.
    return b - a >= 0.25 ? { atSec: a, endSec: b } : { atSec: d.from, endSec: null };
  };
  const recording = rec.phase === 'opening' || rec.phase === 'recording';

  return (
      <div
        className={`comment-lane${recording ? ' recording' : ''}`}
        ref={ref}
        data-testid="comment-lane"
        data-recording={rec.phase}
        title={recorder ? 'Click to comment here, drag to comment on a range, hold to record a voice note' : 'Click to comment here, drag to comment on a range'}
        onPointerDown={(e) => {
          if (e.button !== 0 || !duration || (e.target as HTMLElement).closest('.comment-marker')) return;
          e.stopPropagation();
          (e.target as HTMLElement).setPointerCapture?.(e.pointerId);
          const t = timeAt(e.clientX);
          setDrag({ from: t, to: t, x: e.clientX, voice: false });
          if (recorder && rec.phase === 'idle') {
            hold.current = setTimeout(() => {
              hold.current = null;
              setDrag((d) => d && { ...d, voice: true });
              void recorder.start(t);
            }, HOLD_TO_RECORD_MS);
          }
        }}
        onPointerMove={(e) => {
          if (!drag) return;
          // A move before the hold is up makes it a drag for a written range comment.
          if (hold.current && Math.abs(e.clientX - drag.x) > 4) cancelHold();
          const next = { ...drag, to: timeAt(e.clientX) };
          setDrag(next);
          if (drag.voice) recorder?.setEnd(rangeOf(next).endSec);
        }}
        onPointerUp={(e) => {
          cancelHold();
          if (!drag) return;
          e.stopPropagation();
          setDrag(null);
          if (drag.voice) void recorder?.finish();
          else onDraft(rangeOf(drag));
        }}
        onPointerCancel={() => {
          cancelHold();
          if (drag?.voice) void recorder?.finish();
          setDrag(null);
        }}
      >
        {roots.map((c) => (
          <button
            key={c.id}
            type="button"
            className={`comment-marker ${c.endSec !== null ? 'range' : ''} ${c.resolvedAt ? 'resolved' : ''} ${unread.has(c.id) ? 'unread' : ''} ${c.voice ? 'voice' : ''}`}
            style={{ left: pct(c.atSec), width: c.endSec !== null ? pct(c.endSec - c.atSec) : undefined }}
            title={`${c.authorName} at ${formatTime(c.atSec)}: ${c.voice ? '🎙 ' : ''}${c.body}`}
            data-testid="comment-marker"
            data-voice={!!c.voice}
            data-at={c.atSec}
            onPointerDown={(e) => e.stopPropagation()}
            onClick={(e) => {
              e.stopPropagation();
              onOpen(c);
            }}
          />
        ))}
        {drag && <div className={`comment-drag${drag.voice ? ' voice' : ''}`} style={{ left: pct(Math.min(drag.from, drag.to)), width: pct(Math.abs(drag.to - drag.from)) }} />}
        {recording && (
          <span className="voice-recording" style={{ left: pct(rec.atSec) }} data-testid="voice-recording" role="status">
            {rec.phase === 'opening' ? 'Opening the microphone…' : `● Recording at ${formatTime(rec.atSec)} — let go to save`}
          </span>
        )}
        {rec.phase === 'saving' && <span className="voice-recording" style={{ left: pct(rec.atSec) }} role="status">Saving the voice note…</span>}
        {rec.message && (
          <span className="voice-message" role="alert" data-testid="voice-message" onPointerDown={(e) => e.stopPropagation()}>
            {rec.message}
            <button type="button" aria-label="Dismiss" onClick={() => recorder?.clearMessage()}>✕</button>
          </span>
        )}
      </div>
  );
}
