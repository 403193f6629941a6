import * as Y from 'yjs';
import { sanitizeParamValue, type ChannelParamId, type FxBus, type FxParamId, type MasterParamId } from './params';
import { DEFAULT_DELIVERY_TARGET, isDeliveryTargetId, paramDefFor, paramKey, paramTableFor, parseParamKey, type DeliveryTargetId, type ParamScope } from './param-keys';
import { WriterRegisterMap } from './writer-register-map';
import { MixHistory } from './mix-history';
import { AutomationStore } from './automation-store';
import type { AutomationLane } from './automation';
import { isChannelColorId, isPositionKey, positionsForMove, type ChannelColorId } from './channel-order';

// The key helpers moved to param-keys.ts (no import cycles); still exported from here.
export * from './param-keys';

/**
 * The mix of one session, on a Y.Doc:
 * - `channels` (Y.Map): channel id → Y.Map { name, stemId, order } — structure, rarely edited;
 * - `params` (WriterRegisterMap): "<scope>/<param>" → number — every knob and fader, the hot path;
 * - `settings` (Y.Map): session-wide choices, e.g. `deliveryTarget` (a DELIVERY_TARGETS id);
 * - `channelPositions` / `channelColors` (Y.Map): channel id → console position key / colour id
 *   (see channel-order.ts). Roots of their own, so anyone who may mix may arrange the console
 *   (the server lets only owners and engineers write `channels`).
 * Values read from the document are always sanitized against the parameter definitions,
 * because any client can write anything into a CRDT.
 */

export interface ChannelInfo {
  id: string;
  name: string;
  stemId: string;
  order: number;
  /** Console position key once someone moved channels (channel-order.ts), else null: default order. */
  position: string | null;
  /** A CHANNEL_COLORS id someone chose, else null: the view's default colour. */
  color: ChannelColorId | null;
}

export interface ChannelState extends ChannelInfo {
  gain: number;
  pan: number;
  mute: boolean;
  solo: boolean;
  /** False when muted, or when another channel is soloed and this one is not. */
  audible: boolean;
  /** Every channel-strip parameter (CHANNEL_STRIP_PARAMS), sanitized. */
  params: Record<ChannelParamId, number>;
}

export interface MasterState {
  gain: number;
  /** Every master-bus parameter (MASTER_BUS_PARAMS), sanitized. */
  params: Record<MasterParamId, number>;
}

export interface FxReturnState {
  /** Every parameter of the return (FX_RETURN_PARAMS[bus]), sanitized. */
  params: Record<FxParamId, number>;
  /** FX returns are solo-safe: only their own mute silences them. */
  audible: boolean;
}

export interface MixState {
  channels: ChannelState[];
  master: MasterState;
  fx: Record<FxBus, FxReturnState>;
  anySolo: boolean;
  /** The session's delivery target (a DELIVERY_TARGETS id), shared by everyone. */
  deliveryTarget: DeliveryTargetId;
  /**
   * Automation that plays, by parameter key ("ch:<id>/gain"): lanes with breakpoints whose strip
   * is not in mode 'off'. Where a lane exists it, not the static value in `params`, sets the parameter.
   */
  automation: Record<string, AutomationLane>;
}

/** Writes the initial structure of a new session's mix: one channel per stem, default parameters. */
export function initializeMix(doc: Y.Doc, channels: Array<{ id: string; name: string; stemId: string }>): void {
  const map = doc.getMap<Y.Map<unknown>>('channels');
  doc.transact(() => {
    channels.forEach((c, index) => {
      const ch = new Y.Map<unknown>();
      ch.set('name', c.name);
      ch.set('stemId', c.stemId);
      ch.set('order', index);
      map.set(c.id, ch);
    });
  });
}

export interface MixChange {
  /** Keys of parameters whose value changed ("ch:<id>/gain", "master/gain"). */
  params: Set<string>;
  /** True when channels were added, removed, renamed, moved or coloured. */
  structure: boolean;
  /** True when a session setting (e.g. the delivery target) changed. */
  settings?: boolean;
  /** True when the change came from this replica (a local edit) rather than a remote peer. */
  local: boolean;
  /** Lane keys whose automation changed ('modes' when a write mode did). */
  automation?: Set<string>;
}

export class MixModel {
  readonly doc: Y.Doc;
  private readonly channelsMap: Y.Map<Y.Map<unknown>>;
  private readonly params: WriterRegisterMap;
  private readonly settingsMap: Y.Map<unknown>;
  private readonly positionsMap: Y.Map<unknown>;
  private readonly colorsMap: Y.Map<unknown>;
  /** Automation lanes and write modes (see AutomationStore). */
  readonly automation: AutomationStore;

  constructor(doc: Y.Doc) {
    this.doc = doc;
    this.channelsMap = doc.getMap('channels');
    this.settingsMap = doc.getMap('settings');
    this.positionsMap = doc.getMap('channelPositions');
    this.colorsMap = doc.getMap('channelColors');
    this.params = new WriterRegisterMap(doc, 'params');
    this.automation = new AutomationStore(doc);
  }

  /** Undo/redo of this replica's own parameter moves and automation edits (see MixHistory). Call destroy() when done. */
  createHistory(options: { captureMs?: number } = {}): MixHistory {
    return new MixHistory([this.params, this.automation.register], options);
  }

  listChannels(): ChannelInfo[] {
    const out: ChannelInfo[] = [];
    this.channelsMap.forEach((ch, id) => {
      if (!(ch instanceof Y.Map)) return;
      const name = ch.get('name');
      const stemId = ch.get('stemId');
      const order = ch.get('order');
      const position = this.positionsMap.get(id);
      const color = this.colorsMap.get(id);
      out.push({
        id,
        name: typeof name === 'string' ? name.slice(0, 200) : id,
        stemId: typeof stemId === 'string' ? stemId : '',
        order: typeof order === 'number' && Number.isFinite(order) ? order : 0,
        position: isPositionKey(position) ? position : null,
        color: isChannelColorId(color) ? color : null,
      });
    });
    return out.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  }

  hasChannel(channelId: string): boolean {
    return this.channelsMap.get(channelId) instanceof Y.Map;
  }

  getParam(scope: ParamScope, paramId: string): number {
    const def = paramDefFor(scope, paramId);
    if (!def) throw new Error(`unknown parameter ${paramId}`);
    return sanitizeParamValue(def, this.params.get(paramKey(scope, paramId))) ?? def.defaultValue;
  }

  /**
   * Sets a parameter from any source. Returns false (and changes nothing) when the
   * parameter or channel does not exist or the value is unusable; clamps out-of-range values.
   */
  setParam(scope: ParamScope, paramId: string, value: unknown, origin: unknown = null): boolean {
    const def = paramDefFor(scope, paramId);
    if (!def) return false;
    if (scope.kind === 'channel' && !this.hasChannel(scope.channelId)) return false;
    const clean = sanitizeParamValue(def, value);
    if (clean === null) return false;
    const key = paramKey(scope, paramId);
    if (this.params.has(key) && this.params.get(key) === clean) return true;
    this.params.set(key, clean, origin);
    return true;
  }

  getChannelParam(channelId: string, paramId: ChannelParamId): number {
    return this.getParam({ kind: 'channel', channelId }, paramId);
  }

  setChannelParam(channelId: string, paramId: ChannelParamId, value: unknown): boolean {
    return this.setParam({ kind: 'channel', channelId }, paramId, value);
  }

  setChannelGain(channelId: string, db: number): boolean {
    return this.setChannelParam(channelId, 'gain', db);
  }

  setPan(channelId: string, pan: number): boolean {
    return this.setChannelParam(channelId, 'pan', pan);
  }

  setMute(channelId: string, muted: boolean): boolean {
    return this.setChannelParam(channelId, 'mute', muted);
  }

  setSolo(channelId: string, soloed: boolean): boolean {
    return this.setChannelParam(channelId, 'solo', soloed);
  }

  clearSolo(): void {
    this.doc.transact(() => {
      for (const ch of this.listChannels()) if (this.getChannelParam(ch.id, 'solo') >= 0.5) this.setSolo(ch.id, false);
    });
  }

  getMasterParam(paramId: MasterParamId): number {
    return this.getParam({ kind: 'master' }, paramId);
  }

  setMasterGain(db: number): boolean {
    return this.setParam({ kind: 'master' }, 'gain', db);
  }

  /** Appends a channel playing `stemId` after the existing ones. Returns false if the id is taken. */
  addChannel(channel: { id: string; name: string; stemId: string }): boolean {
    if (this.channelsMap.has(channel.id)) return false;
    const order = this.listChannels().reduce((max, c) => Math.max(max, c.order + 1), 0);
    const ch = new Y.Map<unknown>();
    this.doc.transact(() => {
      ch.set('name', channel.name.trim().slice(0, 200) || channel.id);
      ch.set('stemId', channel.stemId);
      ch.set('order', order);
      this.channelsMap.set(channel.id, ch);
    });
    return true;
  }

  /** Takes the channel out of the mix (its parameters stay in the document, unused). */
  removeChannel(channelId: string): boolean {
    if (!this.hasChannel(channelId)) return false;
    this.channelsMap.delete(channelId);
    return true;
  }

  /** Points the channel at another stem (a new or restored take); its fader, pan etc. are kept. */
  setChannelStem(channelId: string, stemId: string): boolean {
    const ch = this.channelsMap.get(channelId);
    if (!(ch instanceof Y.Map)) return false;
    if (ch.get('stemId') !== stemId) ch.set('stemId', stemId);
    return true;
  }

  /** The channel currently playing `stemId`, if any. */
  channelOfStem(stemId: string): ChannelInfo | undefined {
    return this.listChannels().find((c) => c.stemId === stemId);
  }

  setMasterParam(paramId: MasterParamId, value: unknown): boolean {
    return this.setParam({ kind: 'master' }, paramId, value);
  }

  getFxParam(bus: FxBus, paramId: FxParamId): number {
    return this.getParam({ kind: 'fx', bus }, paramId);
  }

  setFxParam(bus: FxBus, paramId: FxParamId, value: unknown): boolean {
    return this.setParam({ kind: 'fx', bus }, paramId, value);
  }

  /** Every parameter of a scope, sanitized, defaults where nothing (usable) is stored. */
  readParams(scope: ParamScope): Record<string, number> {
    const out: Record<string, number> = {};
    for (const id of Object.keys(paramTableFor(scope))) out[id] = this.getParam(scope, id);
    return out;
  }

  renameChannel(channelId: string, name: string): boolean {
    const ch = this.channelsMap.get(channelId);
    const clean = name.trim().slice(0, 200);
    if (!(ch instanceof Y.Map) || clean === '') return false;
    ch.set('name', clean);
    return true;
  }

  /**
   * Moves a channel to `toIndex` of the console order `shownIds` (as every replica computes it:
   * orderChannels with the view's default order) for everyone. Writes one position key, or on
   * the first move keys for all channels in the new order. False for unknown channels.
   */
  moveChannel(channelId: string, shownIds: readonly string[], toIndex: number): boolean {
    const ids = shownIds.filter((id) => this.hasChannel(id));
    if (!ids.includes(channelId) || !Number.isFinite(toIndex)) return false;
    const positions = new Map(this.listChannels().map((c) => [c.id, c.position]));
    const writes = positionsForMove(ids, positions, channelId, toIndex);
    this.doc.transact(() => {
      for (const [id, key] of writes) if (this.positionsMap.get(id) !== key) this.positionsMap.set(id, key);
    });
    return true;
  }

  /** Gives a channel a CHANNEL_COLORS colour for everyone (null: back to the default). */
  setChannelColor(channelId: string, color: string | null): boolean {
    if (!this.hasChannel(channelId) || (color !== null && !isChannelColorId(color))) return false;
    if (color === null) {
      if (this.colorsMap.has(channelId)) this.colorsMap.delete(channelId);
    } else if (this.colorsMap.get(channelId) !== color) this.colorsMap.set(channelId, color);
    return true;
  }

  /** The session's delivery target; anything unknown in the document reads as the default. */
  getDeliveryTarget(): DeliveryTargetId {
    const id = this.settingsMap.get('deliveryTarget');
    return isDeliveryTargetId(id) ? id : DEFAULT_DELIVERY_TARGET;
  }

  /** Chooses the session's delivery target for everyone. Returns false (no change) for unknown ids. */
  setDeliveryTarget(id: string): boolean {
    if (!isDeliveryTargetId(id)) return false;
    if (this.settingsMap.get('deliveryTarget') !== id) this.settingsMap.set('deliveryTarget', id);
    return true;
  }

  getState(): MixState {
    const infos = this.listChannels();
    const raw = infos.map((info) => {
      const params = this.readParams({ kind: 'channel', channelId: info.id }) as Record<ChannelParamId, number>;
      return { ...info, gain: params.gain, pan: params.pan, mute: params.mute >= 0.5, solo: params.solo >= 0.5, params };
    });
    const masterParams = this.readParams({ kind: 'master' }) as Record<MasterParamId, number>;
    const fxState = (bus: FxBus): FxReturnState => {
      const params = this.readParams({ kind: 'fx', bus }) as Record<FxParamId, number>;
      return { params, audible: params['return.mute'] < 0.5 };
    };
    const anySolo = raw.some((c) => c.solo);
    return {
      channels: raw.map((c) => ({ ...c, audible: isAudible(c.mute, c.solo, anySolo) })),
      master: { gain: masterParams.gain, params: masterParams },
      fx: { reverb: fxState('reverb'), delay: fxState('delay') },
      anySolo,
      deliveryTarget: this.getDeliveryTarget(),
      automation: this.activeAutomation(),
    };
  }

  /** Active lanes of existing strips (a removed channel's lanes stay in the document, unused). */
  private activeAutomation(): Record<string, AutomationLane> {
    const out = this.automation.activeLanes();
    for (const key of Object.keys(out)) {
      const parsed = parseParamKey(key);
      if (parsed?.scope.kind === 'channel' && !this.hasChannel(parsed.scope.channelId)) delete out[key];
    }
    return out;
  }

  /** Calls back after every change of the mix, local or remote. */
  onChange(listener: (change: MixChange) => void): () => void {
    const offParams = this.params.onChange((keys, tr) => listener({ params: keys, structure: false, local: tr.local }));
    const onStructure = (_e: unknown, tr: Y.Transaction) => listener({ params: new Set(), structure: true, local: tr.local });
    const onSettings = (_e: unknown, tr: Y.Transaction) =>
      listener({ params: new Set(), structure: false, settings: true, local: tr.local });
    const offAutomation = this.automation.onChange((keys, tr) => listener({ params: new Set(), structure: false, automation: keys, local: tr.local }));
    this.channelsMap.observeDeep(onStructure);
    this.positionsMap.observe(onStructure);
    this.colorsMap.observe(onStructure);
    this.settingsMap.observe(onSettings);
    return () => {
      offParams();
      offAutomation();
      this.channelsMap.unobserveDeep(onStructure);
      this.positionsMap.unobserve(onStructure);
      this.colorsMap.unobserve(onStructure);
      this.settingsMap.unobserve(onSettings);
    };
  }
}

/** Solo-in-place: a soloed channel is heard; when anything is soloed, non-soloed channels are not. */
export function isAudible(mute: boolean, solo: boolean, anySolo: boolean): boolean {
  if (mute) return false;
  return anySolo ? solo : true;
}
