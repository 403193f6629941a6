import { isDeliveryTargetId, paramDefFor, parseParamKey } from './param-keys';
import { sanitizeParamValue } from './params';
import { isChannelColorId, isPositionKey } from './channel-order';
import { AUTOMATION_MODES, POINT_BYTES } from './automation-store';

/**
 * The shape of the mix document (what MixModel writes), as rules a server can check a write
 * against before applying it. Readers sanitize anyway; this keeps garbage out of the shared log
 * in the first place, so every replica, render and later reader sees only what MixModel could
 * have written:
 * - `channels`: channel id → map { name: non-empty string, stemId: string, order: finite number };
 * - `params`: Yjs client id → array of entries { k: a known parameter key, v: a value of its range, t: a timestamp };
 * - `settings`: `deliveryTarget` → a DELIVERY_TARGETS id;
 * - `channelPositions`: channel id → a console position key (channel-order.ts);
 * - `channelColors`: channel id → a CHANNEL_COLORS id;
 * - `automation`: Yjs client id → array of entries { k: "<parameter key>#<piece>", v: packed breakpoints, t };
 * - `automationModes`: strip key → an AUTOMATION_MODES id.
 * Nothing else, and nothing nested deeper.
 */

/** Where a new piece of the document goes. */
export interface MixPlace {
  /** Root type's name. */
  root: string;
  /** For a value inside a root's child type: that child's key in the root and what kind of type it is. */
  container?: { key: string | null; kind: MixContent['kind'] };
  /** The key in a map; null for an array element. */
  key: string | null;
  /** The Yjs client id writing it. */
  writer: number;
}

/** What is written there: plain values (JSON-like), a nested map or array, or another Yjs content kind. */
export type MixContent =
  | { kind: 'values'; values: readonly unknown[] }
  | { kind: 'map' }
  | { kind: 'array' }
  | { kind: 'other'; name: string };

export const MIX_ROOTS = ['channels', 'params', 'settings', 'channelPositions', 'channelColors', 'automation', 'automationModes'] as const;
/** Breakpoints in one piece of a lane, at most (AutomationStore thins harder above 1,024). */
const MAX_PIECE_POINTS = 4096;
const MAX_ID_LENGTH = 200;
const MAX_NAME_LENGTH = 200;
/** Far above any real session (one per move), far below where `t + 1` stops being exact. */
export const MAX_PARAM_TIMESTAMP = 2 ** 48;

const describe = (c: MixContent): string => (c.kind === 'values' ? (c.values.length === 1 ? show(c.values[0]) : `${c.values.length} values`) : c.kind === 'other' ? c.name : `a ${c.kind}`);

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return 'undefined';
  if (v === null || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v;
}

const one = (c: MixContent): unknown[] | null => (c.kind === 'values' && c.values.length === 1 ? [c.values[0]] : null);

/** Why this write does not fit the mix document, in plain words; null when it fits. */
export function mixWriteProblem(place: MixPlace, content: MixContent): string | null {
  const { root, container, key } = place;
  if (!(MIX_ROOTS as readonly string[]).includes(root)) return `the mix document has no part called "${root.slice(0, 40)}"`;
  if (root === 'settings') {
    if (container) return 'settings hold no nested values';
    if (key !== 'deliveryTarget') return `"${String(key).slice(0, 40)}" is not a session setting`;
    const v = one(content);
    return v && isDeliveryTargetId(v[0]) ? null : `the delivery target must be one of the built-in targets; got ${describe(content)}`;
  }
  if (root === 'automationModes') {
    if (container) return 'automation modes hold no nested values';
    if (typeof key !== 'string' || key === '' || key.length > MAX_ID_LENGTH) return 'an automation mode needs a strip key of 1 to 200 characters';
    const v = one(content);
    return v && (AUTOMATION_MODES as readonly unknown[]).includes(v[0]) ? null : `an automation mode must be one of ${AUTOMATION_MODES.join(', ')}; got ${describe(content)}`;
  }
  if (root === 'channelPositions' || root === 'channelColors') {
    if (container) return `${root === 'channelPositions' ? 'channel positions' : 'channel colours'} hold no nested values`;
    if (typeof key !== 'string' || key === '' || key.length > MAX_ID_LENGTH) return 'a channel needs an id of 1 to 200 characters';
    const v = one(content);
    if (root === 'channelPositions') return v && isPositionKey(v[0]) ? null : `a channel's position must be a position key; got ${describe(content)}`;
    return v && isChannelColorId(v[0]) ? null : `a channel's colour must be one of the console's colours; got ${describe(content)}`;
  }
  if (root === 'channels') {
    if (!container) {
      if (typeof key !== 'string' || key === '' || key.length > MAX_ID_LENGTH) return 'a channel needs an id of 1 to 200 characters';
      return content.kind === 'map' ? null : `channel "${key.slice(0, 40)}" must be a map; got ${describe(content)}`;
    }
    if (container.kind !== 'map') return 'a channel must be a map';
    const v = one(content);
    if (key === 'name') return v && typeof v[0] === 'string' && v[0].trim() !== '' && v[0].length <= MAX_NAME_LENGTH ? null : `a channel name must be text of 1 to 200 characters; got ${describe(content)}`;
    if (key === 'stemId') return v && typeof v[0] === 'string' && v[0].length <= MAX_ID_LENGTH ? null : `a channel's stem must be a stem id; got ${describe(content)}`;
    if (key === 'order') return v && typeof v[0] === 'number' && Number.isFinite(v[0]) ? null : `a channel's order must be a finite number; got ${describe(content)}`;
    return `channels have no "${String(key).slice(0, 40)}"`;
  }
  // params and automation: WriterRegisterMaps, each writer appending to the array under its own client id.
  const what = root === 'params' ? 'parameter' : 'automation';
  if (!container) {
    if (key !== String(place.writer)) return `a writer's ${what} list must be under its own client id (${place.writer}), not "${String(key).slice(0, 40)}"`;
    return content.kind === 'array' ? null : `a writer's ${what} list must be an array; got ${describe(content)}`;
  }
  if (container.kind !== 'array' || key !== null) return `${what} lists are arrays of entries`;
  if (content.kind !== 'values') return `a ${what} entry must be plain data; got ${describe(content)}`;
  for (const entry of content.values) {
    const problem = root === 'params' ? paramEntryProblem(entry) : automationEntryProblem(entry);
    if (problem) return problem;
  }
  return null;
}

function automationEntryProblem(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `an automation entry must be { k, v, t }; got ${show(entry)}`;
  const e = entry as Record<string, unknown>;
  const extra = Object.keys(e).find((k) => k !== 'k' && k !== 'v' && k !== 't');
  if (extra !== undefined) return `an automation entry has only k, v and t; got "${extra.slice(0, 40)}"`;
  const m = typeof e.k === 'string' && e.k.length <= MAX_ID_LENGTH + 60 ? /^(.+)#(\d{1,7})$/.exec(e.k) : null;
  const parsed = m ? parseParamKey(m[1]) : null;
  if (!parsed || !paramDefFor(parsed.scope, parsed.paramId)) return `there is no automation lane piece ${show(e.k)}`;
  if (typeof e.t !== 'number' || !Number.isSafeInteger(e.t) || e.t < 0 || e.t > MAX_PARAM_TIMESTAMP) return `the timestamp of ${e.k} must be a whole number from 0 to 2^48; got ${show(e.t)}`;
  if (!(e.v instanceof Uint8Array) || e.v.length % POINT_BYTES !== 0 || e.v.length > MAX_PIECE_POINTS * POINT_BYTES) return `the breakpoints of ${e.k} must be packed ${POINT_BYTES}-byte points (at most ${MAX_PIECE_POINTS}); got ${show(e.v)}`;
  return null;
}

function paramEntryProblem(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `a parameter entry must be { k, v, t }; got ${show(entry)}`;
  const e = entry as Record<string, unknown>;
  const extra = Object.keys(e).find((k) => k !== 'k' && k !== 'v' && k !== 't');
  if (extra !== undefined) return `a parameter entry has only k, v and t; got "${extra.slice(0, 40)}"`;
  const parsed = typeof e.k === 'string' && e.k.length <= MAX_ID_LENGTH + 40 ? parseParamKey(e.k) : null;
  const def = parsed ? paramDefFor(parsed.scope, parsed.paramId) : undefined;
  if (!def) return `there is no mix parameter ${show(e.k)}`;
  if (typeof e.t !== 'number' || !Number.isSafeInteger(e.t) || e.t < 0 || e.t > MAX_PARAM_TIMESTAMP) return `the timestamp of ${e.k} must be a whole number from 0 to 2^48; got ${show(e.t)}`;
  // Exactly what MixModel stores: a value its sanitizer leaves as it is (finite, in range, 0/1 for switches, whole choices).
  if (typeof e.v !== 'number' || sanitizeParamValue(def, e.v) !== e.v) {
    const range = def.taper === 'toggle' ? '0 or 1' : def.taper === 'choice' ? `a whole number from ${def.min} to ${def.max}` : `a number from ${def.min} to ${def.max}`;
    return `${e.k} must be ${range}; got ${show(e.v)}`;
  }
  return null;
}
