import { describe, expect, it } from 'vitest';
import { CHANNEL_PARAMS, laneFromPoints, type AutomationLane } from '@mixroom/engine';
import { AutomationFollow, FOLLOW_MS } from './automation-follow';

const KEY = 'ch:lead/gain';

function setup() {
  let t = 0;
  let lane: AutomationLane | null = laneFromPoints(
    [
      { t: 0, v: 0, shape: 'linear' },
      { t: 10, v: -10, shape: 'linear' },
    ],
    CHANNEL_PARAMS.gain,
  );
  const follow = new AutomationFollow({ laneOf: (k) => (k === KEY ? lane : null), position: () => t });
  return { follow, seek: (s: number) => (t = s), setLane: (l: AutomationLane | null) => (lane = l) };
}

describe('AutomationFollow', () => {
  it('shows the lane at the playhead, on the control grid, and wakes a control only when its value moves', () => {
    const { follow, seek } = setup();
    let wakes = 0;
    const off = follow.subscribe(KEY, () => wakes++);
    expect(follow.value(KEY)).toBe(0);
    seek(2.5);
    follow.frame(1000);
    expect(follow.value(KEY)).toBe(-2.5);
    expect(wakes).toBe(1);
    // Less than half a step (0.05 dB): no re-render.
    seek(2.503);
    follow.frame(2000);
    expect(wakes).toBe(1);
    seek(6.04);
    follow.frame(3000);
    expect(follow.value(KEY)).toBe(-6);
    expect(wakes).toBe(2);
    off();
    expect(follow.value(KEY)).toBeNull();
  });

  it('runs at most every FOLLOW_MS (≤ 15 Hz), however often the frame loop calls', () => {
    const { follow, seek } = setup();
    let wakes = 0;
    follow.subscribe(KEY, () => wakes++);
    expect(1000 / FOLLOW_MS).toBeLessThanOrEqual(15.2);
    for (let i = 0; i < 60; i++) {
      seek(i * 0.1);
      follow.frame(10_000 + i * (1000 / 60));
    }
    // One second of 60 frames with a value that moves every frame: ≤ 16 updates.
    expect(wakes).toBeGreaterThan(10);
    expect(wakes).toBeLessThanOrEqual(16);
  });

  it('a control without a playing lane (none, Off, recorded by this person) shows its static value', () => {
    const { follow, setLane } = setup();
    let wakes = 0;
    follow.subscribe(KEY, () => wakes++);
    follow.subscribe('ch:lead/pan', () => wakes++);
    expect(follow.value('ch:lead/pan')).toBeNull();
    setLane(null);
    follow.update();
    expect(follow.value(KEY)).toBeNull();
    expect(wakes).toBe(1);
    expect(follow.valueNow(KEY)).toBeNull();
  });
});
