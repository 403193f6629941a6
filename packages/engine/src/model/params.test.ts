import { describe, expect, it } from 'vitest';
import {
  CHANNEL_PARAMS,
  GAIN_FLOOR_DB,
  dbToGain,
  formatParamValue,
  fromNormalized,
  parseParamInput,
  sanitizeParamValue,
  toNormalized,
} from './params';

describe('parameter definitions', () => {
  const gain = CHANNEL_PARAMS.gain;

  it('fader taper puts unity at three quarters of the travel and round-trips', () => {
    expect(toNormalized(gain, 0)).toBeCloseTo(0.75, 6);
    expect(fromNormalized(gain, 0)).toBe(GAIN_FLOOR_DB);
    expect(fromNormalized(gain, 1)).toBe(12);
    for (const db of [-80, -45.5, -12, -3, 0, 4.5, 12]) {
      expect(fromNormalized(gain, toNormalized(gain, db))).toBeCloseTo(db, 6);
    }
  });

  it('the fader floor is silence', () => {
    expect(dbToGain(GAIN_FLOOR_DB)).toBe(0);
    expect(dbToGain(-6)).toBeCloseTo(0.501, 3);
    expect(formatParamValue(gain, GAIN_FLOOR_DB)).toBe('-∞ dB');
    expect(formatParamValue(gain, 1.5)).toBe('+1.5 dB');
  });

  it('clamps out-of-range values and rejects unusable ones', () => {
    expect(sanitizeParamValue(gain, 99)).toBe(12);
    expect(sanitizeParamValue(gain, -Infinity)).toBe(GAIN_FLOOR_DB);
    expect(sanitizeParamValue(gain, NaN)).toBeNull();
    expect(sanitizeParamValue(gain, '3')).toBeNull();
    expect(sanitizeParamValue(gain, { evil: true })).toBeNull();
    expect(sanitizeParamValue(CHANNEL_PARAMS.mute, true)).toBe(1);
    expect(sanitizeParamValue(CHANNEL_PARAMS.mute, 'yes')).toBeNull();
  });

  it('parses what people type', () => {
    expect(parseParamInput(gain, '-3.5 dB')).toBe(-3.5);
    expect(parseParamInput(gain, '-inf')).toBe(GAIN_FLOOR_DB);
    expect(parseParamInput(gain, 'loud')).toBeNull();
    expect(parseParamInput(CHANNEL_PARAMS.pan, 'L30')).toBeCloseTo(-0.3);
    expect(parseParamInput(CHANNEL_PARAMS.pan, 'c')).toBe(0);
    expect(formatParamValue(CHANNEL_PARAMS.pan, 0.25)).toBe('R25');
  });
});
