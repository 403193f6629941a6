'use client';
import { useEffect, useRef } from 'react';

const SHORTCUTS: Array<[string, string]> = [
  ['Space', 'Play / pause'],
  ['C', 'Comment at the playhead (drag on the comment strip for a range)'],
  ['Ctrl+Z  ·  ⌘Z', 'Undo your last mix move (only yours)'],
  ['Ctrl+Shift+Z, Ctrl+Y  ·  ⌘⇧Z', 'Redo'],
  ['↑ ↓ ← →', 'Nudge the focused fader or knob (Shift: finer)'],
  ['Page Up / Page Down', 'Bigger steps'],
  ['Home', 'Reset the focused control (or double-click it)'],
  ['Drag · wheel', 'Move a control (Shift: 10× finer)'],
  ['Click a value', 'Type it: -3.5, -inf, 2k, 120 ms, 4:1, L30, C'],
  ['?', 'This list'],
];

/** Every keyboard and mouse shortcut of the mixer, opened with "?" and closed with Escape. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      // The list is modal: the mixer's own shortcuts (Space, C, Ctrl+Z…) wait until it closes.
      e.stopPropagation();
      if (e.key === 'Escape' || e.key === '?') {
        e.preventDefault();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div
        ref={ref}
        tabIndex={-1}
        className="dialog shortcuts"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        data-testid="shortcuts-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="shortcuts-title">Keyboard and mouse</h2>
        <dl>
          {SHORTCUTS.map(([keys, what]) => (
            <div key={keys} className="shortcut">
              <dt>{keys}</dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button type="button" className="link-button" onClick={onClose}>
          Close (Esc)
        </button>
      </div>
    </div>
  );
}
