'use client';
import { useContext, useEffect, useRef } from 'react';
import type { ChannelState } from '@mixroom/engine';
import { slug } from '../../lib/format';
import type { SessionRuntime } from '../../lib/session-runtime';
import { MeterBoardContext } from '../Meter';
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
          <NavLevel runtime={runtime} channelId={ch.id} colour={colorOf.get(ch.stemId) ?? '#888'} />
        </button>
      ))}
    </nav>
  );
}

/**
 * The chip's level line: drawn by the console's meter board (a style change per chip ten times a
 * second restyled and re-layerized the page). It says which channels sound: -60…0 dBFS.
 */
function NavLevel({ runtime, channelId, colour }: { runtime: SessionRuntime; channelId: string; colour: string }) {
  const board = useContext(MeterBoardContext);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!board || !ref.current) return;
    return board.addBar({
      track: ref.current,
      colour,
      read: () => {
        const db = runtime.graph?.readChannelLevel(channelId)?.peakDb ?? -Infinity;
        return Number.isFinite(db) ? (db + 60) / 60 : 0;
      },
    });
  }, [board, runtime, channelId, colour]);
  return <i className="channel-nav-level" ref={ref} aria-hidden />;
}
