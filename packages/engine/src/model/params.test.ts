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
  CHANNEL_STRIP_PARAMS,
  MASTER_BUS_PARAMS,
  FX_RETURN_PARAMS,
  type ParamDef,
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

describe('the whole parameter table', () => {
  const all: ParamDef[] = [
    ...Object.values(CHANNEL_STRIP_PARAMS),
    ...Object.values(MASTER_BUS_PARAMS),
    ...Object.values(FX_RETURN_PARAMS.reverb),
    ...Object.values(FX_RETURN_PARAMS.delay),
  ];

  it('every definition is self-consistent: default in range, id matches its key, a group and a section', () => {
    for (const table of [CHANNEL_STRIP_PARAMS, MASTER_BUS_PARAMS, FX_RETURN_PARAMS.reverb, FX_RETURN_PARAMS.delay]) {
      for (const [key, def] of Object.entries(table)) {
        expect(def.id).toBe(key);
        expect(def.min).toBeLessThan(def.max);
        expect(def.defaultValue).toBeGreaterThanOrEqual(def.min);
        expect(def.defaultValue).toBeLessThanOrEqual(def.max);
        expect(['channel', 'fx', 'master', 'band']).toContain(def.group);
        expect(def.section.length).toBeGreaterThan(0);
        if (def.taper === 'log') expect(def.min).toBeGreaterThan(0);
        if (def.taper === 'choice') expect(def.choices?.length).toBe(def.max - def.min + 1);
      }
    }
  });

  it('what is displayed parses back to the same value, and the taper round-trips', () => {
    for (const def of all) {
      for (const v of [def.min, def.defaultValue, def.max]) {
        const parsed = parseParamInput(def, formatParamValue(def, v));
        expect(parsed, `${def.id} ${formatParamValue(def, v)}`).not.toBeNull();
        // Display rounds (e.g. 1 decimal, or Hz to an integer); parse must land within that rounding.
        expect(Math.abs((parsed as number) - v)).toBeLessThanOrEqual(Math.max(def.step, Math.abs(v) * 0.005) + 1e-9);
        expect(fromNormalized(def, toNormalized(def, v))).toBeCloseTo(v, 6);
      }
    }
  });

  it('covers the whole signal flow', () => {
    expect(Object.keys(CHANNEL_STRIP_PARAMS)).toEqual(
      expect.arrayContaining(['trim', 'polarity', 'hpf.freq', 'hpf.slope', 'lpf.freq', 'eq1.gain', 'eq4.q', 'eq3.on', 'comp.threshold', 'comp.knee', 'comp.makeup', 'pan', 'gain', 'send1.level', 'send2.pre']),
    );
    expect(Object.keys(MASTER_BUS_PARAMS)).toEqual(expect.arrayContaining(['eq2.freq', 'glue.ratio', 'limiter.ceiling', 'limiter.release', 'gain']));
    expect(Object.keys(FX_RETURN_PARAMS.reverb)).toEqual(expect.arrayContaining(['reverb.decay', 'reverb.predelay', 'reverb.damping', 'reverb.size', 'return.gain', 'return.mute', 'eq1.gain']));
    expect(Object.keys(FX_RETURN_PARAMS.delay)).toEqual(expect.arrayContaining(['delay.time', 'delay.sync', 'delay.feedback', 'delay.highcut']));
  });

  it('choices clamp to a valid index and parse by label', () => {
    const sync = FX_RETURN_PARAMS.delay['delay.sync'];
    expect(sanitizeParamValue(sync, 3.4)).toBe(3);
    expect(sanitizeParamValue(sync, 99)).toBe(sync.max);
    expect(sanitizeParamValue(sync, Infinity)).toBeNull();
    expect(formatParamValue(sync, 7)).toBe('1/4');
    expect(parseParamInput(sync, '1/8D')).toBe(5);
    expect(parseParamInput(FX_RETURN_PARAMS.reverb['reverb.decay'], '800 ms')).toBeCloseTo(0.8);
    expect(parseParamInput(CHANNEL_STRIP_PARAMS['eq3.freq'], '2.5k')).toBe(2500);
  });
});
