'use client';
// The comment strip above the waveforms: markers (points) and regions (ranges) of every open
// thread. Click = comment at that point, drag = comment on that range.
import { useRef, useState } from 'react';
import type { CommentInfo } from '@mixroom/protocol';
import { formatTime } from '../../lib/format';

export interface Draft { atSec: number; endSec: number | null }

export function CommentLane({
  comments, duration, unread, onDraft, onOpen,
}: {
  comments: CommentInfo[];
  duration: number;
  unread: ReadonlySet<string>;
  onDraft: (d: Draft) => void;
  onOpen: (c: CommentInfo) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const timeAt = (clientX: number) => {
    const r = ref.current!.getBoundingClientRect();
    return Math.max(0, Math.min(duration, ((clientX - r.left) / r.width) * duration));
  };
  const pct = (t: number) => `${(t / (duration || 1)) * 100}%`;
  const roots = comments.filter((c) => !c.parentId && !c.deletedAt);

  return (
    <div
      className="comment-lane"
      ref={ref}
      data-testid="comment-lane"
      title="Click to comment here, drag to comment on a range"
      onPointerDown={(e) => {
        if (e.button !== 0 || !duration || (e.target as HTMLElement).closest('.comment-marker')) return;
        e.stopPropagation();
        (e.target as HTMLElement).setPointerCapture?.(e.pointerId);
        const t = timeAt(e.clientX);
        setDrag({ from: t, to: t });
      }}
      onPointerMove={(e) => drag && setDrag({ ...drag, to: timeAt(e.clientX) })}
      onPointerUp={(e) => {
        if (!drag) return;
        e.stopPropagation();
        const a = Math.min(drag.from, drag.to);
        const b = Math.max(drag.from, drag.to);
        setDrag(null);
        // Under a quarter second of drag is a click.
        onDraft(b - a >= 0.25 ? { atSec: a, endSec: b } : { atSec: drag.from, endSec: null });
      }}
    >
      {roots.map((c) => (
        <button
          key={c.id}
          type="button"
          className={`comment-marker ${c.endSec !== null ? 'range' : ''} ${c.resolvedAt ? 'resolved' : ''} ${unread.has(c.id) ? 'unread' : ''}`}
          style={{ left: pct(c.atSec), width: c.endSec !== null ? pct(c.endSec - c.atSec) : undefined }}
          title={`${c.authorName} at ${formatTime(c.atSec)}: ${c.body}`}
          data-testid="comment-marker"
          onPointerDown={(e) => e.stopPropagation()}
          onClick={(e) => {
            e.stopPropagation();
            onOpen(c);
          }}
        />
      ))}
      {drag && <div className="comment-drag" style={{ left: pct(Math.min(drag.from, drag.to)), width: pct(Math.abs(drag.to - drag.from)) }} />}
    </div>
  );
}
