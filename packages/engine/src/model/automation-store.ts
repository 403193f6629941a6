import * as Y from 'yjs';
import { paramDefFor, parseParamKey, type ParamScope } from './param-keys';
import { sanitizeParamValue, type ParamDef } from './params';
import { WriterRegisterMap } from './writer-register-map';
import { CURVE_SHAPES, laneFromPoints, replaceRange, thinPoints, type AutomationLane, type AutomationPoint } from './automation';

/**
 * Automation lanes in the mix document, laid out to stay small and to merge well:
 * - a lane is cut into CHUNK_SECONDS pieces; each piece is one register of a WriterRegisterMap
 *   ('automation'), keyed "<paramKey>#<chunk>", holding its breakpoints packed as bytes
 *   (float64 time, float32 value, uint8 shape: POINT_BYTES each). Rewriting a piece leaves one
 *   tombstone that merges with the writer's others (see WriterRegisterMap), so a document holds
 *   the current curves, not the history of every recorded move;
 * - two people editing different parts of a lane both keep their edits; editing the same piece
 *   at once, the later write wins on every replica (last-writer-wins per piece);
 * - write modes live in the Y.Map 'automationModes', one per strip ("ch:<id>", "master", "fx:<bus>").
 * Bytes from the document are checked like parameter values: any client can write anything.
 */
export const CHUNK_SECONDS = 4;
export const POINT_BYTES = 13;
/** A piece with more points than this is cut down by thinning harder (a lane stays bounded). */
const MAX_POINTS_PER_CHUNK = 1024;

export const AUTOMATION_MODES = ['off', 'read', 'touch', 'latch', 'write'] as const;
export type AutomationMode = (typeof AUTOMATION_MODES)[number];
export const DEFAULT_AUTOMATION_MODE: AutomationMode = 'read';

export function scopeKey(scope: ParamScope): string {
  if (scope.kind === 'master') return 'master';
  if (scope.kind === 'fx') return `fx:${scope.bus}`;
  return `ch:${scope.channelId}`;
}

/** The smallest change of a parameter anyone can set or hear: what thinning may drop. */
export function thinningTolerance(def: ParamDef): number {
  return def.taper === 'toggle' || def.taper === 'choice' ? 0 : def.step / 2;
}

export function encodePoints(points: readonly AutomationPoint[]): Uint8Array {
  const bytes = new Uint8Array(points.length * POINT_BYTES);
  const view = new DataView(bytes.buffer);
  points.forEach((p, i) => {
    const o = i * POINT_BYTES;
    view.setFloat64(o, p.t, true);
    view.setFloat32(o + 8, p.v, true);
    view.setUint8(o + 12, Math.max(0, CURVE_SHAPES.indexOf(p.shape)));
  });
  return bytes;
}

/** Decodes a piece; anything malformed (wrong type, NaN, out of the piece) is left out. */
export function decodePoints(raw: unknown, def: ParamDef, chunk: number): AutomationPoint[] {
  if (!(raw instanceof Uint8Array) || raw.length % POINT_BYTES !== 0) return [];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: AutomationPoint[] = [];
  const from = chunk * CHUNK_SECONDS;
  for (let o = 0; o < raw.length; o += POINT_BYTES) {
    const t = view.getFloat64(o, true);
    const v = sanitizeParamValue(def, view.getFloat32(o + 8, true));
    const shape = CURVE_SHAPES[view.getUint8(o + 12)];
    if (!Number.isFinite(t) || t < from || t >= from + CHUNK_SECONDS || v === null || !shape) continue;
    out.push({ t, v, shape });
  }
  return out;
}

function chunkOf(t: number): number {
  return Math.floor(t / CHUNK_SECONDS);
}

export type AutomationChangeListener = (laneKeys: Set<string>, transaction: Y.Transaction) => void;

export class AutomationStore {
  readonly register: WriterRegisterMap;
  private readonly modes: Y.Map<unknown>;
  /** Decoded pieces and lanes, rebuilt only where pieces changed (states keep their identity). */
  private chunkCache = new Map<string, AutomationPoint[]>();
  private laneCache = new Map<string, { points: AutomationPoint[]; lane: AutomationLane } | null>();
  /** Piece indexes of each lane, from the register's keys. */
  private chunksOfLane = new Map<string, Set<number>>();

  constructor(private readonly doc: Y.Doc) {
    this.register = new WriterRegisterMap(doc, 'automation');
    this.modes = doc.getMap('automationModes');
    for (const k of this.register.keys()) this.index(k);
    this.register.onChange((keys) => {
      for (const k of keys) {
        this.chunkCache.delete(k);
        this.laneCache.delete(laneKeyOf(k));
        this.index(k);
      }
    });
  }

  private index(chunkKey: string): void {
    const lane = laneKeyOf(chunkKey);
    const chunk = Number(chunkKey.slice(lane.length + 1));
    if (!Number.isInteger(chunk) || chunk < 0 || chunk > 1e7) return;
    let set = this.chunksOfLane.get(lane);
    if (!set) this.chunksOfLane.set(lane, (set = new Set()));
    set.add(chunk);
  }

  /** Keys ("ch:<id>/gain") of every lane with at least one breakpoint. */
  laneKeys(): string[] {
    return [...this.chunksOfLane.keys()].filter((k) => this.points(k).length > 0).sort();
  }

  points(laneKey: string): AutomationPoint[] {
    return this.entry(laneKey)?.points ?? [];
  }

  /** The lane, ready to evaluate, or null when it has no breakpoints (or is not a parameter). */
  lane(laneKey: string): AutomationLane | null {
    return this.entry(laneKey)?.lane ?? null;
  }

  private chunkPoints(laneKey: string, def: ParamDef, chunk: number): AutomationPoint[] {
    const key = `${laneKey}#${chunk}`;
    let pts = this.chunkCache.get(key);
    if (!pts) {
      pts = decodePoints(this.register.get(key), def, chunk).sort((a, b) => a.t - b.t);
      this.chunkCache.set(key, pts);
    }
    return pts;
  }

  private entry(laneKey: string) {
    if (this.laneCache.has(laneKey)) return this.laneCache.get(laneKey)!;
    const def = defOf(laneKey);
    let result: { points: AutomationPoint[]; lane: AutomationLane } | null = null;
    if (def) {
      const points: AutomationPoint[] = [];
      // Pieces never overlap in time: in piece order the points are sorted.
      for (const c of [...(this.chunksOfLane.get(laneKey) ?? [])].sort((x, y) => x - y)) points.push(...this.chunkPoints(laneKey, def, c));
      if (points.length > 0) result = { points, lane: laneFromPoints(points, def) };
    }
    this.laneCache.set(laneKey, result);
    return result;
  }

  /**
   * Replaces the lane's breakpoints in [from, to] (seconds) by `points` (thinned), writing only
   * the pieces that changed. Returns false for unknown lanes or unusable times.
   */
  replace(laneKey: string, from: number, to: number, points: readonly AutomationPoint[], origin: unknown = null): boolean {
    const def = defOf(laneKey);
    if (!def || !(from <= to) || !Number.isFinite(from) || !Number.isFinite(to)) return false;
    const clean: AutomationPoint[] = [];
    for (const p of points) {
      const v = sanitizeParamValue(def, p.v);
      if (v === null || !Number.isFinite(p.t) || p.t < 0) continue;
      clean.push({ t: p.t, v, shape: CURVE_SHAPES.includes(p.shape) ? p.shape : 'linear' });
    }
    let lo = Math.max(0, from);
    let hi = Math.max(lo, to);
    for (const p of clean) [lo, hi] = [Math.min(lo, p.t), Math.max(hi, p.t)];
    const first = chunkOf(lo);
    const last = chunkOf(hi);
    const existing: AutomationPoint[] = [];
    for (let c = first; c <= last; c++) existing.push(...this.chunkPoints(laneKey, def, c));
    const next = replaceRange(existing, lo, hi, thinPoints(clean, thinningTolerance(def)));
    this.writeChunks(laneKey, def, next, first, last, origin);
    return true;
  }

  /** Replaces the whole lane. */
  setPoints(laneKey: string, points: readonly AutomationPoint[], origin: unknown = null): boolean {
    const all = this.points(laneKey);
    const times = [...all, ...points].map((p) => p.t);
    if (times.length === 0) return defOf(laneKey) !== undefined;
    return this.replace(laneKey, Math.min(...times), Math.max(...times), points, origin);
  }

  clear(laneKey: string): boolean {
    return this.setPoints(laneKey, []);
  }

  private writeChunks(laneKey: string, def: ParamDef, points: AutomationPoint[], first: number, last: number, origin: unknown): void {
    this.doc.transact(() => {
      for (let c = first; c <= last; c++) {
        let inChunk = points.filter((p) => chunkOf(p.t) === c);
        if (inChunk.length === 0 && !this.register.has(`${laneKey}#${c}`)) continue;
        if (inChunk.length > MAX_POINTS_PER_CHUNK) inChunk = thinPoints(inChunk, thinningTolerance(def) * 4 || 0).slice(0, MAX_POINTS_PER_CHUNK);
        const key = `${laneKey}#${c}`;
        const bytes = encodePoints(inChunk);
        const old = this.register.get(key);
        if (old instanceof Uint8Array && sameBytes(old, bytes)) continue;
        this.register.set(key, bytes, origin);
      }
    }, origin);
  }

  getMode(scope: ParamScope): AutomationMode {
    const m = this.modes.get(scopeKey(scope));
    return (AUTOMATION_MODES as readonly unknown[]).includes(m) ? (m as AutomationMode) : DEFAULT_AUTOMATION_MODE;
  }

  setMode(scope: ParamScope, mode: string): boolean {
    if (!(AUTOMATION_MODES as readonly string[]).includes(mode)) return false;
    if (this.getMode(scope) !== mode) this.modes.set(scopeKey(scope), mode);
    return true;
  }

  /** Lanes that play (their strip's mode is not 'off'), by lane key. */
  activeLanes(): Record<string, AutomationLane> {
    const out: Record<string, AutomationLane> = {};
    for (const key of this.laneKeys()) {
      const parsed = parseParamKey(key);
      const lane = this.lane(key);
      if (parsed && lane && this.getMode(parsed.scope) !== 'off') out[key] = lane;
    }
    return out;
  }

  /** Calls back with the lane keys whose breakpoints changed, and ('modes') when a mode changed. */
  onChange(listener: AutomationChangeListener): () => void {
    const offLanes = this.register.onChange((keys, tr) => listener(new Set([...keys].map(laneKeyOf)), tr));
    const onModes = (_e: unknown, tr: Y.Transaction) => listener(new Set(['modes']), tr);
    this.modes.observe(onModes);
    return () => {
      offLanes();
      this.modes.unobserve(onModes);
    };
  }
}

export function laneKeyOf(chunkKey: string): string {
  const hash = chunkKey.lastIndexOf('#');
  return hash < 0 ? chunkKey : chunkKey.slice(0, hash);
}

function defOf(laneKey: string): ParamDef | undefined {
  const parsed = parseParamKey(laneKey);
  return parsed ? paramDefFor(parsed.scope, parsed.paramId) : undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
