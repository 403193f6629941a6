'use client';
import { createContext, useContext, useEffect, useRef, type RefObject } from 'react';

type FrameFn = (now: number) => void;

/**
 * One requestAnimationFrame loop for every meter and the playhead. They write straight
 * to the DOM: pushing 60 updates a second per meter through React would cost more than the audio.
 * It runs at most every FRAME_MS: meters read 50 ms windows, and on a laptop without GPU
 * raster every frame of dozens of meters is painted by the CPU the audio also needs.
 */
const FRAME_MS = 33;

export class FrameLoop {
  private readonly fns = new Set<FrameFn>();
  private raf = 0;

  add(fn: FrameFn): () => void {
    this.fns.add(fn);
    if (!this.raf) this.raf = requestAnimationFrame(this.run);
    return () => {
      this.fns.delete(fn);
      if (this.fns.size === 0 && this.raf) {
        cancelAnimationFrame(this.raf);
        this.raf = 0;
      }
    };
  }

  private last = 0;

  private run = (now: number) => {
    if (now - this.last >= FRAME_MS - 4) {
      this.last = now;
      for (const fn of this.fns) fn(now);
    }
    this.raf = this.fns.size > 0 ? requestAnimationFrame(this.run) : 0;
  };
}

export const FrameContext = createContext<FrameLoop | null>(null);

/**
 * Calls `fn` on every frame of the loop. With `target`, only while that element is on screen:
 * the meters of 48 strips, most of them scrolled out of view, cost nothing there.
 */
export function useFrame(fn: FrameFn, target?: RefObject<Element | null>): void {
  const loop = useContext(FrameContext);
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!loop) return;
    const el = target?.current;
    if (!el || typeof IntersectionObserver === 'undefined') return loop.add((now) => ref.current(now));
    let remove: (() => void) | null = null;
    const io = new IntersectionObserver((entries) => {
      const visible = entries[entries.length - 1].isIntersecting;
      if (visible && !remove) remove = loop.add((now) => ref.current(now));
      else if (!visible && remove) {
        remove();
        remove = null;
      }
    });
    io.observe(el);
    return () => {
      io.disconnect();
      remove?.();
    };
  }, [loop, target]);
}
