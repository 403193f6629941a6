// "What changed since the previous version": a readable list of differences between two
// mix states, worded with the parameter table's own formatters so it reads like the console.
import * as Y from 'yjs';
import { MixModel, paramDefFor, parseParamKey, type MixState } from './mix-model';
import type { AutomationLane } from './automation';
import { CHANNEL_PARAMS, GAIN_FLOOR_DB, MASTER_PARAMS, formatParamValue, type ParamDef } from './params';

/** Rebuilds the mix state stored as `Y.encodeStateAsUpdate(doc)` (comments, versions). */
export function mixStateFromUpdate(update: Uint8Array): MixState {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, update);
    return new MixModel(doc).getState();
  } finally {
    doc.destroy();
  }
}

/** Reads a parameter off a channel/master state; params whose state field is missing are skipped. */
function readParam(state: object, def: ParamDef): number | null {
  const v = (state as Record<string, unknown>)[def.id];
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' && !Number.isNaN(v) ? v : null;
}

function describeChange(subject: string, def: ParamDef, from: number, to: number): string | null {
  // Below half a step nobody can hear or set it: not a change worth reading.
  if (Math.abs(to - from) < def.step / 2) return null;
  if (def.unit === 'bool') {
    const verb = def.id === 'mute' ? 'muted' : def.id === 'solo' ? 'soloed' : def.label.toLowerCase();
    return `${subject} ${to >= 0.5 ? verb : `un${verb}`}`;
  }
  if (def.unit === 'dB' && from > GAIN_FLOOR_DB && to > GAIN_FLOOR_DB) {
    const delta = to - from;
    const label = def.id === 'gain' ? '' : ` ${def.label.toLowerCase()}`;
    return `${subject}${label} ${delta > 0 ? '+' : '-'}${Math.abs(delta).toFixed(1)} dB`;
  }
  const label = def.id === 'gain' ? '' : ` ${def.label.toLowerCase()}`;
  return `${subject}${label} ${formatParamValue(def, from)} → ${formatParamValue(def, to)}`;
}

/**
 * Differences from `a` (older) to `b` (newer), e.g. ["Bass +1.5 dB", "Keys pan L20 → C",
 * "Lead muted", "Master -1.0 dB"]. Channels are matched by id, so a rename reads as a rename.
 * Covers every parameter of the tables that the state carries under its parameter id.
 */
export function diffMixStates(a: MixState, b: MixState): string[] {
  const out: string[] = [];
  const before = new Map(a.channels.map((c) => [c.id, c]));
  const after = new Map(b.channels.map((c) => [c.id, c]));
  for (const ch of b.channels) {
    const old = before.get(ch.id);
    if (!old) {
      out.push(`${ch.name} added`);
      continue;
    }
    if (old.name !== ch.name) out.push(`${old.name} renamed to ${ch.name}`);
    for (const def of Object.values(CHANNEL_PARAMS) as ParamDef[]) {
      const from = readParam(old, def);
      const to = readParam(ch, def);
      if (from === null || to === null) continue;
      const line = describeChange(ch.name, def, from, to);
      if (line) out.push(line);
    }
  }
  for (const ch of a.channels) if (!after.has(ch.id)) out.push(`${ch.name} removed`);
  for (const def of Object.values(MASTER_PARAMS) as ParamDef[]) {
    const from = readParam(a.master, def);
    const to = readParam(b.master, def);
    if (from === null || to === null) continue;
    const line = describeChange('Master', def, from, to);
    if (line) out.push(line);
  }
  if (a.deliveryTarget !== b.deliveryTarget) out.push(`Delivery target ${a.deliveryTarget} → ${b.deliveryTarget}`);
  out.push(...diffAutomation(a, b));
  return out;
}

/** m:ss of a song time. */
export function formatSongTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * "Lead Fader automation changed 1:12–1:40": per lane, the span from the first to the last
 * breakpoint that is not in both versions; "added"/"removed" for lanes that appear or go.
 */
export function diffAutomation(a: MixState, b: MixState): string[] {
  const out: string[] = [];
  const before = a.automation ?? {};
  const after = b.automation ?? {};
  const names = new Map([...a.channels, ...b.channels].map((c) => [c.id, c.name]));
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const parsed = parseParamKey(key);
    if (!parsed) continue;
    const { scope, paramId } = parsed;
    const where = scope.kind === 'master' ? 'Master' : scope.kind === 'fx' ? (scope.bus === 'reverb' ? 'Reverb' : 'Delay') : (names.get(scope.channelId) ?? 'Channel');
    const subject = `${where} ${paramDefFor(scope, paramId)?.label ?? paramId} automation`;
    const x = before[key];
    const y = after[key];
    if (!x || !y) {
      const lane = (x ?? y)!;
      out.push(`${subject} ${x ? 'removed' : 'added'} ${formatSongTime(lane.t[0])}–${formatSongTime(lane.t[lane.t.length - 1])}`);
      continue;
    }
    const span = changedSpan(x, y);
    if (span) out.push(`${subject} changed ${formatSongTime(span[0])}–${formatSongTime(span[1])}`);
  }
  return out;
}

function changedSpan(x: AutomationLane, y: AutomationLane): [number, number] | null {
  const sig = (l: AutomationLane, i: number) => `${l.t[i]}|${l.v[i]}|${l.s[i]}`;
  const inX = new Set(Array.from(x.t, (_, i) => sig(x, i)));
  const inY = new Set(Array.from(y.t, (_, i) => sig(y, i)));
  let lo = Infinity;
  let hi = -Infinity;
  x.t.forEach((t, i) => {
    if (!inY.has(sig(x, i))) [lo, hi] = [Math.min(lo, t), Math.max(hi, t)];
  });
  y.t.forEach((t, i) => {
    if (!inX.has(sig(y, i))) [lo, hi] = [Math.min(lo, t), Math.max(hi, t)];
  });
  return lo <= hi ? [lo, hi] : null;
}

