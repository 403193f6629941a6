import { describe, expect, it } from 'vitest';
import { plotRange, spectrumSegments, xOfHz, yOfDb } from './spectrum-plot';

describe('spectrum plot geometry', () => {
  it('spans 20 Hz – 20 kHz across the width on a log scale (1 kHz sits at ≈57 %)', () => {
    expect(xOfHz(20, 300)).toBe(0);
    expect(xOfHz(20000, 300)).toBeCloseTo(300, 9);
    expect(xOfHz(1000, 1) * 100).toBeCloseTo(56.6, 1);
  });
  it('scales to the loudest band of every side, 60 dB deep, clamping what is below', () => {
    const r = plotRange([{ centersHz: [100, 1000], levelsDb: [-20, -13] }, { centersHz: [100], levelsDb: [null] }, null]);
    expect(r).toEqual({ topDb: -12, floorDb: -72 });
    expect(yOfDb(-12, 100, r)).toBe(0);
    expect(yOfDb(-200, 100, r)).toBe(100);
  });
  it('breaks a line where a band has no level', () => {
    const segs = spectrumSegments({ centersHz: [20, 25, 31.5, 40], levelsDb: [-10, null, -12, -14] }, 100, 60, { topDb: 0, floorDb: -60 });
    expect(segs.map((s) => s.length)).toEqual([1, 2]);
  });
});
