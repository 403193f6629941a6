'use client';
import { useEffect, useRef, type RefObject } from 'react';

/**
 * Mouse-wheel steps on a control. React's onWheel is passive (cannot stop the page from
 * scrolling), so the listener is attached natively. `onStep(+1 | -1, fine)` per notch;
 * `onHold` brackets a burst of notches so the others see who is turning the control.
 */
export function useWheel(
  ref: RefObject<HTMLElement | null>,
  onStep: (direction: 1 | -1, fine: boolean) => void,
  onHold: (held: boolean) => void,
): void {
  const fns = useRef({ onStep, onHold });
  fns.current = { onStep, onHold };
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let release: ReturnType<typeof setTimeout> | null = null;
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY === 0) return;
      e.preventDefault();
      if (!release) fns.current.onHold(true);
      else clearTimeout(release);
      release = setTimeout(() => {
        release = null;
        fns.current.onHold(false);
      }, 400);
      fns.current.onStep(e.deltaY < 0 ? 1 : -1, e.shiftKey);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      el.removeEventListener('wheel', onWheel);
      if (release) {
        clearTimeout(release);
        fns.current.onHold(false);
      }
    };
  }, [ref]);
}
