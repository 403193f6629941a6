import { describe, expect, it } from 'vitest';
import { CHANNEL_PARAMS, EQ_PARAMS, fromNormalized, toNormalized } from '@mixroom/engine';
import { DRAG_TRAVEL_PX, dragToPosition } from './drag-math';

/** The value a knob lands on after a drag, through the parameter's own taper (log for Hz). */
const afterDrag = (def: typeof EQ_PARAMS['eq2.freq'], from: number, px: number, fine = false) => fromNormalized(def, dragToPosition(toNormalized(def, from), px, fine));

describe('knob and pan drag: about 250 px for the full range, Shift ten times finer', () => {
  const freq = EQ_PARAMS['eq2.freq']; // 20 Hz … 20 kHz, log: three decades over the travel

  it('moves a frequency by a fifth of its three decades for 50 px (400 Hz → 1.59 kHz, was 3.46 kHz)', () => {
    expect(afterDrag(freq, 400, 50)).toBeCloseTo(400 * 10 ** 0.6, 0);
    expect(afterDrag(freq, 400, -50)).toBeCloseTo(400 / 10 ** 0.6, 0);
  });

  it('needs the whole 250 px to sweep from end to end, and stops at the ends', () => {
    expect(afterDrag(freq, 20, DRAG_TRAVEL_PX)).toBeCloseTo(20000, 0);
    expect(afterDrag(freq, 20, DRAG_TRAVEL_PX - 25)).toBeLessThan(20000 * 0.6);
    expect(dragToPosition(0.9, 500, false)).toBe(1);
    expect(dragToPosition(0.1, -500, false)).toBe(0);
  });

  it('with Shift, 50 px is a tenth as far (400 Hz → 459 Hz)', () => {
    expect(afterDrag(freq, 400, 50, true)).toBeCloseTo(400 * 10 ** 0.06, 0);
  });

  it('pans 40 px right from the centre to R32, not all the way (was L/R100)', () => {
    const pan = CHANNEL_PARAMS.pan;
    const v = fromNormalized(pan, dragToPosition(toNormalized(pan, 0), 40, false));
    expect(v).toBeCloseTo(0.32, 6);
  });
});
