'use client';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';

/** A layout choice remembered per browser (pane open, view, width); `initial` until one is stored. */
export function usePersistentState<T extends string | number | boolean>(key: string, initial: T | (() => T)): [T, (next: T) => void] {
  const [value, setValue] = useState<T>(initial);
  useEffect(() => {
    const raw = window.localStorage.getItem(key);
    if (raw === null) return;
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (typeof parsed === typeof value) setValue(parsed as T);
    } catch {
      // A value from an older build: keep the default.
    }
    // Only on mount: later changes come from `set`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const set = useCallback(
    (next: T) => {
      setValue(next);
      window.localStorage.setItem(key, JSON.stringify(next));
    },
    [key],
  );
  return [value, set];
}

/** Whether a CSS media query matches, following changes (rotation, window resize). */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (cb) => {
      const m = window.matchMedia(query);
      m.addEventListener('change', cb);
      return () => m.removeEventListener('change', cb);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
}

/**
 * A drag handle between two panes. It reports the new size in px, measured from where the drag
 * started; `sign` is -1 when dragging towards the start makes the pane bigger (a pane docked on
 * the right or at the bottom). Arrow keys move it 16 px, for people without a mouse.
 */
export function ResizeHandle({ axis, size, min, max, sign, onResize, label, testId }: {
  axis: 'x' | 'y';
  size: number;
  min: number;
  max: number;
  sign: 1 | -1;
  onResize: (px: number) => void;
  label: string;
  testId: string;
}) {
  const start = useRef<{ at: number; size: number; id: number } | null>(null);
  const clamp = (v: number) => Math.round(Math.min(max, Math.max(min, v)));
  return (
    <div
      className={`resize-handle ${axis}`}
      role="separator"
      aria-orientation={axis === 'x' ? 'vertical' : 'horizontal'}
      aria-label={label}
      aria-valuenow={size}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      data-testid={testId}
      title={`${label} (drag)`}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        start.current = { at: axis === 'x' ? e.clientX : e.clientY, size, id: e.pointerId };
      }}
      onPointerMove={(e) => {
        const s = start.current;
        if (!s || s.id !== e.pointerId) return;
        onResize(clamp(s.size + sign * ((axis === 'x' ? e.clientX : e.clientY) - s.at)));
      }}
      onPointerUp={() => (start.current = null)}
      onPointerCancel={() => (start.current = null)}
      onKeyDown={(e) => {
        const grow = axis === 'x' ? (e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0) : e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
        if (!grow) return;
        e.preventDefault();
        onResize(clamp(size + sign * grow * 16));
      }}
    />
  );
}
