/**
 * Mounting a long list (48 channel strips, 48 arrange lanes) a slice per frame. Mounted at once,
 * a real session's strips and lanes were one React commit, one style recalculation and one layout
 * of the whole console: tasks of 150–190 ms in which the page took no click. Revealed `first`
 * items at once (what fills the view) and then `step` more after each frame, every task stays
 * small, and the whole list is there a few frames later.
 *
 * Small changes (a channel added, one removed) show at once: only a jump of more than `step`
 * items is spread out.
 */
export type Schedule = (run: () => void) => () => void;

/**
 * The console's strips and the arrange view's lanes: a dozen at once (about what a laptop's view
 * shows), then six a frame (a few milliseconds each of React, style and layout work).
 */
export const LIST_SLICES = { first: 12, step: 6 } as const;

export class SliceReveal {
  private shown: number;
  private total = 0;
  private cancel: (() => void) | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly first: number,
    private readonly step: number,
    private readonly schedule: Schedule = afterNextFrame,
  ) {
    this.shown = 0;
  }

  /** How many of the items to render now. */
  get count(): number {
    return Math.min(this.shown, this.total);
  }

  /**
   * The list's length changed (or is first known). Changes `count` at once and tells no one (it
   * is called while rendering); `start` then reveals the rest.
   */
  setTotal(total: number): void {
    this.total = total;
    if (total <= this.shown) return;
    // A few more than shown, or a first list that fits in the first slice: all of it, now.
    if (total - this.shown <= this.step || total <= this.first) this.shown = total;
    else if (this.shown < this.first) this.shown = this.first;
  }

  /** Reveals what is not yet shown, a slice after each frame, telling the subscribers each time. */
  start(): void {
    if (this.cancel || this.shown >= this.total) return;
    this.cancel = this.schedule(() => {
      this.cancel = null;
      this.shown = Math.min(this.total, this.shown + this.step);
      this.emit();
      this.start();
    });
  }

  /** Stops revealing (until `start`). */
  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

/**
 * Runs `run` in a task of its own after the next frame has been rendered (so the slice before it
 * was styled, laid out and painted in that frame, not in this task). A page that renders no frames
 * (hidden, or a browser that throttles it) still gets there, on a timer.
 */
export const afterNextFrame: Schedule = (run) => {
  let done = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const go = () => {
    if (done) return;
    done = true;
    if (raf) cancelAnimationFrame(raf);
    if (fallback) clearTimeout(fallback);
    timer = setTimeout(run, 0);
  };
  const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(go) : 0;
  const fallback = setTimeout(go, 100);
  return () => {
    done = true;
    if (raf) cancelAnimationFrame(raf);
    clearTimeout(fallback);
    if (timer) clearTimeout(timer);
  };
};
