'use client';
import { useRef } from 'react';
import type { ChannelState } from '@mixroom/engine';
import { slug } from '../../lib/format';
import type { SessionRuntime } from '../../lib/session-runtime';
import { useFrame } from '../frame';
import { useReorderDrag } from './use-reorder-drag';

const noMove = () => {};

/**
 * An overview of every channel (colour, name, a level bar): one click brings that strip into
 * view and focuses its fader, so the 40th of 48 channels is as near as the first. Dragging a
 * chip (or Alt+←/→ on it) moves the channel for everyone.
 */
export function ChannelNavigator({ channels, colorOf, runtime, onJump, onMove }: {
  channels: readonly ChannelState[];
  colorOf: ReadonlyMap<string, string>;
  runtime: SessionRuntime;
  onJump: (ch: ChannelState) => void;
  /** Absent on a read-only console. */
  onMove?: (channelId: string, toIndex: number) => void;
}) {
  const listRef = useRef<HTMLElement>(null);
  const onChipDown = useReorderDrag(listRef, '.channel-nav-item', onMove ?? noMove, true);
  const lastAt = useRef(0);
  // One frame callback for all the bars (48 channels would be 48 callbacks otherwise). They only
  // say which channels are sounding: ten times a second in 5 % steps, so most frames repaint none.
  useFrame((now) => {
    const list = listRef.current;
    if (!list || !runtime.graph || now - lastAt.current < 100) return;
    lastAt.current = now;
    for (const el of list.querySelectorAll<HTMLElement>('[data-channel-id]')) {
      const db = runtime.graph.readChannelLevel(el.dataset.channelId!)?.peakDb ?? -Infinity;
      const pos = Number.isFinite(db) ? Math.round(Math.min(1, Math.max(0, (db + 60) / 60)) * 20) / 20 : 0;
      // A transform on the bar itself (its own layer): no style recalculation of the chip.
      const bar = el.querySelector<HTMLElement>('.channel-nav-level');
      const scale = `scaleX(${pos.toFixed(2)})`;
      if (bar && bar.style.transform !== scale) bar.style.transform = scale;
    }
  });
  if (channels.length === 0) return null;
  return (
    <nav className="channel-nav" aria-label="Channels" data-testid="channel-nav" ref={listRef}>
      {channels.map((ch, i) => (
        <button
          key={ch.id}
          type="button"
          className={`channel-nav-item ${ch.audible ? '' : 'inaudible'}`}
          style={{ '--chip-color': colorOf.get(ch.stemId) ?? '#888' } as React.CSSProperties}
          data-channel-id={ch.id}
          data-testid={`nav-${slug(ch.name)}`}
          title={`${i + 1}. ${ch.name}${ch.mute ? ' (muted)' : ''}: show its strip${onMove ? ' (drag or Alt+←/→ to move it)' : ''}`}
          aria-label={`Go to channel ${i + 1}, ${ch.name}`}
          aria-keyshortcuts={onMove ? 'Alt+ArrowLeft Alt+ArrowRight' : undefined}
          onClick={() => onJump(ch)}
          onPointerDown={onMove ? (e) => onChipDown(e, ch.id) : undefined}
          onKeyDown={(e) => {
            if (!onMove || !e.altKey || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
            e.preventDefault();
            const to = Math.max(0, Math.min(channels.length - 1, i + (e.key === 'ArrowLeft' ? -1 : 1)));
            onMove(ch.id, to);
            // The chip is re-rendered in its new place; keep the focus on it.
            requestAnimationFrame(() => listRef.current?.querySelector<HTMLElement>(`[data-channel-id="${CSS.escape(ch.id)}"]`)?.focus());
          }}
        >
          <span className="channel-nav-num">{i + 1}</span>
          <span className="channel-nav-name">{ch.name}</span>
          <i className="channel-nav-level" aria-hidden />
        </button>
      ))}
    </nav>
  );
}
