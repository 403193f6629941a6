// A session's 48 strips and lanes mount a slice per frame, not in one task: the first slice at
// once, then up to `step` more each time the scheduler (after a rendered frame, in the page) runs,
// as many as fit in the budget by what the slices before cost.
import { describe, expect, it } from 'vitest';
import { SliceReveal, type Schedule } from './slice-reveal';

/** A scheduler the test steps by hand: one call of `frame()` is one rendered frame. */
function manualFrames() {
  const queued: Array<() => void> = [];
  const schedule: Schedule = (run) => {
    queued.push(run);
    return () => queued.splice(queued.indexOf(run), 1);
  };
  return {
    schedule,
    pending: () => queued.length,
    /** One frame's slice, and the microtasks after it (where React renders it, and the next is sized). */
    frame: async () => {
      queued.splice(0).forEach((run) => run());
      await Promise.resolve();
    },
  };
}

/** A clock the listeners move: each revealed item "renders" in `msPerItem`. */
function costlyRender(reveal: SliceReveal, msPerItem: () => number) {
  let now = 0;
  let shown = 0;
  reveal.subscribe(() => {
    now += (reveal.count - shown) * msPerItem();
    shown = reveal.count;
  });
  return { now: () => now, sync: () => (shown = reveal.count) };
}

describe('SliceReveal', () => {
  it('mounts a long list a slice per frame, never more than one slice in a task', async () => {
    const frames = manualFrames();
    const reveal = new SliceReveal(12, 6, frames.schedule);
    const seen: number[] = [];
    reveal.subscribe(() => seen.push(reveal.count));
    reveal.setTotal(48);
    expect(reveal.count).toBe(12);
    reveal.start();
    const counts = [reveal.count];
    while (frames.pending() > 0) {
      await frames.frame();
      counts.push(reveal.count);
    }
    // The first slice is one item (what they cost is not known yet); with no cost, the most after it.
    expect(counts).toEqual([12, 13, 19, 25, 31, 37, 43, 48]);
    expect(seen).toEqual([13, 19, 25, 31, 37, 43, 48]);
  });

  it('shows a short list, and small changes to a shown one, at once', () => {
    const frames = manualFrames();
    const reveal = new SliceReveal(12, 6, frames.schedule);
    reveal.setTotal(8);
    reveal.start();
    expect(reveal.count).toBe(8);
    expect(frames.pending()).toBe(0);
    // A channel added, then three more uploaded together.
    reveal.setTotal(9);
    expect(reveal.count).toBe(9);
    reveal.setTotal(12);
    expect(reveal.count).toBe(12);
    // One removed: the list shrinks with it.
    reveal.setTotal(11);
    expect(reveal.count).toBe(11);
    reveal.start();
    expect(frames.pending()).toBe(0);
  });

  it('spreads a jump (an empty console filling with 48 channels once synced) over frames', async () => {
    const frames = manualFrames();
    const reveal = new SliceReveal(12, 6, frames.schedule);
    reveal.setTotal(0);
    reveal.start();
    expect(reveal.count).toBe(0);
    reveal.setTotal(48);
    reveal.start();
    expect(reveal.count).toBe(12);
    await frames.frame();
    expect(reveal.count).toBe(13);
    await frames.frame();
    expect(reveal.count).toBe(19);
  });

  it('stops when told (the list unmounted) and goes on from where it was when started again', async () => {
    const frames = manualFrames();
    const reveal = new SliceReveal(12, 6, frames.schedule);
    reveal.setTotal(30);
    reveal.start();
    await frames.frame();
    reveal.stop();
    expect(frames.pending()).toBe(0);
    expect(reveal.count).toBe(13);
    reveal.start();
    reveal.start(); // twice (React's strict mode runs effects twice): still one chain
    expect(frames.pending()).toBe(1);
    await frames.frame();
    await frames.frame();
    await frames.frame();
    expect(reveal.count).toBe(30);
    expect(frames.pending()).toBe(0);
  });

  it('reveals fewer items a frame on a machine where each costs more, and more again when they get cheap', async () => {
    const frames = manualFrames();
    let ms = 9;
    const clock = { now: () => 0 };
    const reveal = new SliceReveal(8, 6, frames.schedule, () => clock.now(), 20);
    const render = costlyRender(reveal, () => ms);
    clock.now = render.now;
    reveal.setTotal(48);
    render.sync();
    reveal.start();
    const steps: number[] = [];
    let last = reveal.count;
    while (frames.pending() > 0) {
      await frames.frame();
      steps.push(reveal.count - last);
      last = reveal.count;
      if (steps.length === 4) ms = 2;
    }
    // One first; then 2 a frame (20 ms / 9 ms); once they cost 2 ms each, 6 (the most).
    expect(steps.slice(0, 6)).toEqual([1, 2, 2, 2, 2, 6]);
    expect(reveal.count).toBe(48);
  });

  it('a slice that costs more than the budget alone still reveals one item a frame', async () => {
    const frames = manualFrames();
    const clock = { now: () => 0 };
    const reveal = new SliceReveal(2, 6, frames.schedule, () => clock.now(), 20);
    const render = costlyRender(reveal, () => 45);
    clock.now = render.now;
    reveal.setTotal(12);
    render.sync();
    reveal.start();
    const counts: number[] = [];
    while (frames.pending() > 0) {
      await frames.frame();
      counts.push(reveal.count);
    }
    expect(counts).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
