import { describe, expect, it } from 'vitest';
import { CHANNEL_PARAMS, EQ_PARAMS, MASTER_PARAMS, REVERB_PARAMS, DELAY_PARAMS } from '@mixroom/engine';
import { parseTypedValue } from './typed-value';

const ok = (value: number) => ({ ok: true, value });
const fader = CHANNEL_PARAMS.gain;
const pan = CHANNEL_PARAMS.pan;

describe('parseTypedValue: what people type into a readout', () => {
  it('refuses an out-of-range level with the range instead of clamping it (999 used to become +12 dB)', () => {
    const r = parseTypedValue(fader, '999');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe('“999” is out of range: Fader goes from -∞ dB to +12.0 dB.');
    expect(parseTypedValue(fader, '12')).toEqual(ok(12));
    expect(parseTypedValue(fader, '-95').ok).toBe(false);
    expect(parseTypedValue(MASTER_PARAMS['limiter.ceiling'], '+1 dBTP').ok).toBe(false);
  });

  it('takes only decimal numbers: 0x10, 1e3, Infinity and stray text are not levels', () => {
    for (const t of ['0x10', '1e1', 'Infinity', '--3', '3 4', '0b1', '']) {
      const r = parseTypedValue(fader, t);
      expect(r.ok, t).toBe(false);
    }
    expect(!parseTypedValue(fader, '0x10').ok && (parseTypedValue(fader, '0x10') as { error: string }).error).toContain('not a number');
  });

  it('accepts a decimal comma and the typographic minus', () => {
    expect(parseTypedValue(fader, '-3,5')).toEqual(ok(-3.5));
    expect(parseTypedValue(fader, '−6')).toEqual(ok(-6));
    expect(parseTypedValue(EQ_PARAMS['eq3.freq'], '2,5k')).toEqual(ok(2500));
    expect(parseTypedValue(EQ_PARAMS['eq2.gain'], '-3,5 dB')).toEqual(ok(-3.5));
    // A thousands separator is not a decimal comma: "1,000.5" stays unreadable rather than becoming 1.
    expect(parseTypedValue(EQ_PARAMS['eq3.freq'], '1,000.5').ok).toBe(false);
  });

  it('reads a bare pan number as the percentage the readout shows: 50 is R50, not R100', () => {
    expect(parseTypedValue(pan, '50')).toEqual(ok(0.5));
    expect(parseTypedValue(pan, '-30')).toEqual(ok(-0.3));
    expect(parseTypedValue(pan, 'L30')).toEqual(ok(-0.3));
    expect(parseTypedValue(pan, 'r 100')).toEqual(ok(1));
    expect(parseTypedValue(pan, 'C')).toEqual(ok(0));
    const r = parseTypedValue(pan, '150');
    expect(!r.ok && r.error).toBe('R150 is out of range: Pan goes from L100 to R100.');
    expect(parseTypedValue(pan, 'L-20').ok).toBe(false);
  });

  it('keeps the units people use: -inf on faders, k for kHz, ms for seconds, s for milliseconds', () => {
    expect(parseTypedValue(fader, '-inf')).toEqual(ok(fader.min));
    expect(parseTypedValue(CHANNEL_PARAMS['send1.level'], '-∞ dB')).toEqual(ok(fader.min));
    expect(parseTypedValue(EQ_PARAMS['eq2.gain'], '-inf').ok).toBe(false);
    expect(parseTypedValue(EQ_PARAMS['eq3.freq'], '2k')).toEqual(ok(2000));
    expect(parseTypedValue(EQ_PARAMS['eq3.freq'], '2.5 kHz')).toEqual(ok(2500));
    expect(parseTypedValue(REVERB_PARAMS['reverb.decay'], '900 ms')).toEqual(ok(0.9));
    expect(parseTypedValue(CHANNEL_PARAMS['comp.attack'], '120 ms')).toEqual(ok(120));
    expect(parseTypedValue(DELAY_PARAMS['delay.time'], '0.5 s')).toEqual(ok(500));
    expect(parseTypedValue(MASTER_PARAMS['limiter.ceiling'], '-2 dBTP')).toEqual(ok(-2));
  });

  it('names the choices and the switch states when the text is none of them', () => {
    const sync = parseTypedValue(DELAY_PARAMS['delay.sync'], '1/3');
    expect(!sync.ok && sync.error).toContain('1/8T');
    expect(parseTypedValue(DELAY_PARAMS['delay.sync'], '1/4')).toEqual(ok(7));
    expect(parseTypedValue(CHANNEL_PARAMS['hpf.on'], 'maybe')).toEqual({ ok: false, error: 'Type on or off.' });
  });
});
