import { describe, expect, it } from 'vitest';
import { ClockSync } from './clock-sync';
import { mulberry32 } from '../util/prng';

/**
 * Simulates exchanges between a client and a server whose clock runs `trueOffset` ms ahead,
 * with one-way delays base + jitter (jitter is queuing: only ever positive, occasionally large).
 */
function simulate(opts: { trueOffset: number; up: number; down: number; jitter: number; n: number; seed: number }) {
  const r = mulberry32(opts.seed);
  const sync = new ClockSync();
  let clientNow = 1000;
  for (let i = 0; i < opts.n; i++) {
    const spike = r() < 0.1 ? 50 * r() : 0;
    const upDelay = opts.up + opts.jitter * r() + spike;
    const downDelay = opts.down + opts.jitter * r();
    const t0 = clientNow;
    const serverMs = t0 + upDelay + opts.trueOffset;
    const t1 = t0 + upDelay + downDelay;
    sync.addSample({ clientSendMs: t0, serverMs, clientReceiveMs: t1 });
    clientNow = t1 + 200;
  }
  return sync;
}

describe('ClockSync', () => {
  it('finds the offset exactly on a symmetric, jitter-free path', () => {
    const s = simulate({ trueOffset: 12345.6, up: 20, down: 20, jitter: 0, n: 8, seed: 1 });
    expect(s.offsetMs).toBeCloseTo(12345.6, 6);
  });

  it('stays within 2 ms with ±10 ms jitter and delay spikes on a symmetric path', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const s = simulate({ trueOffset: -5000, up: 40, down: 40, jitter: 10, n: 32, seed });
      expect(Math.abs(s.offsetMs - -5000)).toBeLessThan(2);
    }
  });

  it('with asymmetric latency the error is half the asymmetry, and the reported uncertainty covers it', () => {
    const s = simulate({ trueOffset: 777, up: 60, down: 20, jitter: 4, n: 32, seed: 7 });
    const error = s.offsetMs - 777;
    expect(error).toBeGreaterThan(15); // (60 − 20) / 2 = 20 ms cannot be seen by any two-way method
    expect(error).toBeLessThan(25);
    expect(s.uncertaintyMs).toBeGreaterThanOrEqual(Math.abs(error));
  });

  it('ignores impossible samples and is not ready before a few exchanges', () => {
    const s = new ClockSync();
    s.addSample({ clientSendMs: 10, serverMs: 100, clientReceiveMs: 5 });
    s.addSample({ clientSendMs: 10, serverMs: NaN, clientReceiveMs: 20 });
    expect(s.sampleCount).toBe(0);
    expect(s.ready).toBe(false);
    expect(s.uncertaintyMs).toBe(Infinity);
  });
});
