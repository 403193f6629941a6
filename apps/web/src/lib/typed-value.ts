import { formatParamValue, parseParamInput, sanitizeParamValue, type ParamDef } from '@mixroom/engine';

export type TypedValue = { ok: true; value: number } | { ok: false; error: string };

/** Plain decimal notation only: "0x10", "1e3" or "Infinity" are not how anyone types a level. */
const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;

const UNIT_SUFFIX = /\s*(dbtp|db|khz|hz|ms|s|%|bpm|:1)$/;

/**
 * Reads what someone typed into a control's readout. Unlike the engine's lenient parser (which
 * clamps, and takes anything Number() takes), it says what is wrong in plain words: out-of-range
 * values are refused with the range, not silently clamped; only decimal numbers count, with a
 * decimal comma accepted ("-3,5"); a pan typed as a bare number is a percentage, as the readout
 * shows it ("50" is R50, "-30" is L30).
 */
export function parseTypedValue(def: ParamDef, input: string): TypedValue {
  const range = `${def.label} goes from ${formatParamValue(def, def.min)} to ${formatParamValue(def, def.max)}`;
  // The typographic minus and a decimal comma ("-3,5", "2,5k") as many keyboards and locales write them.
  const text = input.trim().toLowerCase().replace(/\u2212/g, '-').replace(/^([^,.]*\d),(\d[^,.]*)$/, '$1.$2');
  if (text === '') return { ok: false, error: `Type a value. ${range}.` };

  if (def.unit === 'choice') {
    const v = parseParamInput(def, text);
    return v === null ? { ok: false, error: `Choose one of: ${(def.choices ?? []).join(', ')}.` } : { ok: true, value: v };
  }
  if (def.unit === 'bool') {
    const v = parseParamInput(def, text);
    return v === null ? { ok: false, error: 'Type on or off.' } : { ok: true, value: v };
  }
  if ((def.unit === 'dB' || def.unit === 'dBTP') && /^(-inf|-∞|inf|∞)(\s*db(tp)?)?$/.test(text)) {
    return def.taper === 'fader' ? { ok: true, value: def.min } : { ok: false, error: `${range}; -inf is only for faders.` };
  }

  let sign = 1;
  let scale = 1;
  let t = text;
  if (def.unit === 'pan') {
    if (t === 'c' || t === 'center' || t === 'centre') return { ok: true, value: 0 };
    const side = /^([lr])\s*(.*)$/.exec(t);
    if (side) {
      sign = side[1] === 'l' ? -1 : 1;
      t = side[2];
      if (t.startsWith('-') || t.startsWith('+')) return { ok: false, error: `Type L or R with 0–100, e.g. L30 or R50.` };
    }
    t = t.replace(/\s*%$/, '');
    scale = 0.01;
  } else {
    const unit = UNIT_SUFFIX.exec(t)?.[1];
    t = t.replace(UNIT_SUFFIX, '');
    if (def.unit === 's' && unit === 'ms') scale = 0.001;
    else if (def.unit === 'ms' && unit === 's') scale = 1000;
    else if (def.unit === 'Hz' && unit === 'khz') scale = 1000;
    else if (def.unit === 'Hz' && t.endsWith('k')) {
      t = t.slice(0, -1);
      scale = 1000;
    }
  }
  if (!DECIMAL.test(t)) return { ok: false, error: `“${input.trim()}” is not a number. ${range}.` };
  const value = sign * Number(t) * scale;
  // Tolerate rounding of the displayed value (e.g. a readout of "2.50 kHz" typed back).
  const eps = def.step / 2;
  if (value < def.min - eps || value > def.max + eps) {
    const shown = def.unit === 'pan' ? `${value < 0 ? 'L' : 'R'}${Math.round(Math.abs(value) * 100)}` : `“${input.trim()}”`;
    return { ok: false, error: `${shown} is out of range: ${range}.` };
  }
  const clean = sanitizeParamValue(def, value);
  return clean === null ? { ok: false, error: `${range}.` } : { ok: true, value: clean };
}
