'use client';
// The version player's timeline: the heard version's waveform (server peaks), a playhead that
// follows the audio clock, the loop range and the comments placed on this version.
// Click = seek there; drag = loop that range.
import { useEffect, useRef, useState } from 'react';
import type { CommentInfo } from '@mixroom/protocol';
import type { Peaks } from '@mixroom/engine';
import { fetchPeaks } from '../../lib/peaks';
import { formatTime } from '../../lib/format';
import type { LoopRange } from '../../lib/deck-math';
import { Waveform } from '../Waveform';

/** Under this much drag (seconds) a press is a click (seek), not a loop range. */
const CLICK_SECONDS = 0.1;

export function DeckTimeline({ peaksUrl, peaks: given = null, duration, position, loop, comments, onSeek, onLoop }: {
  peaksUrl: string | null;
  /** Peaks computed in the page (the live mix's render), used when there is no `peaksUrl`. */
  peaks?: Peaks | null;
  duration: number;
  /** Read every animation frame for the playhead (the audio clock, not React state). */
  position: () => number;
  loop: LoopRange | null;
  comments: CommentInfo[];
  onSeek: (seconds: number) => void;
  onLoop: (a: number, b: number) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLDivElement>(null);
  const [fetched, setPeaks] = useState<Peaks | null>(null);
  const peaks = peaksUrl ? fetched : given;
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);

  useEffect(() => {
    if (!peaksUrl) return;
    const ac = new AbortController();
    fetchPeaks(peaksUrl, ac.signal).then(setPeaks, () => {});
    return () => ac.abort();
  }, [peaksUrl]);

  useEffect(() => {
    let raf = 0;
    const frame = () => {
      const t = position();
      if (head.current && duration > 0) {
        head.current.style.left = `${(Math.min(t, duration) / duration) * 100}%`;
        head.current.dataset.position = t.toFixed(3);
      }
      raf = requestAnimationFrame(frame);
    };
    raf = requestAnimationFrame(frame);
    return () => cancelAnimationFrame(raf);
  }, [position, duration]);

  const timeAt = (clientX: number) => {
    const r = ref.current!.getBoundingClientRect();
    return Math.max(0, Math.min(duration, ((clientX - r.left) / r.width) * duration));
  };
  const pct = (t: number) => `${(t / (duration || 1)) * 100}%`;
  const shown = drag ? { start: Math.min(drag.from, drag.to), end: Math.max(drag.from, drag.to) } : loop;

  return (
    <div
      className="deck-timeline"
      ref={ref}
      data-testid="deck-timeline"
      title="Click to play from there, drag to loop a range"
      onPointerDown={(e) => {
        if (e.button !== 0 || !duration || (e.target as HTMLElement).closest('.comment-marker')) return;
        (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
        const t = timeAt(e.clientX);
        setDrag({ from: t, to: t });
      }}
      onPointerMove={(e) => drag && setDrag({ ...drag, to: timeAt(e.clientX) })}
      onPointerUp={() => {
        if (!drag) return;
        setDrag(null);
        if (Math.abs(drag.to - drag.from) < CLICK_SECONDS) onSeek(drag.from);
        else onLoop(drag.from, drag.to);
      }}
    >
      <Waveform peaks={peaks} songDuration={duration} color="#5b9cf5" dimmed={false} />
      {shown && <div className="deck-loop" data-testid="deck-loop" style={{ left: pct(shown.start), width: pct(shown.end - shown.start) }} />}
      {comments.map((c) => (
        <span
          key={c.id}
          className={`comment-marker ${c.endSec !== null ? 'range' : ''} ${c.resolvedAt ? 'resolved' : ''}`}
          style={{ left: pct(c.atSec), width: c.endSec !== null ? pct(c.endSec - c.atSec) : undefined }}
          title={`${c.authorName} at ${formatTime(c.atSec)}: ${c.body}`}
          data-testid="deck-comment"
          onClick={() => onSeek(c.atSec)}
        />
      ))}
      <div className="deck-playhead" ref={head} data-testid="deck-playhead" />
    </div>
  );
}
