// Parameter keys of the mix document ("ch:<id>/gain", "master/gain", "fx:<bus>/<param>") and the
// definitions they point at. Kept apart from MixModel so the modules MixModel uses (undo history,
// automation, the shape check) can read keys without importing MixModel back (no import cycles).
import { CHANNEL_STRIP_PARAMS, FX_BUSES, FX_RETURN_PARAMS, MASTER_BUS_PARAMS, type FxBus, type ParamDef } from './params';
import { DELIVERY_TARGETS, getDeliveryTarget, type DeliveryTarget, type PlatformId } from '../loudness/targets';

/** Delivery targets a session can choose (the built-in table; 'custom' is not stored). */
export type DeliveryTargetId = Exclude<PlatformId, 'custom'>;
export const DEFAULT_DELIVERY_TARGET: DeliveryTargetId = 'spotify';

export function isDeliveryTargetId(id: unknown): id is DeliveryTargetId {
  return typeof id === 'string' && DELIVERY_TARGETS.some((t) => t.id === id);
}

/** The target a session's stored id names, or the default one for an id it does not know. */
export function sessionDeliveryTarget(id: unknown): DeliveryTarget {
  return getDeliveryTarget(isDeliveryTargetId(id) ? id : DEFAULT_DELIVERY_TARGET);
}

export type ParamScope = { kind: 'channel'; channelId: string } | { kind: 'master' } | { kind: 'fx'; bus: FxBus };

export function paramKey(scope: ParamScope, paramId: string): string {
  if (scope.kind === 'master') return `master/${paramId}`;
  if (scope.kind === 'fx') return `fx:${scope.bus}/${paramId}`;
  return `ch:${scope.channelId}/${paramId}`;
}

export function isFxBus(bus: unknown): bus is FxBus {
  return typeof bus === 'string' && (FX_BUSES as readonly string[]).includes(bus);
}

export function parseParamKey(key: string): { scope: ParamScope; paramId: string } | null {
  const slash = key.lastIndexOf('/');
  if (slash < 0) return null;
  const scopeText = key.slice(0, slash);
  const paramId = key.slice(slash + 1);
  if (scopeText === 'master') return { scope: { kind: 'master' }, paramId };
  if (scopeText.startsWith('ch:')) return { scope: { kind: 'channel', channelId: scopeText.slice(3) }, paramId };
  if (scopeText.startsWith('fx:')) {
    const bus = scopeText.slice(3);
    return isFxBus(bus) ? { scope: { kind: 'fx', bus }, paramId } : null;
  }
  return null;
}

/** The parameter table of a scope (channel strip, master bus or one FX return). */
export function paramTableFor(scope: ParamScope): Readonly<Record<string, ParamDef>> {
  if (scope.kind === 'master') return MASTER_BUS_PARAMS;
  if (scope.kind === 'fx') return FX_RETURN_PARAMS[scope.bus];
  return CHANNEL_STRIP_PARAMS;
}

export function paramDefFor(scope: ParamScope, paramId: string): ParamDef | undefined {
  if (scope.kind === 'fx' && !isFxBus(scope.bus)) return undefined;
  const table = paramTableFor(scope);
  return Object.prototype.hasOwnProperty.call(table, paramId) ? table[paramId] : undefined;
}
