import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MusicDucker } from './ducking';

/** An AudioParam that remembers where its last ramp goes. */
function fakeParam() {
  const p = { value: 1, target: 1, at: 0 };
  const param = {
    get value() { return p.value; },
    cancelScheduledValues: () => param,
    setValueAtTime: (v: number) => { p.target = v; return param; },
    linearRampToValueAtTime: (v: number) => { p.target = v; p.value = v; return param; },
  };
  return { param: param as unknown as AudioParam, state: p };
}

describe('MusicDucker', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('turns the gain down by the depth while someone talks, holds, then releases', () => {
    const { param, state } = fakeParam();
    let talking = false;
    const d = new MusicDucker(() => ({ gain: param, ctx: { currentTime: 0 } as BaseAudioContext }), () => talking);
    d.start();
    vi.advanceTimersByTime(200);
    expect(state.target).toBe(1);
    talking = true;
    vi.advanceTimersByTime(60);
    expect(20 * Math.log10(state.target)).toBeCloseTo(-12, 3);
    expect(d.getSnapshot().gainDb).toBeCloseTo(-12, 3);
    talking = false;
    vi.advanceTimersByTime(280);
    expect(20 * Math.log10(state.target)).toBeCloseTo(-12, 3);
    vi.advanceTimersByTime(320);
    expect(20 * Math.log10(state.target)).toBeCloseTo(-6, 0);
    vi.advanceTimersByTime(320);
    expect(state.target).toBe(1);
    // A shallower depth for the next time.
    d.setDepth(-6);
    talking = true;
    vi.advanceTimersByTime(100);
    expect(20 * Math.log10(state.target)).toBeCloseTo(-6, 3);
    // Stopping (leaving the talk) puts the music back at once.
    d.stop();
    expect(state.target).toBe(1);
  });
});
