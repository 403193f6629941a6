// Every mixer parameter is defined exactly once here. The Yjs model, validation of
// values arriving from other clients, the UI controls and the audio graph all read
// these definitions, so a range or default can never disagree between them.

export type ParamUnit = 'dB' | 'dBTP' | 'pan' | 'bool' | 'Hz' | 'ms' | 's' | 'ratio' | '%' | 'Q' | 'bpm' | 'choice';
export type ParamTaper = 'linear' | 'fader' | 'log' | 'toggle' | 'choice';
/** Where a control lives: a channel strip, an FX return, the master bus, or an EQ band (on any of those). */
export type ParamGroup = 'channel' | 'fx' | 'master' | 'band';

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
  readonly group: ParamGroup;
  /** The processor the control belongs to ('fader', 'hpf', 'eq1', 'comp', 'send1', 'reverb', …): UI grouping and bypass. */
  readonly section: string;
  /** For taper 'choice': the label of each integer value min…max. */
  readonly choices?: readonly string[];
}

/** Fader floor: at or below this a fader is -inf (silence). */
export const GAIN_FLOOR_DB = -90;

type Def = Omit<ParamDef, 'id' | 'group'>;
function table<G extends ParamGroup, T extends Record<string, Def>>(group: G, defs: T): { readonly [K in keyof T]: ParamDef } {
  const out: Record<string, ParamDef> = {};
  for (const [id, d] of Object.entries(defs)) out[id] = Object.freeze({ id, group, ...d });
  return Object.freeze(out) as { readonly [K in keyof T]: ParamDef };
}

const toggle = (section: string, label: string, on: boolean): Def => ({
  label, unit: 'bool', min: 0, max: 1, defaultValue: on ? 1 : 0, taper: 'toggle', step: 1, section,
});
const fader = (section: string, label: string, max = 12, defaultValue = 0): Def => ({
  label, unit: 'dB', min: GAIN_FLOOR_DB, max, defaultValue, taper: 'fader', step: 0.1, section,
});
const freq = (section: string, label: string, min: number, max: number, defaultValue: number): Def => ({
  label, unit: 'Hz', min, max, defaultValue, taper: 'log', step: 1, section,
});

/**
 * How a stereo stem pans (a mono stem always pans equal-power): 'Stereo pan' moves the image,
 * folding both channels to one side at the extremes as a mono stem would sound there;
 * 'Balance' turns the far channel down and sums it into the near one (+6 dB for a centred source).
 */
export const PAN_LAWS = ['Stereo pan', 'Balance'] as const;

/** Filter slopes: each 12 dB/oct step is one more second-order (RBJ Butterworth) section. */
export const FILTER_SLOPES = ['12 dB/oct', '24 dB/oct', '36 dB/oct', '48 dB/oct'] as const;

/** The four EQ bands, in order. Band 1 is a low shelf, 2 and 3 are peaking, 4 is a high shelf. */
export const EQ_BAND_TYPES = ['lowshelf', 'peaking', 'peaking', 'highshelf'] as const satisfies readonly BiquadFilterType[];
const EQ_BAND_DEFAULT_HZ = [100, 400, 2500, 8000];
const EQ_BAND_LABELS = ['Low shelf', 'Low mid', 'High mid', 'High shelf'];

function eqBand<N extends 1 | 2 | 3 | 4>(n: N): Record<`eq${N}.${'on' | 'freq' | 'gain' | 'q'}`, Def> {
  const s = `eq${n}`;
  const name = EQ_BAND_LABELS[n - 1];
  return <Record<`eq${N}.${'on' | 'freq' | 'gain' | 'q'}`, Def>>{
    [`${s}.on`]: toggle(s, `${name} on`, true),
    [`${s}.freq`]: freq(s, `${name} frequency`, 20, 20000, EQ_BAND_DEFAULT_HZ[n - 1]),
    [`${s}.gain`]: { label: `${name} gain`, unit: 'dB', min: -18, max: 18, defaultValue: 0, taper: 'linear', step: 0.1, section: s },
    [`${s}.q`]: { label: `${name} Q`, unit: 'Q', min: 0.1, max: 18, defaultValue: 0.71, taper: 'log', step: 0.01, section: s },
  };
}

/** 4-band EQ, the same on channels, FX returns and the master (group 'band'). */
export const EQ_PARAMS = table('band', { ...eqBand(1), ...eqBand(2), ...eqBand(3), ...eqBand(4) });

const compressor = <S extends string>(section: S, defaults: { on: boolean; threshold: number; ratio: number; attack: number; release: number; knee: number }) => <Record<`${S}.${'on' | 'threshold' | 'ratio' | 'attack' | 'release' | 'knee' | 'makeup'}`, Def>>{
  [`${section}.on`]: toggle(section, 'Compressor on', defaults.on),
  [`${section}.threshold`]: { label: 'Threshold', unit: 'dB', min: -60, max: 0, defaultValue: defaults.threshold, taper: 'linear', step: 0.1, section },
  [`${section}.ratio`]: { label: 'Ratio', unit: 'ratio', min: 1, max: 20, defaultValue: defaults.ratio, taper: 'log', step: 0.1, section },
  [`${section}.attack`]: { label: 'Attack', unit: 'ms', min: 0.1, max: 200, defaultValue: defaults.attack, taper: 'log', step: 0.1, section },
  [`${section}.release`]: { label: 'Release', unit: 'ms', min: 5, max: 2000, defaultValue: defaults.release, taper: 'log', step: 1, section },
  [`${section}.knee`]: { label: 'Knee', unit: 'dB', min: 0, max: 24, defaultValue: defaults.knee, taper: 'linear', step: 0.1, section },
  [`${section}.makeup`]: { label: 'Make-up', unit: 'dB', min: 0, max: 24, defaultValue: 0, taper: 'linear', step: 0.1, section },
};

const send = <N extends 1 | 2>(n: N) => <Record<`send${N}.${'level' | 'pre'}`, Def>>{
  [`send${n}.level`]: fader(`send${n}`, n === 1 ? 'Reverb send' : 'Delay send', 6, GAIN_FLOOR_DB),
  [`send${n}.pre`]: toggle(`send${n}`, n === 1 ? 'Reverb send pre-fader' : 'Delay send pre-fader', false),
};

/**
 * Channel strip, in signal order: trim → polarity → HPF → LPF → EQ (EQ_PARAMS) → compressor
 * → pan → fader → mute/solo; sends tap before (pre) or after (post) the fader.
 * The compressor (and the master glue compressor) start bypassed so a new mix plays the stems
 * untouched; the master limiter starts on so nothing leaves the mix above its ceiling.
 */
export const CHANNEL_PARAMS = table('channel', {
  trim: { label: 'Trim', unit: 'dB', min: -24, max: 24, defaultValue: 0, taper: 'linear', step: 0.1, section: 'input' },
  polarity: toggle('input', 'Polarity invert', false),
  'hpf.on': toggle('hpf', 'High-pass on', false),
  'hpf.freq': freq('hpf', 'High-pass frequency', 20, 2000, 80),
  'hpf.slope': { label: 'High-pass slope', unit: 'choice', min: 0, max: 3, defaultValue: 0, taper: 'choice', step: 1, section: 'hpf', choices: FILTER_SLOPES },
  'lpf.on': toggle('lpf', 'Low-pass on', false),
  'lpf.freq': freq('lpf', 'Low-pass frequency', 1000, 20000, 18000),
  'lpf.slope': { label: 'Low-pass slope', unit: 'choice', min: 0, max: 3, defaultValue: 0, taper: 'choice', step: 1, section: 'lpf', choices: FILTER_SLOPES },
  'eq.on': toggle('eq', 'EQ on', true),
  ...compressor('comp', { on: false, threshold: -18, ratio: 4, attack: 10, release: 100, knee: 6 }),
  pan: { label: 'Pan', unit: 'pan', min: -1, max: 1, defaultValue: 0, taper: 'linear', step: 0.01, section: 'pan' },
  'pan.law': { label: 'Stereo pan law', unit: 'choice', min: 0, max: 1, defaultValue: 0, taper: 'choice', step: 1, section: 'pan', choices: PAN_LAWS },
  gain: fader('fader', 'Fader'),
  mute: toggle('fader', 'Mute', false),
  solo: toggle('fader', 'Solo', false),
  ...send(1),
  ...send(2),
});

/** Tempo-synced delay note values; index 0 means free time (delay.time in ms). */
export const DELAY_NOTE_VALUES = ['free', '1/32', '1/16', '1/8T', '1/8', '1/8D', '1/4T', '1/4', '1/4D', '1/2', '1/1'] as const;
/** Length of each DELAY_NOTE_VALUES entry in quarter notes. */
export const DELAY_NOTE_QUARTERS = [0, 0.125, 0.25, 1 / 3, 0.5, 0.75, 2 / 3, 1, 1.5, 2, 4] as const;

/** The two FX returns. Both are solo-safe: soloing a channel never silences them. */
export const FX_BUSES = ['reverb', 'delay'] as const;
export type FxBus = (typeof FX_BUSES)[number];

const fxReturn = {
  'return.gain': fader('return', 'Return', 12, 0),
  'return.mute': toggle('return', 'Return mute', false),
  'eq.on': toggle('eq', 'EQ on', true),
};

export const REVERB_PARAMS = table('fx', {
  'reverb.decay': { label: 'Decay', unit: 's', min: 0.1, max: 10, defaultValue: 1.8, taper: 'log', step: 0.01, section: 'reverb' },
  'reverb.predelay': { label: 'Pre-delay', unit: 'ms', min: 0, max: 250, defaultValue: 20, taper: 'linear', step: 1, section: 'reverb' },
  'reverb.damping': { label: 'Damping', unit: 'Hz', min: 1000, max: 20000, defaultValue: 7000, taper: 'log', step: 1, section: 'reverb' },
  'reverb.size': { label: 'Size', unit: '%', min: 0, max: 100, defaultValue: 60, taper: 'linear', step: 1, section: 'reverb' },
  ...fxReturn,
});

export const DELAY_PARAMS = table('fx', {
  'delay.time': { label: 'Time', unit: 'ms', min: 1, max: 2000, defaultValue: 375, taper: 'log', step: 1, section: 'delay' },
  'delay.sync': { label: 'Sync', unit: 'choice', min: 0, max: DELAY_NOTE_VALUES.length - 1, defaultValue: 0, taper: 'choice', step: 1, section: 'delay', choices: DELAY_NOTE_VALUES },
  'delay.feedback': { label: 'Feedback', unit: '%', min: 0, max: 95, defaultValue: 35, taper: 'linear', step: 1, section: 'delay' },
  'delay.highcut': { label: 'High cut', unit: 'Hz', min: 1000, max: 20000, defaultValue: 8000, taper: 'log', step: 1, section: 'delay' },
  ...fxReturn,
});

export const FX_PARAMS: { readonly [B in FxBus]: Readonly<Record<string, ParamDef>> } = { reverb: REVERB_PARAMS, delay: DELAY_PARAMS };

/** Master bus, in signal order: EQ (EQ_PARAMS) → glue compressor → true-peak limiter → output gain. */
export const MASTER_PARAMS = table('master', {
  'eq.on': toggle('eq', 'EQ on', true),
  ...compressor('glue', { on: false, threshold: -12, ratio: 2, attack: 30, release: 200, knee: 6 }),
  'limiter.on': toggle('limiter', 'Limiter on', true),
  'limiter.ceiling': { label: 'Ceiling', unit: 'dBTP', min: -12, max: 0, defaultValue: -1, taper: 'linear', step: 0.1, section: 'limiter' },
  'limiter.release': { label: 'Limiter release', unit: 'ms', min: 1, max: 1000, defaultValue: 60, taper: 'log', step: 1, section: 'limiter' },
  'limiter.drive': { label: 'Drive', unit: 'dB', min: -24, max: 24, defaultValue: 0, taper: 'linear', step: 0.1, section: 'limiter' },
  gain: fader('output', 'Master'),
  tempo: { label: 'Tempo', unit: 'bpm', min: 40, max: 300, defaultValue: 120, taper: 'linear', step: 0.1, section: 'session' },
});

type Keys<T> = Extract<keyof T, string>;
export type EqParamId = Keys<typeof EQ_PARAMS>;
export type ChannelParamId = Keys<typeof CHANNEL_PARAMS> | EqParamId;
export type MasterParamId = Keys<typeof MASTER_PARAMS> | EqParamId;
export type FxParamId = Keys<typeof REVERB_PARAMS> | Keys<typeof DELAY_PARAMS> | EqParamId;

/** Every parameter of a scope: its own table plus the EQ bands. */
export const CHANNEL_STRIP_PARAMS: Readonly<Record<string, ParamDef>> = { ...CHANNEL_PARAMS, ...EQ_PARAMS };
export const MASTER_BUS_PARAMS: Readonly<Record<string, ParamDef>> = { ...MASTER_PARAMS, ...EQ_PARAMS };
export const FX_RETURN_PARAMS: { readonly [B in FxBus]: Readonly<Record<string, ParamDef>> } = {
  reverb: { ...REVERB_PARAMS, ...EQ_PARAMS },
  delay: { ...DELAY_PARAMS, ...EQ_PARAMS },
};

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
  if (def.taper === 'choice') {
    if (!Number.isFinite(value)) return null;
    return Math.min(def.max, Math.max(def.min, Math.round(value)));
  }
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
    case 'choice':
      return Math.round(def.min + p * (def.max - def.min));
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
    case 'dBTP':
      return `${value.toFixed(1)} dBTP`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 's':
      return `${value.toFixed(2)} s`;
    case 'ratio':
      return `${value.toFixed(1)}:1`;
    case '%':
      return `${Math.round(value)}%`;
    case 'Q':
      return value.toFixed(2);
    case 'bpm':
      return `${value.toFixed(1)} BPM`;
    case 'choice':
      return def.choices?.[Math.round(value) - def.min] ?? String(value);
  }
}

/**
 * Parses what a user typed into a numeric entry box ("-3.5", "-inf", "L30", "C").
 * Returns null when the text is not understood.
 */
export function parseParamInput(def: ParamDef, text: string): number | null {
  const raw = text.trim().toLowerCase();
  if (def.unit === 'choice') {
    const i = def.choices?.findIndex((c) => c.toLowerCase() === raw) ?? -1;
    return i >= 0 ? def.min + i : null;
  }
  if (def.unit === 's' && raw.endsWith('ms')) {
    const n = Number(raw.slice(0, -2).trim());
    return raw.length > 2 && Number.isFinite(n) ? sanitizeParamValue(def, n / 1000) : null;
  }
  const t = raw.replace(/\s*(dbtp|db|hz|ms|s|%|bpm|:1)$/, '');
  if ((def.unit === 'dB' || def.unit === 'dBTP') && (t === '-inf' || t === '-∞' || t === 'inf')) return def.min;
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
