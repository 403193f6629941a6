// A session's 48 strips and lanes mount a slice per frame, not in one task: the first slice at
// once, then `step` more each time the scheduler (after a rendered frame, in the page) runs.
import { describe, expect, it } from 'vitest';
import { SliceReveal, type Schedule } from './slice-reveal';

/** A scheduler the test steps by hand: one call of `frame()` is one rendered frame. */
function manualFrames() {
  const queued: Array<() => void> = [];
  const schedule: Schedule = (run) => {
    queued.push(run);
    return () => queued.splice(queued.indexOf(run), 1);
  };
  return { schedule, pending: () => queued.length, frame: () => queued.splice(0).forEach((run) => run()) };
}

describe('SliceReveal', () => {
  it('mounts a long list a slice per frame, never more than one slice in a task', () => {
    const frames = manualFrames();
    const reveal = new SliceReveal(12, 6, frames.schedule);
    const seen: number[] = [];
    reveal.subscribe(() => seen.push(reveal.count));
    reveal.setTotal(48);
    expect(reveal.count).toBe(12);
    reveal.start();
    const counts = [reveal.count];
    while (frames.pending() > 0) {
      frames.frame();
      counts.push(reveal.count);
    }
    expect(counts).toEqual([12, 18, 24, 30, 36, 42, 48]);
    expect(seen).toEqual([18, 24, 30, 36, 42, 48]);
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

  it('spreads a jump (an empty console filling with 48 channels once synced) over frames', () => {
    const frames = manualFrames();
    const reveal = new SliceReveal(12, 6, frames.schedule);
    reveal.setTotal(0);
    reveal.start();
    expect(reveal.count).toBe(0);
    reveal.setTotal(48);
    reveal.start();
    expect(reveal.count).toBe(12);
    frames.frame();
    expect(reveal.count).toBe(18);
  });

  it('stops when told (the list unmounted) and goes on from where it was when started again', () => {
    const frames = manualFrames();
    const reveal = new SliceReveal(12, 6, frames.schedule);
    reveal.setTotal(30);
    reveal.start();
    frames.frame();
    reveal.stop();
    expect(frames.pending()).toBe(0);
    expect(reveal.count).toBe(18);
    reveal.start();
    reveal.start(); // twice (React's strict mode runs effects twice): still one chain
    expect(frames.pending()).toBe(1);
    frames.frame();
    frames.frame();
    expect(reveal.count).toBe(30);
    expect(frames.pending()).toBe(0);
  });
});
