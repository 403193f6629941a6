'use client';
import { AUTOMATED_CHANNEL_PARAMS, AUTOMATED_FX_PARAMS, AUTOMATED_MASTER_PARAMS, paramDefFor, paramKey, type ParamScope } from '@mixroom/engine';
import type { SessionRuntime } from '../../lib/session-runtime';
import { slug } from '../../lib/format';
import { SECTION_TITLES } from '../ParamSections';

/** The lanes a strip opens with, one click away: volume and pan on a track, the fader on a return or the master. */
export function baseLanes(scope: ParamScope): readonly string[] {
  if (scope.kind === 'channel') return ['gain', 'pan'];
  return scope.kind === 'fx' ? ['return.gain'] : ['gain'];
}

/** Every parameter of the strip that the engine plays from a lane. */
function automatedParams(scope: ParamScope): readonly string[] {
  if (scope.kind === 'channel') return AUTOMATED_CHANNEL_PARAMS;
  return scope.kind === 'fx' ? AUTOMATED_FX_PARAMS[scope.bus] : AUTOMATED_MASTER_PARAMS;
}

const BASE_LABELS: Record<string, string> = { gain: 'Volume', pan: 'Pan', 'return.gain': 'Return level', 'return.mute': 'Return mute' };

/** A lane's name in its head: "Volume", "Low mid gain", "Compressor threshold". */
export function laneLabel(paramId: string, scope: ParamScope = { kind: 'channel', channelId: '' }): string {
  const def = paramDefFor(scope, paramId);
  if (BASE_LABELS[paramId]) return BASE_LABELS[paramId];
  if (!def) return paramId;
  if (def.section === 'comp') return `Compressor ${def.label.toLowerCase()}`;
  // The master's glue compressor shares the channel compressor's labels ('Threshold', 'Compressor on').
  return def.section === 'glue' ? `Glue ${def.label.replace(/^Compressor /, '').toLowerCase()}` : def.label;
}

/** What the "+ lane" menu offers, by section in strip order: every parameter of the strip the engine plays. */
export function laneMenuGroups(scope: ParamScope = { kind: 'channel', channelId: '' }): Array<{ title: string; params: string[] }> {
  const base = baseLanes(scope);
  const groups = new Map<string, string[]>();
  for (const id of automatedParams(scope)) {
    if (base.includes(id)) continue;
    const section = paramDefFor(scope, id)?.section ?? 'other';
    groups.set(section, [...(groups.get(section) ?? []), id]);
  }
  return [...groups].map(([section, params]) => ({ title: SECTION_TITLES[section] ?? section, params }));
}

/** The lanes a strip shows: its base lanes, those opened from the menu, and any other with points. */
export function shownLanes(runtime: SessionRuntime, scope: ParamScope, opened: readonly string[]): string[] {
  const base = baseLanes(scope);
  const extra = automatedParams(scope).filter((id) => !base.includes(id) && (opened.includes(id) || runtime.model.automation.points(paramKey(scope, id)).length > 0));
  return [...base, ...extra];
}

/** "+ lane": opens a lane for any parameter of the strip the engine automates, grouped by section. */
export function AddLaneMenu({ name, scope, shown, onAdd }: { name: string; scope: ParamScope; shown: readonly string[]; onAdd: (paramId: string) => void }) {
  const groups = laneMenuGroups(scope);
  if (groups.length === 0) return null;
  return (
    <select
      className="auto-add"
      value=""
      aria-label={`Add an automation lane to ${name}`}
      title="Add a lane for another parameter"
      data-testid={`auto-add-${slug(name)}`}
      onChange={(e) => e.target.value && onAdd(e.target.value)}
    >
      <option value="">+ lane</option>
      {groups.map((g) => (
        <optgroup key={g.title} label={g.title}>
          {g.params.map((id) => (
            <option key={id} value={id} disabled={shown.includes(id)}>
              {laneLabel(id, scope)}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}
