// Every mixer parameter is defined exactly once here. The Yjs model, validation of
// values arriving from other clients, the UI controls and the audio graph all read
// these definitions, so a range or default can never disagree between them.

export type ParamUnit = 'dB' | 'pan' | 'bool' | 'Hz' | 'ms' | 'ratio' | '%';
export type ParamTaper = 'linear' | 'fader' | 'log' | 'toggle';

export interface ParamDef {
  readonly id: string;
  readonly label: string;
  readonly unit: ParamUnit;
  readonly min: number;
  readonly max: number;
  readonly defaultValue: number;
  readonly taper: ParamTaper;
  /** Smallest meaningful increment, used by numeric entry and keyboard nudges. */
  readonly step: number;
}

/** Fader floor: at or below this a fader is -inf (silence). */
export const GAIN_FLOOR_DB = -90;

export const CHANNEL_PARAMS = {
  gain: { id: 'gain', label: 'Fader', unit: 'dB', min: GAIN_FLOOR_DB, max: 12, defaultValue: 0, taper: 'fader', step: 0.1 },
  pan: { id: 'pan', label: 'Pan', unit: 'pan', min: -1, max: 1, defaultValue: 0, taper: 'linear', step: 0.01 },
  mute: { id: 'mute', label: 'Mute', unit: 'bool', min: 0, max: 1, defaultValue: 0, taper: 'toggle', step: 1 },
  solo: { id: 'solo', label: 'Solo', unit: 'bool', min: 0, max: 1, defaultValue: 0, taper: 'toggle', step: 1 },
} as const satisfies Record<string, ParamDef>;

export const MASTER_PARAMS = {
  gain: { id: 'gain', label: 'Master', unit: 'dB', min: GAIN_FLOOR_DB, max: 12, defaultValue: 0, taper: 'fader', step: 0.1 },
} as const satisfies Record<string, ParamDef>;

export type ChannelParamId = keyof typeof CHANNEL_PARAMS;
export type MasterParamId = keyof typeof MASTER_PARAMS;

/**
 * Coerces a value from an untrusted source (another client, the network, a text box)
 * into the parameter's domain. Returns null when the value is not a usable number,
 * so callers can ignore it instead of feeding NaN into the audio graph.
 */
export function sanitizeParamValue(def: ParamDef, value: unknown): number | null {
  if (def.taper === 'toggle') {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number' && Number.isFinite(value)) return value >= 0.5 ? 1 : 0;
    return null;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) return null;
  if (value === -Infinity) return def.min;
  if (value === Infinity) return def.max;
  return Math.min(def.max, Math.max(def.min, value));
}

// Console-style fader law: most of the travel is spent near unity, where mixing happens.
const FADER_POSITIONS = [0, 0.05, 0.25, 0.5, 0.75, 1];
const FADER_DB = [GAIN_FLOOR_DB, -60, -30, -10, 0, 12];

function interpolate(x: number, xs: readonly number[], ys: readonly number[]): number {
  if (x <= xs[0]) return ys[0];
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) {
      const f = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
      return ys[i - 1] + f * (ys[i] - ys[i - 1]);
    }
  }
  return ys[ys.length - 1];
}

/** Maps a value to a 0..1 control position according to the parameter's taper. */
export function toNormalized(def: ParamDef, value: number): number {
  const v = Math.min(def.max, Math.max(def.min, value));
  switch (def.taper) {
    case 'fader':
      return interpolate(v, FADER_DB, FADER_POSITIONS);
    case 'log':
      return Math.log(v / def.min) / Math.log(def.max / def.min);
    default:
      return (v - def.min) / (def.max - def.min);
  }
}

/** Inverse of toNormalized. */
export function fromNormalized(def: ParamDef, position: number): number {
  const p = Math.min(1, Math.max(0, position));
  switch (def.taper) {
    case 'fader':
      return interpolate(p, FADER_POSITIONS, FADER_DB);
    case 'log':
      return def.min * Math.pow(def.max / def.min, p);
    case 'toggle':
      return p >= 0.5 ? 1 : 0;
    default:
      return def.min + p * (def.max - def.min);
  }
}

export function dbToGain(db: number): number {
  return db <= GAIN_FLOOR_DB ? 0 : Math.pow(10, db / 20);
}

export function gainToDb(gain: number): number {
  return gain <= 0 ? -Infinity : 20 * Math.log10(gain);
}

/** Human-readable value, as shown next to a control. */
export function formatParamValue(def: ParamDef, value: number): string {
  switch (def.unit) {
    case 'dB':
      if (def.taper === 'fader' && value <= GAIN_FLOOR_DB) return '-∞ dB';
      return `${value > 0 ? '+' : ''}${value.toFixed(1)} dB`;
    case 'pan': {
      const pct = Math.round(Math.abs(value) * 100);
      return pct === 0 ? 'C' : `${value < 0 ? 'L' : 'R'}${pct}`;
    }
    case 'bool':
      return value >= 0.5 ? 'on' : 'off';
    case 'Hz':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} kHz` : `${Math.round(value)} Hz`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'ratio':
      return `${value.toFixed(1)}:1`;
    case '%':
      return `${Math.round(value)}%`;
  }
}

/**
 * Parses what a user typed into a numeric entry box ("-3.5", "-inf", "L30", "C").
 * Returns null when the text is not understood.
 */
export function parseParamInput(def: ParamDef, text: string): number | null {
  const t = text.trim().toLowerCase().replace(/\s*(db|hz|ms|%)$/, '');
  if (def.unit === 'dB' && (t === '-inf' || t === '-∞' || t === 'inf')) return def.min;
  if (def.unit === 'pan') {
    if (t === 'c' || t === 'center') return 0;
    const m = /^([lr])\s*(\d+(?:\.\d+)?)$/.exec(t);
    if (m) return sanitizeParamValue(def, (m[1] === 'l' ? -1 : 1) * (Number(m[2]) / 100));
  }
  if (def.unit === 'bool') {
    if (t === 'on' || t === '1' || t === 'true') return 1;
    if (t === 'off' || t === '0' || t === 'false') return 0;
    return null;
  }
  if (def.unit === 'Hz' && t.endsWith('k')) {
    const n = Number(t.slice(0, -1));
    return Number.isFinite(n) ? sanitizeParamValue(def, n * 1000) : null;
  }
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? sanitizeParamValue(def, n) : null;
}
