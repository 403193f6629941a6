'use client';
import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { CHANNEL_COLORS } from '@mixroom/engine';

/** What a strip needs to be arranged: where it is, and how to move or colour it for everyone. */
export interface StripArrange {
  index: number;
  count: number;
  color: string | null;
  move: (toIndex: number) => void;
  setColor: (color: string | null) => void;
  onGripDown: (e: React.PointerEvent<HTMLElement>) => void;
}

/**
 * The coloured bar on top of a channel strip: a grip to drag the strip elsewhere and a menu with
 * the keyboard way to do the same (move left/right, first/last) and the channel's colour.
 */
export function StripTop({ name, testId, arrange }: { name: string; testId: string; arrange: StripArrange | null }) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  if (!arrange) return <div className="strip-top" aria-hidden />;
  return (
    <div className="strip-top">
      <span className="strip-grip" title={`Drag to move ${name}`} aria-hidden onPointerDown={arrange.onGripDown} data-testid={`grip-${testId}`}>
        ⠿
      </span>
      <button
        ref={buttonRef}
        type="button"
        className="strip-menu-button"
        aria-label={`${name}: move or colour`}
        aria-haspopup="menu"
        aria-expanded={open}
        title="Move or colour this channel"
        data-testid={`strip-menu-${testId}`}
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && <StripMenu name={name} testId={testId} arrange={arrange} anchor={buttonRef.current} onClose={() => setOpen(false)} />}
    </div>
  );
}

function StripMenu({ name, testId, arrange, anchor, onClose }: { name: string; testId: string; arrange: StripArrange; anchor: HTMLElement | null; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ left: number; top: number } | null>(null);
  useEffect(() => {
    const menu = ref.current;
    if (!menu || !anchor) return;
    // Fixed in the page (the strips scroll and clip), kept inside the window.
    const a = anchor.getBoundingClientRect();
    const m = menu.getBoundingClientRect();
    setPos({ left: Math.max(4, Math.min(a.left, innerWidth - m.width - 4)), top: Math.max(4, Math.min(a.bottom + 2, innerHeight - m.height - 4)) });
    const away = (e: PointerEvent) => {
      if (!menu.contains(e.target as Node) && !anchor.contains(e.target as Node)) onClose();
    };
    document.addEventListener('pointerdown', away, true);
    return () => document.removeEventListener('pointerdown', away, true);
  }, [anchor, onClose]);
  // Once placed (and so visible), the keyboard starts on the first possible move.
  const placed = pos !== null;
  useEffect(() => {
    if (placed) ref.current?.querySelector<HTMLElement>('button:not(:disabled)')?.focus();
  }, [placed]);
  const { index, count } = arrange;
  const act = (f: () => void) => () => {
    f();
    onClose();
    anchor?.focus();
  };
  const moves: Array<[string, number, boolean]> = [
    ['Move left', index - 1, index > 0],
    ['Move right', index + 1, index < count - 1],
    ['Move to the start', 0, index > 0],
    ['Move to the end', count - 1, index < count - 1],
  ];
  return createPortal(
    <div
      ref={ref}
      className="strip-menu"
      role="menu"
      aria-label={`${name}: move or colour`}
      data-testid={`strip-menu-panel-${testId}`}
      style={pos ? { left: pos.left, top: pos.top } : { visibility: 'hidden' }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          onClose();
          anchor?.focus();
        }
      }}
    >
      {moves.map(([label, to, enabled]) => (
        <button key={label} type="button" role="menuitem" disabled={!enabled} onClick={act(() => arrange.move(to))} data-testid={`${label.toLowerCase().replace(/ /g, '-')}-${testId}`}>
          {label}
        </button>
      ))}
      <div className="strip-menu-colors" role="group" aria-label="Colour">
        {CHANNEL_COLORS.map((c) => (
          <button
            key={c.id}
            type="button"
            role="menuitemradio"
            aria-checked={arrange.color === c.id}
            aria-label={`Colour ${c.label}`}
            title={c.label}
            className="swatch"
            style={{ background: c.hex }}
            data-testid={`color-${c.id}-${testId}`}
            onClick={act(() => arrange.setColor(c.id))}
          />
        ))}
        <button type="button" role="menuitemradio" aria-checked={arrange.color === null} className="swatch-default" onClick={act(() => arrange.setColor(null))}>
          Default colour
        </button>
      </div>
    </div>,
    document.body,
  );
}
