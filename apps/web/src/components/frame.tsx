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
/** A first guess of how long an asked-for frame takes to come (it comes at the next vsync); then measured. */
const VSYNC_MS = 12;

export class FrameLoop {
  /**
   * `clock`: 'frames' ticks on animation frames; 'timer' on a timer, for pages whose moving
   * canvases are drawn by the paint worker (lib/paint-host.ts): an animation frame asked for by
   * the page is itself a main-thread frame (lifecycle update and commit), which there is no
   * longer anything on the page to need.
   */
  constructor(private readonly clock: 'frames' | 'timer' = 'frames') {}

  private readonly fns = new Set<FrameFn>();
  private raf = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private requestedAt = 0;
  /**
   * A tick is asked for or running. A function added while one runs (a meter scrolled into view)
   * must not start a second chain of ticks beside it.
   */
  private pending = false;
  /** How long a requested frame takes to come (waiting for vsync, or a busy page), averaged. */
  private frameWait = VSYNC_MS;

  add(fn: FrameFn): () => void {
    this.fns.add(fn);
    if (!this.pending) this.request();
    return () => {
      this.fns.delete(fn);
      if (this.fns.size === 0) this.stop();
    };
  }

  private request(): void {
    this.pending = true;
    this.requestedAt = performance.now();
    if (this.clock === 'frames') {
      this.raf = requestAnimationFrame(this.run);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      // A hidden page shows nothing: ticks wait (as animation frames would) until it is shown.
      if (document.hidden) {
        this.pending = false;
        document.addEventListener('visibilitychange', () => this.fns.size > 0 && !this.pending && this.request(), { once: true });
        return;
      }
      this.run(performance.now());
    }, 0);
  }

  private stop(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    if (this.timer) clearTimeout(this.timer);
    this.raf = 0;
    this.timer = null;
    this.pending = false;
  }

  private run = (now: number) => {
    this.raf = 0;
    // Timed from when this callback runs, not from `now` (the frame's start, which a busy page
    // runs a frame or more late), and less the time a frame takes to come once asked for: a fixed
    // guess of one vsync let the loop run at 44–60 frames a second where frames come on demand
    // (headless, or a display without vsync), each one a commit of the whole console.
    const started = performance.now();
    this.frameWait += (started - this.requestedAt - this.frameWait) * 0.2;
    for (const fn of this.fns) fn(now);
    if (this.fns.size === 0) {
      this.pending = false;
      return;
    }
    // The next frame is asked for only when it is due: a frame requested at every vsync and then
    // skipped still costs the page a lifecycle update and a commit, 60 times a second.
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.fns.size > 0) this.request();
      else this.pending = false;
    }, Math.max(0, FRAME_MS - Math.min(FRAME_MS, this.frameWait) - (performance.now() - started)));
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
