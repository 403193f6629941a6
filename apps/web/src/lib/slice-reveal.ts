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
 * The console's strips and the arrange view's lanes: a dozen at once (what a laptop's view shows:
 * it never fills in before the eyes), then one, then up to six a frame, as many as fit in
 * SLICE_BUDGET_MS by what the last slice cost.
 */
export const LIST_SLICES = { first: 12, step: 6 } as const;

/**
 * Script time a slice may take (React's render and commit of its items). Six strips had taken
 * 70 ms on a busy 2-core machine, one long task each, where a laptop takes a fraction of that:
 * the slice follows the machine. Style, layout and paint of the slice come on top in its frame.
 */
export const SLICE_BUDGET_MS = 20;

export type Clock = () => number;

export class SliceReveal {
  private shown: number;
  private total = 0;
  private cancel: (() => void) | null = null;
  private readonly listeners = new Set<() => void>();

  /** Items the next slice reveals: one at first (its cost unknown), then as many as fit in the budget. */
  private step = 1;

  constructor(
    private readonly first: number,
    private readonly maxStep: number,
    private readonly schedule: Schedule = afterNextFrame,
    private readonly now: Clock = () => performance.now(),
    private readonly budgetMs = SLICE_BUDGET_MS,
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

  /**
   * Reveals what is not yet shown, a slice after each frame, telling the subscribers each time.
   * What a slice cost sizes the next: React renders what the subscribers asked for in a microtask
   * queued as they are told, so the time is read in one queued after it.
   */
  start(): void {
    if (this.cancel || this.shown >= this.total) return;
    let cancelled = false;
    const stopSlice = this.schedule(() => {
      const before = this.shown;
      this.shown = Math.min(this.total, this.shown + this.step);
      const began = this.now();
      this.emit();
      queueMicrotask(() => {
        if (cancelled) return;
        this.cancel = null;
        this.fit(this.now() - began, this.shown - before);
        this.start();
      });
    });
    this.cancel = () => {
      cancelled = true;
      stopSlice();
    };
  }

  /** The next slice's size from what `items` cost (ms): as many as fit in the budget, at least one. */
  private fit(ms: number, items: number): void {
    if (items <= 0) return;
    const perItem = ms / items;
    this.step = perItem <= 0 ? this.maxStep : Math.max(1, Math.min(this.maxStep, Math.floor(this.budgetMs / perItem)));
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
