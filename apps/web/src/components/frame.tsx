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
/** About one display frame: the callback comes at the first vsync after the timer. */
const VSYNC_MS = 12;

export class FrameLoop {
  private readonly fns = new Set<FrameFn>();
  private raf = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  add(fn: FrameFn): () => void {
    this.fns.add(fn);
    if (!this.raf && !this.timer) this.raf = requestAnimationFrame(this.run);
    return () => {
      this.fns.delete(fn);
      if (this.fns.size === 0) this.stop();
    };
  }

  private stop(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    if (this.timer) clearTimeout(this.timer);
    this.raf = 0;
    this.timer = null;
  }

  private run = (now: number) => {
    this.raf = 0;
    for (const fn of this.fns) fn(now);
    if (this.fns.size === 0) return;
    // The next frame is asked for only when it is due: a frame requested at every vsync and then
    // skipped still costs the page a lifecycle update and a commit, 60 times a second.
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.fns.size > 0) this.raf = requestAnimationFrame(this.run);
    }, Math.max(0, FRAME_MS - VSYNC_MS - (performance.now() - now)));
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
